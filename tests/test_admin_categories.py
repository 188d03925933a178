"""Staff manage the category tree: list, create, edit (without cycles), reorder."""

from __future__ import annotations

import pytest
from admin_support import count_queries, log_in, post
from sqlalchemy import select

from shop.accounts.models import Role
from shop.catalog.models import Category
from shop.extensions import db


@pytest.fixture
def staff_client(client, make_user):
    log_in(client, make_user("staff@northwind.test", role=Role.STAFF))
    return client


def by_slug(slug):
    db.session.expire_all()
    return db.session.scalar(select(Category).where(Category.slug == slug))


def test_tree_lists_children_under_their_parents(staff_client, make_category, make_product):
    office = make_category("office", "Office", position=1)
    it = make_category("it", "IT", position=0)
    make_category("paper", "Paper", parent=office)
    make_product(category=office)
    page = staff_client.get("/admin/categories").text
    assert page.index(">IT</a>") < page.index(">Office</a>") < page.index(">Paper</a>")
    assert 'class="tree-depth-1"' in page
    assert it.name in page


def test_create_at_top_level_and_under_a_parent(staff_client, make_category):
    office = make_category("office", "Office")
    page = staff_client.get(f"/admin/categories/new?parent={office.id}").text
    assert f'<option selected value="{office.id}">Office</option>' in page
    response = post(staff_client, "/admin/categories/new", {
        "name": "Paper & pads", "slug": "paper", "description": "", "parent_id": str(office.id),
        "position": "0"})
    assert response.status_code == 302
    paper = by_slug("paper")
    assert paper.parent_id == office.id and paper.name == "Paper & pads"
    response = post(staff_client, "/admin/categories/new", {
        "name": "Lab", "slug": "lab", "parent_id": "0", "position": "3"})
    assert by_slug("lab").parent_id is None


@pytest.mark.parametrize(("field", "value", "message"), [
    ("slug", "Paper Pads", "Lower-case letters"),
    ("slug", "office", "The slug office is already used."),
    ("name", "", "Enter a name."),
    ("name", "n" * 500, "Field cannot be longer than 120 characters."),
    ("position", "-1", "Number must be between 0 and 100000."),
    ("parent_id", "424242", "Not a valid choice"),
])
def test_invalid_categories_are_refused(staff_client, make_category, field, value, message):
    make_category("office")
    data = {"name": "Paper", "slug": "paper", "parent_id": "0", "position": "0"}
    data[field] = value
    response = post(staff_client, "/admin/categories/new", data)
    assert response.status_code == 200
    assert message in response.text
    assert by_slug("paper") is None


def test_edit_offers_no_parent_that_would_make_a_cycle(staff_client, make_category):
    office = make_category("office", "Office")
    paper = make_category("paper", "Paper", parent=office)
    a4 = make_category("a4", "A4", parent=paper)
    lab = make_category("lab", "Lab")
    page = staff_client.get(f"/admin/categories/{office.id}/edit").text
    assert f'value="{lab.id}"' in page
    for own in (paper, a4):
        assert f'value="{own.id}"' not in page


@pytest.mark.parametrize("target", ["self", "child", "grandchild"])
def test_posting_a_cyclic_parent_is_refused(staff_client, make_category, target):
    office = make_category("office", "Office")
    paper = make_category("paper", "Paper", parent=office)
    a4 = make_category("a4", "A4", parent=paper)
    parent = {"self": office, "child": paper, "grandchild": a4}[target]
    response = post(staff_client, f"/admin/categories/{office.id}/edit", {
        "name": "Office", "slug": "office", "parent_id": str(parent.id), "position": "0"})
    assert response.status_code == 200
    assert "Not a valid choice" in response.text
    assert by_slug("office").parent_id is None


def test_service_refuses_cycles_too(make_category):
    from shop.admin.services import CategoryData, InvalidInput, update_category

    office = make_category("office")
    paper = make_category("paper", parent=office)
    with pytest.raises(InvalidInput, match="under itself") as error:
        update_category(office.id, CategoryData("Office", "office", "", paper.id, 0))
    assert error.value.field == "parent_id"


def test_edit_moves_and_renames(staff_client, make_category):
    office = make_category("office", "Office")
    lab = make_category("lab", "Lab")
    response = post(staff_client, f"/admin/categories/{lab.id}/edit", {
        "name": "Laboratory", "slug": "laboratory", "description": "<b>Glass</b>",
        "parent_id": str(office.id), "position": "4"})
    assert response.status_code == 302
    moved = by_slug("laboratory")
    assert (moved.name, moved.parent_id, moved.position) == ("Laboratory", office.id, 4)


def test_reorder_with_up_and_down(staff_client, make_category):
    a, b, c = (make_category(slug, position=n) for n, slug in enumerate(["a", "b", "c"]))
    post(staff_client, f"/admin/categories/{c.id}/move", {"direction": "up"})
    assert [by_slug(s).position for s in "abc"] == [0, 2, 1]
    post(staff_client, f"/admin/categories/{a.id}/move", {"direction": "up"})  # already first
    assert [by_slug(s).position for s in "abc"] == [0, 2, 1]
    post(staff_client, f"/admin/categories/{a.id}/move", {"direction": "down"})
    assert [by_slug(s).position for s in "abc"] == [1, 2, 0]
    response = post(staff_client, f"/admin/categories/{a.id}/move", {"direction": "sideways"})
    assert "could not be moved" in staff_client.get(response.headers["Location"]).text


def test_tree_query_count_does_not_grow(staff_client, make_category):
    make_category("root")
    with count_queries() as few:
        staff_client.get("/admin/categories")
    parent = None
    for n in range(12):
        parent = make_category(f"level-{n}", parent=parent)
    with count_queries() as many:
        page = staff_client.get("/admin/categories")
    assert "level-11" in page.text
    assert len(many) == len(few)
