"""Failure counting per identity and per client address, and the decision built from it."""

from __future__ import annotations

import enum
import hashlib
import hmac
import ipaddress
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from shop.ratelimit.stores import FailureStore, StoreUnavailable

log = logging.getLogger(__name__)


class AuthKind(enum.StrEnum):
    """The doors that count failures; each has its own counters."""

    LOGIN = "login"  # identity: the e-mail address typed into the login form
    CXML = "cxml"  # identity: "<From domain>:<From identity>" of a cXML document
    OCI = "oci"  # identity: the OCI USERNAME
    START_TOKEN = "start-token"  # identity: None (tokens are random; the address is counted)


class Scope(enum.StrEnum):
    IDENTITY = "identity"
    ADDRESS = "address"


@dataclass(frozen=True)
class Decision:
    """Whether an attempt may go ahead, and if not, for how many seconds it stays refused."""

    allowed: bool
    retry_after: int = 0  # seconds; 0 when allowed
    scope: Scope | None = None  # what is locked: the identity or the client address

    def __bool__(self) -> bool:
        return self.allowed

    @property
    def retry_after_minutes(self) -> int:
        """The wait in whole minutes, rounded up (what a person is told)."""
        return max(1, math.ceil(self.retry_after / 60))

    def message(self) -> str:
        """The text every door shows a refused person: "Too many attempts, try again in N …"."""
        minutes = self.retry_after_minutes
        unit = "minute" if minutes == 1 else "minutes"
        return f"Too many attempts, try again in {minutes} {unit}."


ALLOWED = Decision(True)


def normalise_identity(value: str) -> str:
    """Case and surrounding blanks do not make a new identity (``Bob@X`` is ``bob@x``)."""
    return value.strip().casefold()


def normalise_address(value: str) -> str:
    """One client network: an IPv4 address, or the /64 of an IPv6 address.

    A single IPv6 customer usually holds a whole /64, so counting single IPv6 addresses
    would give an attacker 2**64 fresh allowances.
    """
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return value.strip().casefold()
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


class RateLimiter:
    """Refuses an identity (or a client address) for a window after too many failures.

    After ``identity_limit`` failures for one identity within ``window`` seconds, that
    identity is refused for ``window`` seconds, even with the right secret. A client address
    gets the looser ``address_limit``, so that one misconfigured connection behind a shared
    address does not lock out everyone else there. Successes reset nothing: a buyer system
    that logs in correctly every minute must not hand an attacker a fresh allowance each time.
    """

    def __init__(
        self,
        store: FailureStore,
        key: bytes,
        *,
        window: int = 600,
        identity_limit: int = 10,
        address_limit: int = 100,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not key:
            raise ValueError("the rate limiter needs a key for hashing identities")
        if window < 1 or identity_limit < 1 or address_limit < 1:
            raise ValueError("window and limits must be positive")
        self.store = store
        self._key = key
        self.window = window
        self.identity_limit = identity_limit
        self.address_limit = address_limit
        self.clock = clock

    def _now(self) -> int:
        return math.floor(self.clock())

    def _digest(self, kind: str, scope: Scope, value: str) -> str:
        normalise = normalise_address if scope is Scope.ADDRESS else normalise_identity
        value = normalise(value)
        message = "\x00".join((str(kind), scope.value, value)).encode("utf-8", "surrogatepass")
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def _subjects(
        self, kind: str, identity: str | None, address: str | None
    ) -> list[tuple[Scope, str, int]]:
        subjects = []
        if identity is not None and identity.strip():
            subjects.append((Scope.IDENTITY, self._digest(kind, Scope.IDENTITY, identity),
                             self.identity_limit))
        if address is not None and address.strip():
            subjects.append((Scope.ADDRESS, self._digest(kind, Scope.ADDRESS, address),
                             self.address_limit))
        return subjects

    def check(self, kind: str, identity: str | None, address: str | None) -> Decision:
        """May this identity, from this address, try to authenticate now?

        Call it before checking the secret; when it says no, do not check the secret at all.
        """
        subjects = self._subjects(kind, identity, address)
        if not subjects:
            return ALLOWED
        now = self._now()
        try:
            locks = self.store.locked_until([digest for _, digest, _ in subjects])
        except StoreUnavailable as error:
            # Fail open: the door's own authentication still runs, and a broken counter
            # store must not lock every buyer out of the shop.
            log.error("rate limit: counters unavailable (%s); %s attempt allowed", error, kind)
            return ALLOWED
        refusals = [
            Decision(False, locks[digest] - now, scope)
            for scope, digest, _ in subjects
            if locks.get(digest, 0) > now
        ]
        if not refusals:
            return ALLOWED
        return max(refusals, key=lambda decision: decision.retry_after)

    def record_failure(self, kind: str, identity: str | None, address: str | None) -> Decision:
        """Count a failed attempt; the answer says whether the next attempt would be allowed."""
        now = self._now()
        refusals = []
        for scope, digest, limit in self._subjects(kind, identity, address):
            try:
                counted = self.store.record(digest, f"{kind}/{scope}", now, self.window, limit)
            except StoreUnavailable as error:
                log.error("rate limit: counters unavailable (%s); %s failure not counted",
                          error, kind)
                continue
            if counted.newly_locked:
                # An alert for monitoring; the client address is logged, the identity never.
                log.warning(
                    "rate limit: %s %s locked for %ss after %s failures (key %s, address %s)",
                    kind, scope, self.window, counted.failures, digest[:12], address,
                )
            if counted.locked_until > now:
                refusals.append(Decision(False, counted.locked_until - now, scope))
        if not refusals:
            return ALLOWED
        return max(refusals, key=lambda decision: decision.retry_after)

    def clear(self, kind: str, identity: str) -> None:
        """Unlock one identity and forget its failures (a staff action after a support call)."""
        self.store.clear(self._digest(kind, Scope.IDENTITY, identity))
        log.info("rate limit: %s identity cleared by staff", kind)
