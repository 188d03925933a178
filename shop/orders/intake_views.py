"""``POST /orders/cxml``: where buyers' procurement systems send purchase orders.

A server-to-server endpoint: it authenticates with the cXML credentials in the document,
never with a session cookie, which is why it is exempt from CSRF protection.
"""

from __future__ import annotations

import contextlib
import logging
import re
from typing import NoReturn
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, current_app, request, url_for
from werkzeug.routing import BuildError

from shop.body_limit import xml_body_limit
from shop.errors import NOT_POST, post_only
from shop.extensions import csrf
from shop.orders import intake
from shop.security import cxml_https_only

log = logging.getLogger(__name__)

bp = Blueprint("intake", __name__)

XML_TYPE = "text/xml; charset=utf-8"
_HOST = re.compile(r"[A-Za-z0-9.-]+")


@bp.post("/orders/cxml", provide_automatic_options=False)  # OPTIONS: explain_cxml
@csrf.exempt  # authenticated by the document's own credentials, never by cookies
@cxml_https_only  # 403 over plain http when CXML_HTTPS_ONLY is set
@xml_body_limit  # 413 before anything is parsed (chunked bodies included)
def receive_cxml() -> Response:
    """OrderRequest or ProfileRequest in, cXML Response out."""
    host = _payload_host()
    body = request.get_data()  # already read by the limit, at most MAX_XML_BYTES
    reply = intake.receive(body, request.remote_addr or "", intake.ShopUrls(
        host=host, transactions=_transactions()))
    response = Response(reply.answer.body, reply.http_status, content_type=XML_TYPE)
    if reply.answer.code == 503:
        response.headers["Retry-After"] = "30"
    if reply.later is not None:
        app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
        later = reply.later

        def process_after_answer() -> None:
            # Runs once the answer is sent; the background worker catches anything missed.
            with app.app_context():
                try:
                    later()
                except Exception:  # noqa: BLE001
                    log.exception("processing a large document after answering failed")

        response.call_on_close(process_after_answer)
    return response


@bp.route("/orders/cxml", methods=NOT_POST, provide_automatic_options=False)
@csrf.exempt  # nothing to protect: it only explains, and must not answer 400 to a PUT
def explain_cxml() -> NoReturn:
    """Someone opened the URL in a browser: 405, not the storefront's /orders/<number>."""
    post_only("This is the cXML purchase-order endpoint: procurement systems send "
              "OrderRequest documents to it with POST.")


def _payload_host() -> str:
    base = current_app.config.get("SHOP_BASE_URL") or ""
    host = urlsplit(base).hostname or request.host.rsplit(":", 1)[0]
    return host if _HOST.fullmatch(host) else "localhost"


def _external(path: str) -> str:
    base = current_app.config.get("SHOP_BASE_URL") or request.host_url
    return base.rstrip("/") + path


def _transactions() -> dict[str, str]:
    """The ProfileResponse: purchase orders here, PunchOut where that feature receives it."""
    here = _external(url_for("intake.receive_cxml"))
    transactions = {"OrderRequest": here, "ProfileRequest": here}
    with contextlib.suppress(BuildError):  # PunchOut may not be part of this build
        transactions["PunchOutSetupRequest"] = _external(url_for("punchout.setup"))
    return transactions
