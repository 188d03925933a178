"""Tables behind the database store of the rate limiter.

Times are whole seconds since the epoch, not datetimes: the counters only ever compare and
subtract them, the same numbers serve the Redis store, and a test clock is a plain number.
Keys are HMAC digests of (kind, scope, value): no e-mail address, identity or client address
is ever written here.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from shop.extensions import db


class AuthFailureBucket(db.Model):
    """Failures of one key within one time bucket (a tenth of the window)."""

    __tablename__ = "auth_failure_buckets"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    bucket_start: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, autoincrement=False, index=True
    )
    failures: Mapped[int] = mapped_column(default=0)


class AuthLockout(db.Model):
    """A key refused until ``locked_until``, whatever secret it presents."""

    __tablename__ = "auth_lockouts"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    # What was locked, e.g. "login/identity", for monitoring; never the identity itself.
    label: Mapped[str] = mapped_column(String(64))
    locked_until: Mapped[int] = mapped_column(BigInteger, index=True)
