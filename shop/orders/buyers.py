"""The orders feature's one window onto buyer connections, which the punchout feature owns.

Everything purchase-order code needs from a connection goes through here: authenticating a
header, the prices quoted in a transferred PunchOut cart, and where (and as whom) documents
are sent back. Keeping it in one module keeps the two features loosely coupled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from shop import cxml
from shop.errors import NotFound
from shop.extensions import db
from shop.punchout import services as punchout
from shop.punchout.models import (
    BuyerConnection,
    ConnectionMode,
    PunchOutSession,
    TransferredLine,
)

__all__ = [
    "BuyerConnection", "OutboundTarget", "Quote", "authenticate_header", "connection_by_name",
    "get_connection", "is_test_connection", "outbound_target", "quotes_for", "sessions_for",
]

# Longest SupplierPartAuxiliaryID the PunchOut transfer stores (it truncates the same way).
AUX_ID_LENGTH = 100


@dataclass(frozen=True, slots=True)
class Quote:
    """A line as it was quoted in a transferred PunchOut cart."""

    aux_id: str
    sku: str
    unit_price: Decimal
    currency: str
    session_id: int


@dataclass(frozen=True, slots=True)
class OutboundTarget:
    """Where a connection's documents go, and the credentials they carry."""

    url: str
    domain: str
    identity: str
    secret: str  # decrypted: only ever held in memory while sending
    cxml_version: str


def _pairs(party: cxml.Party) -> list[tuple[str, str]]:
    return [(c.domain, c.identity) for c in party.credentials]


def authenticate_header(header: cxml.Header) -> BuyerConnection | None:
    """The connection whose identities and shared secret match the header, or None.

    Inactive connections are returned as well: the caller answers them 403, which only
    someone who knows the secret can learn.
    """
    return punchout.authenticate(
        _pairs(header.from_), _pairs(header.sender), header.shared_secret, _pairs(header.to)
    )


def is_test_connection(connection: BuyerConnection) -> bool:
    return connection.mode == ConnectionMode.TEST


def get_connection(connection_id: int) -> BuyerConnection:
    connection = db.session.get(BuyerConnection, connection_id)
    if connection is None:
        raise NotFound("No such buyer connection.")
    return connection


def connection_by_name(name: str) -> BuyerConnection:
    connection = db.session.scalar(select(BuyerConnection).where(BuyerConnection.name == name))
    if connection is None:
        raise NotFound(f"No buyer connection named {name!r}.")
    return connection


def quotes_for(connection_id: int, aux_ids: Iterable[str]) -> dict[str, Quote]:
    """The quoted lines behind these SupplierPartAuxiliaryIDs (one query, any number of lines)."""
    wanted = sorted({aux[:AUX_ID_LENGTH] for aux in aux_ids if aux})
    quotes: dict[str, Quote] = {}
    for start in range(0, len(wanted), 500):  # stay under the databases' parameter limits
        rows = db.session.scalars(select(TransferredLine).where(
            TransferredLine.connection_id == connection_id,
            TransferredLine.aux_id.in_(wanted[start:start + 500])))
        for row in rows:
            quotes[row.aux_id] = Quote(row.aux_id, row.sku, row.unit_price, row.currency,
                                       row.session_id)
    return quotes


def sessions_for(session_ids: Iterable[int]) -> list[PunchOutSession]:
    """PunchOut sessions by id, oldest first (for an order's timeline)."""
    ids = sorted(set(session_ids))
    if not ids:
        return []
    return list(db.session.scalars(
        select(PunchOutSession).where(PunchOutSession.id.in_(ids)).order_by(PunchOutSession.id)
    ))


def outbound_target(connection: BuyerConnection) -> OutboundTarget:
    """The connection's document URL and outbound credentials (secret decrypted)."""
    return OutboundTarget(
        url=connection.document_url,
        domain=connection.outbound_domain,
        identity=connection.outbound_identity,
        secret=punchout.decrypt_outbound_secret(connection.outbound_secret_encrypted),
        cxml_version=connection.cxml_version,
    )
