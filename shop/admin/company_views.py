"""Back-office pages for companies, their users, addresses and contract prices."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from shop.accounts.models import Address, Company, Role
from shop.admin import company_services as services
from shop.admin import queries
from shop.admin.forms import (
    ActionForm,
    AddressForm,
    CompanyForm,
    CompanySearchForm,
    ContractPriceForm,
    EditContractPriceForm,
    NewUserForm,
    RoleForm,
)
from shop.admin.services import InvalidInput, get_object
from shop.admin.views import bp, show_error
from shop.catalog.models import ContractPrice
from shop.errors import NotFound

# ---------- companies ----------


@bp.get("/companies")
def list_companies() -> str:
    form = CompanySearchForm(request.args)
    text = form.q.data if form.validate() else ""
    page = queries.search_companies(text or "", queries.page_number(request.args.get("page")))
    return render_template("admin/companies/list.html", form=form, page=page)


@bp.route("/companies/new", methods=["GET", "POST"])
def new_company() -> ResponseReturnValue:
    form = CompanyForm()
    if form.validate_on_submit():
        try:
            company = services.create_company(form.to_data())
        except InvalidInput as error:
            show_error(form, error)
        else:
            flash(f"Company {company.name} created.", "success")
            return redirect(url_for(".show_company", company_id=company.id))
    return render_template("admin/companies/form.html", form=form, company=None)


@bp.get("/companies/<int:company_id>")
def show_company(company_id: int) -> str:
    detail = queries.company_detail(company_id, queries.page_number(request.args.get("prices")))
    return render_template("admin/companies/detail.html", detail=detail,
                           company=detail.company, role_form=RoleForm(),
                           action_form=ActionForm())


@bp.route("/companies/<int:company_id>/edit", methods=["GET", "POST"])
def edit_company(company_id: int) -> ResponseReturnValue:
    company = get_object(Company, company_id)
    form = CompanyForm(obj=company)
    if form.validate_on_submit():
        try:
            services.update_company(company.id, form.to_data())
        except InvalidInput as error:
            show_error(form, error)
        else:
            flash(f"Company {company.name} saved.", "success")
            return redirect(url_for(".show_company", company_id=company.id))
    return render_template("admin/companies/form.html", form=form, company=company)


def _back_to(company_id: int, anchor: str) -> Response:
    return redirect(url_for(".show_company", company_id=company_id, _anchor=anchor))


# ---------- users ----------


@bp.route("/companies/<int:company_id>/users/new", methods=["GET", "POST"])
def add_user(company_id: int) -> ResponseReturnValue:
    company = get_object(Company, company_id)
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user = services.add_user(company.id, form.to_data())
        except InvalidInput as error:
            show_error(form, error)
        else:
            flash(f"{user.email} can now log in as {user.role.value}.", "success")
            return _back_to(company.id, "users")
    return render_template("admin/companies/user_form.html", form=form, company=company)


@bp.post("/companies/<int:company_id>/users/<int:user_id>/role")
def change_user_role(company_id: int, user_id: int) -> ResponseReturnValue:
    form = RoleForm()
    if form.validate_on_submit():
        try:
            user = services.change_user_role(company_id, user_id, Role(form.role.data))
        except InvalidInput as error:
            flash(str(error), "error")
        else:
            flash(f"{user.email} is now {user.role.value}.", "success")
    else:
        flash("Choose buyer or company admin.", "error")
    return _back_to(company_id, "users")


@bp.post("/companies/<int:company_id>/users/<int:user_id>/deactivate")
def deactivate_user(company_id: int, user_id: int) -> ResponseReturnValue:
    return _set_user_active(company_id, user_id, active=False)


@bp.post("/companies/<int:company_id>/users/<int:user_id>/activate")
def activate_user(company_id: int, user_id: int) -> ResponseReturnValue:
    return _set_user_active(company_id, user_id, active=True)


def _set_user_active(company_id: int, user_id: int, active: bool) -> Response:
    if ActionForm().validate_on_submit():
        user = services.set_user_active(company_id, user_id, active)
        state = "can log in again" if active else "can no longer log in"
        flash(f"{user.email} {state}.", "success")
    else:
        flash("The form expired; please try again.", "error")
    return _back_to(company_id, "users")


# ---------- addresses ----------


@bp.route("/companies/<int:company_id>/addresses/new", methods=["GET", "POST"])
def new_address(company_id: int) -> ResponseReturnValue:
    company = get_object(Company, company_id)
    form = AddressForm()
    if form.validate_on_submit():
        services.add_address(company.id, form.to_data())
        flash("Address added.", "success")
        return _back_to(company.id, "addresses")
    return render_template("admin/companies/address_form.html", form=form, company=company,
                           address=None)


@bp.route("/companies/<int:company_id>/addresses/<int:address_id>/edit",
          methods=["GET", "POST"])
def edit_address(company_id: int, address_id: int) -> ResponseReturnValue:
    company = get_object(Company, company_id)
    address = get_object(Address, address_id)
    if address.company_id != company.id:
        raise NotFound("No such address in this company.")
    form = AddressForm(obj=address)
    if form.validate_on_submit():
        services.update_address(company.id, address.id, form.to_data())
        flash("Address saved.", "success")
        return _back_to(company.id, "addresses")
    return render_template("admin/companies/address_form.html", form=form, company=company,
                           address=address)


@bp.post("/companies/<int:company_id>/addresses/<int:address_id>/remove")
def remove_address(company_id: int, address_id: int) -> ResponseReturnValue:
    if ActionForm().validate_on_submit():
        services.remove_address(company_id, address_id)
        flash("Address removed.", "success")
    else:
        flash("The form expired; please try again.", "error")
    return _back_to(company_id, "addresses")


# ---------- contract prices ----------


@bp.route("/companies/<int:company_id>/prices/new", methods=["GET", "POST"])
def add_contract_price(company_id: int) -> ResponseReturnValue:
    company = get_object(Company, company_id)
    form = ContractPriceForm(currency=company.currency)
    if form.validate_on_submit():
        try:
            price = services.add_contract_price(company.id, form.sku.data, form.to_data())
        except InvalidInput as error:
            show_error(form, error)
        else:
            flash(f"Contract price for {price.product.sku} added.", "success")
            return _back_to(company.id, "prices")
    return render_template("admin/companies/price_form.html", form=form, company=company,
                           price=None)


@bp.route("/companies/<int:company_id>/prices/<int:price_id>/edit", methods=["GET", "POST"])
def edit_contract_price(company_id: int, price_id: int) -> ResponseReturnValue:
    company = get_object(Company, company_id)
    price = get_object(ContractPrice, price_id)
    if price.company_id != company.id:
        raise NotFound("No such contract price in this company.")
    form = EditContractPriceForm(obj=price)
    if form.validate_on_submit():
        services.update_contract_price(company.id, price.id, form.to_data())
        flash(f"Contract price for {price.product.sku} saved.", "success")
        return _back_to(company.id, "prices")
    return render_template("admin/companies/price_form.html", form=form, company=company,
                           price=price)


@bp.post("/companies/<int:company_id>/prices/<int:price_id>/remove")
def remove_contract_price(company_id: int, price_id: int) -> ResponseReturnValue:
    if ActionForm().validate_on_submit():
        services.remove_contract_price(company_id, price_id)
        flash("Contract price removed; the list price applies again.", "success")
    else:
        flash("The form expired; please try again.", "error")
    return _back_to(company_id, "prices")
