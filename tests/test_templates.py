"""Shared templates: the form macro's attributes and marks, and rules every page follows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from admin_support import log_in, post

from shop.accounts.models import Role
from tests.shopper_helpers import fill_cart, give_addresses

# An attribute WTForms wrote from a None value ("None" is rendered as text; only False is left out).
NONE_ATTRIBUTE = re.compile(r'[\w-]+="None"')


@pytest.fixture
def staff_client(client, make_user):
    log_in(client, make_user("staff@northwind.test", role=Role.STAFF))
    return client


def _field_html(page: str, field_id: str) -> str:
    """The ``<div class="field">`` of one input, from its opening tag to the next field."""
    start = page.index(f'id="{field_id}"')
    return page[page.rindex('<div class="field', 0, start):page.find('<div class="field', start)]


def test_forms_never_render_none_attributes(client, auth, make_user, make_product):
    buyer = make_user()
    give_addresses(buyer.company)
    fill_cart(buyer, (make_product(), "2"))
    pages = {"login": client.get("/login").text}
    auth.login()
    pages["checkout"] = client.get("/checkout").text
    pages["account"] = client.get("/account").text
    for name, page in pages.items():
        assert 'class="field' in page, name
        assert NONE_ATTRIBUTE.findall(page) == [], name


def test_admin_forms_never_render_none_attributes(staff_client):
    for url in ("/admin/products/new", "/admin/companies/new", "/admin/punchout/connections/new"):
        page = staff_client.get(url)
        assert page.status_code == 200, url
        assert NONE_ATTRIBUTE.findall(page.text) == [], url


def test_an_invalid_field_points_at_its_error(staff_client):
    page = post(staff_client, "/admin/products/new", {"sku": "", "name": "Paper"}).text
    sku = _field_html(page, "sku")
    assert 'aria-invalid="true"' in sku
    assert 'aria-describedby="sku-hint sku-error"' in sku and 'id="sku-error"' in sku
    name = _field_html(page, "name")
    assert "aria-invalid" not in name and "aria-describedby" not in name


def test_a_hint_and_an_error_both_describe_the_field(staff_client):
    page = post(staff_client, "/admin/companies/new", {"name": ""}).text
    described = re.findall(r'aria-describedby="([^"]+)"', page)
    assert described, "no field is described"
    for ids in described:
        for element_id in ids.split():
            assert f'id="{element_id}"' in page


def test_required_fields_are_marked_visibly(client):
    login = client.get("/login").text
    assert 'for="email">Email <span class="required-mark" aria-hidden="true">' in login


def test_only_required_fields_are_marked(staff_client):
    form = staff_client.get("/admin/products/new").text
    assert "required-mark" in _field_html(form, "sku")  # InputRequired
    assert "required-mark" not in _field_html(form, "manufacturer")  # optional


def test_every_back_office_page_title_says_back_office():
    templates = Path(__file__).resolve().parent.parent / "templates"
    pages = [path for path in templates.rglob("*.html")
             if '{% extends "admin/base.html" %}' in path.read_text(encoding="utf-8")]
    assert len(pages) > 20  # the shop's, the purchase orders' and PunchOut's back office
    for path in pages:
        title = re.search(r"{% block title %}(.*?){% endblock %}", path.read_text("utf-8"))
        assert title, f"{path.relative_to(templates)} has no title"
        assert title[1].endswith("Back office"), path.relative_to(templates)
