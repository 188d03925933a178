"""Back-office pages for the catalog: products and categories."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from shop.admin import queries, services
from shop.admin.forms import ActionForm, CategoryForm, ProductForm, ProductSearchForm
from shop.admin.services import InvalidInput
from shop.admin.views import bp, safe_next, show_error
from shop.catalog.models import Category, Product

# ---------- products ----------


@bp.get("/products")
def list_products() -> str:
    form = ProductSearchForm(request.args)
    text = form.q.data if form.validate() else ""
    page = queries.search_products(text or "", form.status.data or "",
                                   queries.page_number(request.args.get("page")))
    return render_template("admin/products/list.html", form=form, page=page,
                           action_form=ActionForm())


@bp.route("/products/new", methods=["GET", "POST"])
def new_product() -> ResponseReturnValue:
    form = ProductForm()
    form.set_choices(queries.category_choices())
    if form.validate_on_submit():
        try:
            product = services.create_product(form.to_data())
        except InvalidInput as error:
            show_error(form, error)
        else:
            flash(f"Product {product.sku} created.", "success")
            return redirect(url_for(".list_products", q=product.sku))
    return render_template("admin/products/form.html", form=form, product=None)


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
def edit_product(product_id: int) -> ResponseReturnValue:
    product = services.get_object(Product, product_id)
    form = ProductForm(obj=product)
    form.set_choices(queries.category_choices(), stored=product)
    if form.validate_on_submit():
        try:
            services.update_product(product.id, form.to_data())
        except InvalidInput as error:
            show_error(form, error)
        else:
            flash(f"Product {product.sku} saved.", "success")
            return redirect(url_for(".edit_product", product_id=product.id))
    return render_template("admin/products/form.html", form=form, product=product,
                           action_form=ActionForm())


@bp.post("/products/<int:product_id>/deactivate")
def deactivate_product(product_id: int) -> ResponseReturnValue:
    return _set_product_active(product_id, active=False)


@bp.post("/products/<int:product_id>/activate")
def activate_product(product_id: int) -> ResponseReturnValue:
    return _set_product_active(product_id, active=True)


def _set_product_active(product_id: int, active: bool) -> ResponseReturnValue:
    if ActionForm().validate_on_submit():
        product = services.set_product_active(product_id, active)
        state = "back in the shop" if active else "hidden from the shop"
        flash(f"Product {product.sku} is {state}.", "success")
    else:
        flash("The form expired; please try again.", "error")
    fallback = url_for(".edit_product", product_id=product_id)
    return redirect(safe_next(request.form.get("next"), fallback))


# ---------- categories ----------


@bp.get("/categories")
def list_categories() -> str:
    return render_template("admin/categories/list.html", rows=queries.category_tree(),
                           action_form=ActionForm())


@bp.route("/categories/new", methods=["GET", "POST"])
def new_category() -> ResponseReturnValue:
    form = CategoryForm()
    parents = queries.category_choices()
    form.set_parents(parents)
    if request.method == "GET":
        # "Add subcategory" links preselect the parent.
        parent = request.args.get("parent", type=int)
        if parent in {cid for cid, _ in parents}:
            form.parent_id.data = parent
        form.position.data = services.next_position(form.parent_id.data or None)
    if form.validate_on_submit():
        try:
            category = services.create_category(form.to_data())
        except InvalidInput as error:
            show_error(form, error)
        else:
            flash(f"Category {category.name} created.", "success")
            return redirect(url_for(".list_categories"))
    return render_template("admin/categories/form.html", form=form, category=None)


@bp.route("/categories/<int:category_id>/edit", methods=["GET", "POST"])
def edit_category(category_id: int) -> ResponseReturnValue:
    category = services.get_object(Category, category_id)
    form = CategoryForm(obj=category)
    # A category cannot move under itself or under its own subcategories.
    excluded = {category.id, *services.descendant_ids(category.id)}
    form.set_parents(queries.category_choices(exclude=excluded))
    if form.validate_on_submit():
        try:
            services.update_category(category.id, form.to_data())
        except InvalidInput as error:
            show_error(form, error)
        else:
            flash(f"Category {category.name} saved.", "success")
            return redirect(url_for(".list_categories"))
    return render_template("admin/categories/form.html", form=form, category=category)


@bp.post("/categories/<int:category_id>/move")
def move_category(category_id: int) -> ResponseReturnValue:
    offset = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if ActionForm().validate_on_submit() and offset is not None:
        category = services.move_category(category_id, offset)
        flash(f"Category {category.name} moved {request.form['direction']}.", "success")
    else:
        flash("The category could not be moved; please try again.", "error")
    return redirect(url_for(".list_categories"))
