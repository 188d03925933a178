"""SAP OCI in the browser: the entry call, and the pages that carry an OCI form to SAP.

The cart itself goes back through the same "Transfer cart" button as cXML (``punchout.views``
hands OCI sessions to :func:`form_page`).
"""

from __future__ import annotations

import codecs

from flask import Blueprint, Response, g, make_response, redirect, render_template, request, url_for

from shop.extensions import csrf
from shop.punchout import oci_entry
from shop.punchout.errors import OCIEntryRefused
from shop.punchout.oci_transfer import OCIPage

bp = Blueprint("punchout_oci", __name__, url_prefix="/punchout")

_TITLES = {
    400: "This catalog call is incomplete",
    401: "Catalog login not accepted",
    403: "This catalog call is not allowed",
    404: "Product not found",
    422: "This product cannot be sent to SAP",
    429: "Catalog login locked for a while",
}


def _private(response: Response) -> Response:
    # The entry URL may carry the password (GET): never let it travel in a Referer or a cache.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/oci", methods=["GET", "POST"])
@csrf.exempt  # SAP's call carries its own credentials; it cannot know our CSRF token
def open_catalog() -> Response:
    """OCI entry: log in from the call's fields and shop, or answer a FUNCTION at once."""
    # Query string first, then the form: some buyers POST with parameters in the URL too.
    pairs = [*request.args.items(multi=True), *request.form.items(multi=True)]
    try:
        answer = oci_entry.enter_catalog(pairs, request.remote_addr or "")
    except OCIEntryRefused as refused:
        return _refused(refused)
    if isinstance(answer, oci_entry.OCIStart):
        # The StartPage logs the user in, exactly as for cXML (and offers a new window when
        # the browser refuses cookies inside SAP's frame).
        return _private(redirect(url_for("punchout.start", token=answer.token), 303))
    return form_page(answer)


def _refused(refused: OCIEntryRefused) -> Response:
    g.frame_ancestors = refused.frame_ancestors
    page = render_template("punchout/oci_refused.html", message=refused.text,
                           title=_TITLES.get(refused.code, "This catalog call failed"))
    response = _private(make_response(page, refused.code))
    if refused.retry_after:
        response.headers["Retry-After"] = str(refused.retry_after)
    return response


def form_page(page: OCIPage) -> Response:
    """The page whose form carries lines to SAP, encoded in the buyer's charset."""
    g.open_form_action = True  # the form posts to the buyer's HOOK_URL
    g.frame_ancestors = page.frame_ancestors
    html = render_template("punchout/oci_form.html", page=page, form=page.form)
    # Values were transliterated for the charset already; page text it lacks (a connection
    # name with "€") becomes character references, which every browser reads back.
    body = html.encode(codecs.lookup(page.form.charset).name, "xmlcharrefreplace")
    response = make_response(body)
    response.content_type = f"text/html; charset={page.form.charset}"
    return _private(response)
