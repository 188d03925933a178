"""Buyer identities that two cXML connections share, and whether that makes them ambiguous.

Sharing is normal: a procurement network is the ``Sender`` for all the buyers it relays
(Ariba Network's ``NetworkID:AN01000000001``), and :func:`connections.authenticate` tells
those buyers apart by their ``From`` identity, which each connection lists besides the
network's. It goes wrong when one connection has no identity of its own: then every
document of it matches the other connection too, and only the shared secret decides which
one it is (the older connection wins when the secrets are the same).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, tuple_
from sqlalchemy.orm import joinedload

from shop.extensions import db
from shop.punchout.models import BuyerConnection, ConnectionIdentity, IdentityRole, Protocol


@dataclass(frozen=True)
class SharedIdentities:
    """Another cXML connection that goes by some of the same buyer identities."""

    other: str  # the other connection's name
    identities: tuple[str, ...]  # the shared ones, as DOMAIN:IDENTITY
    ambiguous: bool  # every document of one also matches the other by identity


def shared_identities(connection: BuyerConnection) -> list[SharedIdentities]:
    """The other cXML connections that share a buyer identity with ``connection``, by name."""
    mine = _keys(connection)
    if connection.protocol != Protocol.CXML or not mine:
        return []
    others = db.session.scalars(
        select(BuyerConnection).join(ConnectionIdentity)
        .where(BuyerConnection.protocol == Protocol.CXML, BuyerConnection.id != connection.id,
               ConnectionIdentity.role == IdentityRole.BUYER,
               tuple_(ConnectionIdentity.domain_key, ConnectionIdentity.identity).in_(list(mine)))
        .options(joinedload(BuyerConnection.identities))
        .order_by(BuyerConnection.name)
    ).unique().all()
    found = []
    for other in others:
        theirs = _keys(other)
        shared = tuple(str(i) for i in connection.buyer_identities
                       if (i.domain_key, i.identity) in theirs)
        ambiguous = (mine <= theirs or theirs <= mine) and not _told_apart_by_to(connection, other)
        found.append(SharedIdentities(other.name, shared, ambiguous))
    return found


def _keys(connection: BuyerConnection) -> set[tuple[str, str]]:
    return {(i.domain_key, i.identity) for i in connection.buyer_identities}


def _told_apart_by_to(first: BuyerConnection, second: BuyerConnection) -> bool:
    """Both list the To identities this shop goes by, and none is the same."""
    ours = {(i.domain_key, i.identity) for i in first.shop_identities}
    theirs = {(i.domain_key, i.identity) for i in second.shop_identities}
    return bool(ours and theirs and not ours & theirs)
