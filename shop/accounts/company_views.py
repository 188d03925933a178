"""Company administration under ``/account/company``: users and addresses (company admins)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from shop.accounts import services
from shop.accounts.forms import ActionForm, AddressForm, CompanyUserForm
from shop.accounts.models import AddressKind, Role
from shop.accounts.views import bp
from shop.errors import NotFound


def company_admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Logged in as a company admin of some company; everyone else gets 403."""

    @functools.wraps(view)
    @login_required
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_user.role != Role.COMPANY_ADMIN or current_user.company_id is None:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


@bp.get("/account/company")
@company_admin_required
def company() -> str:
    """The company's users and addresses."""
    company_id = current_user.company_id
    return render_template(
        "accounts/company.html",
        company=services.get_company(company_id),
        users=services.company_users(company_id),
        addresses=services.company_addresses(company_id),
        action_form=ActionForm(),
    )


@bp.route("/account/company/users/new", methods=["GET", "POST"])
@company_admin_required
def add_user() -> tuple[str, int] | Response:
    """Add a buyer or company admin to the company."""
    form = CompanyUserForm()
    if form.validate_on_submit():
        try:
            user = services.add_company_user(
                current_user.company_id, form.email.data or "", form.password.data or "",
                form.role.data or Role.BUYER.value,
                first_name=form.first_name.data or "", last_name=form.last_name.data or "",
            )
        except services.AccountError as error:
            form.email.errors = [str(error)]
        else:
            flash(f"{user.email} can now log in.", "success")
            return redirect(url_for("accounts.company"))
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/user_form.html", form=form), status


@bp.post("/account/company/users/<int:user_id>/deactivate")
@company_admin_required
def deactivate_user(user_id: int) -> Response:
    """Stop a user from logging in (their orders stay)."""
    return _set_active(user_id, active=False)


@bp.post("/account/company/users/<int:user_id>/activate")
@company_admin_required
def activate_user(user_id: int) -> Response:
    """Let a deactivated user log in again."""
    return _set_active(user_id, active=True)


def _set_active(user_id: int, active: bool) -> Response:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        user = services.set_user_active(current_user.company_id, user_id, active, current_user.id)
    except NotFound:
        abort(404)
    except services.AccountError as error:
        flash(str(error), "error")
    else:
        state = "can log in again" if active else "is deactivated"
        flash(f"{user.email} {state}.", "success")
    return redirect(url_for("accounts.company"))


@bp.route("/account/company/addresses/new", methods=["GET", "POST"])
@company_admin_required
def add_address() -> tuple[str, int] | Response:
    """Add a ship-to or bill-to address."""
    form = AddressForm()
    if form.validate_on_submit():
        services.add_address(current_user.company_id, _address_data(form))
        flash("The address is added.", "success")
        return redirect(url_for("accounts.company"))
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/address_form.html", form=form, address=None), status


@bp.route("/account/company/addresses/<int:address_id>/edit", methods=["GET", "POST"])
@company_admin_required
def edit_address(address_id: int) -> tuple[str, int] | Response:
    """Change an address; orders already placed keep their copy."""
    try:
        address = services.get_address(current_user.company_id, address_id)
    except NotFound:
        abort(404)
    form = AddressForm(obj=address)
    if form.validate_on_submit():
        services.update_address(current_user.company_id, address_id, _address_data(form))
        flash("The address is saved.", "success")
        return redirect(url_for("accounts.company"))
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/address_form.html", form=form, address=address), status


@bp.post("/account/company/addresses/<int:address_id>/delete")
@company_admin_required
def delete_address(address_id: int) -> Response:
    """Remove an address."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.delete_address(current_user.company_id, address_id)
    except NotFound:
        abort(404)
    flash("The address is removed.", "success")
    return redirect(url_for("accounts.company"))


def _address_data(form: AddressForm) -> services.AddressData:
    return services.AddressData(
        kind=AddressKind(form.kind.data),
        name=form.name.data or "",
        street=form.street.data or "",
        postal_code=form.postal_code.data or "",
        city=form.city.data or "",
        country_code=form.country_code.data or "",
        code=form.code.data or "",
        is_default=bool(form.is_default.data),
    )
