"""Use cases of PunchOut, in one place for views, commands and other features.

The work is done in small modules (connections, sessions, provisioning, messages); this
module names the functions other code should call.
"""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select
from werkzeug.routing import BuildError

from shop.catalog.models import Product
from shop.extensions import db
from shop.punchout.connections import (
    ConnectionSettings,
    authenticate,
    create_connection,
    credential_key,
    get_connection,
    list_connections,
    parse_credential,
    reencrypt_outbound_secrets,
    set_active,
    set_shared_secret,
    update_connection,
)
from shop.punchout.credentials import decrypt_outbound_secret, generate_secret
from shop.punchout.messages import (
    MessageFilter,
    document_types,
    get_message,
    list_messages,
    record_message,
    session_messages,
)
from shop.punchout.models import Operation, PunchOutSession
from shop.punchout.sessions import (
    ItemRef,
    SetupData,
    StartedSession,
    Visit,
    consume_token,
    discard_token,
    end_session,
    get_session,
    list_sessions,
    open_session,
    resume_session,
    token_frame_ancestors,
)
from shop.punchout.setup import ShopAddresses, answer_setup_request
from shop.punchout.shared_identities import SharedIdentities, shared_identities
from shop.punchout.transfer import (
    CartReturn,
    cancel_session,
    cart_problems,
    find_transferred_line,
    transfer_cart,
)

__all__ = [
    "CartReturn", "ShopAddresses", "answer_setup_request", "cancel_session", "cart_problems",
    "find_transferred_line", "transfer_cart",
    "ConnectionSettings", "ItemRef", "MessageFilter", "SetupData", "SharedIdentities",
    "StartedSession", "Visit",
    "authenticate", "consume_token", "create_connection", "credential_key",
    "decrypt_outbound_secret", "discard_token", "document_types", "end_session",
    "generate_secret", "get_connection", "get_message", "get_session", "landing_url",
    "list_connections", "list_messages", "list_sessions", "open_session", "parse_credential",
    "record_message",
    "reencrypt_outbound_secrets", "resume_session", "session_messages", "set_active",
    "set_shared_secret", "shared_identities", "token_frame_ancestors", "update_connection",
]


def landing_url(po_session: PunchOutSession) -> str:
    """Where a PunchOut visit starts: the cart (edit, inspect), the selected item, or home.

    OCI: SOURCING starts at the search results for SEARCHSTRING, DETAIL at the product.
    """
    function = (po_session.oci_parameters or {}).get("function")
    search = (po_session.oci_parameters or {}).get("search_string", "").strip()
    if function == "SOURCING" and search:
        return url_for("catalog.search", q=search)
    if po_session.operation in (Operation.EDIT, Operation.INSPECT) and function != "DETAIL":
        return url_for("cart.view")
    sku = po_session.selected_item
    if sku:
        product = db.session.scalar(
            select(Product).where(Product.sku == sku, Product.active.is_(True))
        )
        if product is not None:
            try:
                return url_for("catalog.show_product", sku=product.sku)
            except BuildError:
                pass  # no product page by SKU in this build: the search finds it
        return url_for("catalog.search", q=sku)
    return url_for("catalog.home")
