"""Rate limits on authentication failures: per identity, per client address, across workers.

Every behaviour runs against both stores: the database (whichever TEST_DATABASE_URL names)
and Redis on 127.0.0.1:6379 (skipped only when no Redis answers; CI has one).
"""

from __future__ import annotations

import logging
import multiprocessing
import socket
import uuid
from collections.abc import Iterator

import pytest
from flask import Blueprint, request
from sqlalchemy import create_engine, func, select

from shop.extensions import csrf, db
from shop.ratelimit import (
    AuthKind,
    DatabaseStore,
    RateLimiter,
    RedisStore,
    Scope,
    get_limiter,
    limiter_for,
)
from shop.ratelimit.limiter import normalise_address
from shop.ratelimit.models import AuthFailureBucket, AuthLockout
from shop.ratelimit.stores import redis_client
from shop.secrets_store import hash_inbound_secret, inbound_pepper, verify_inbound_secret

REDIS_URL = "redis://127.0.0.1:6379/0"
KEY = b"rate-limit-test-key"
EMAIL = "buyer@acme.test"
START = 1_700_000_000  # a fixed moment, so bucket boundaries are the same on every run


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def _redis_client():  # type: ignore[no-untyped-def]
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    return client


@pytest.fixture(params=["database", "redis"])
def store(request: pytest.FixtureRequest, app) -> Iterator[DatabaseStore | RedisStore]:
    if request.param == "database":
        yield DatabaseStore(db.engine)
        return
    client = _redis_client()
    # Other engineers share this Redis: a prefix of our own, removed afterwards.
    prefix = f"test:ratelimit:{uuid.uuid4().hex}"
    yield RedisStore(client, prefix=prefix)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def limiter(store, clock) -> RateLimiter:
    return RateLimiter(store, KEY, window=600, identity_limit=10, address_limit=100, clock=clock)


def fail(limiter: RateLimiter, times: int, identity: str | None = EMAIL,
         address: str | None = "198.51.100.7", kind: str = AuthKind.LOGIN) -> None:
    for _ in range(times):
        limiter.record_failure(kind, identity, address)


# ---------- per identity ----------


def test_tenth_failure_locks_the_identity_for_the_whole_window(limiter, clock):
    fail(limiter, 9)
    assert limiter.check(AuthKind.LOGIN, EMAIL, "198.51.100.7").allowed
    decision = limiter.record_failure(AuthKind.LOGIN, EMAIL, "198.51.100.7")
    assert not decision.allowed
    assert decision.retry_after == 600 and decision.scope is Scope.IDENTITY
    # Refused from any address: the identity is locked, whatever secret comes next.
    assert not limiter.check(AuthKind.LOGIN, EMAIL, "203.0.113.9").allowed
    clock.advance(599)
    decision = limiter.check(AuthKind.LOGIN, EMAIL, "198.51.100.7")
    assert not decision and decision.retry_after == 1
    clock.advance(1)
    assert limiter.check(AuthKind.LOGIN, EMAIL, "198.51.100.7").allowed


def test_failures_during_a_lock_do_not_extend_it(limiter, clock):
    fail(limiter, 10)
    clock.advance(300)
    fail(limiter, 5)
    assert limiter.check(AuthKind.LOGIN, EMAIL, None).retry_after == 300
    clock.advance(300)
    assert limiter.check(AuthKind.LOGIN, EMAIL, None).allowed


def test_failures_older_than_the_window_no_longer_count(limiter, clock):
    fail(limiter, 9)
    clock.advance(601)
    fail(limiter, 9)
    assert limiter.check(AuthKind.LOGIN, EMAIL, None).allowed


def test_the_window_slides(limiter, clock):
    fail(limiter, 5)
    clock.advance(300)
    fail(limiter, 4)
    clock.advance(240)  # the first five are 540 s old: still inside the window
    assert not limiter.record_failure(AuthKind.LOGIN, EMAIL, None).allowed


def test_after_a_lock_ends_the_identity_gets_a_fresh_allowance(limiter, clock):
    fail(limiter, 10)
    clock.advance(600)
    fail(limiter, 9)
    assert limiter.check(AuthKind.LOGIN, EMAIL, None).allowed
    assert not limiter.record_failure(AuthKind.LOGIN, EMAIL, None).allowed
    assert limiter.check(AuthKind.LOGIN, EMAIL, None).retry_after == 600


def test_case_and_blanks_do_not_make_a_new_identity(limiter):
    for spelling in ("Buyer@Acme.test", " buyer@acme.TEST ", "BUYER@ACME.TEST") * 3:
        limiter.record_failure(AuthKind.LOGIN, spelling, None)
    assert not limiter.record_failure(AuthKind.LOGIN, EMAIL, None).allowed


def test_each_door_counts_on_its_own(limiter):
    fail(limiter, 10, identity="acme")
    assert not limiter.check(AuthKind.LOGIN, "acme", None).allowed
    assert limiter.check(AuthKind.OCI, "acme", None).allowed
    assert limiter.check(AuthKind.CXML, "acme", None).allowed


def test_locking_one_identity_leaves_the_others_alone(limiter):
    fail(limiter, 10)
    assert limiter.check(AuthKind.LOGIN, "colleague@acme.test", "198.51.100.7").allowed


def test_staff_can_clear_a_locked_identity(limiter):
    fail(limiter, 10)
    limiter.clear(AuthKind.LOGIN, "BUYER@acme.test")
    assert limiter.check(AuthKind.LOGIN, EMAIL, None).allowed
    fail(limiter, 9)  # the old failures are forgotten too
    assert limiter.check(AuthKind.LOGIN, EMAIL, None).allowed


def test_nothing_to_count_is_always_allowed(limiter):
    assert limiter.check(AuthKind.START_TOKEN, None, None).allowed
    assert limiter.record_failure(AuthKind.START_TOKEN, None, None).allowed
    assert limiter.check(AuthKind.LOGIN, "  ", "").allowed


# ---------- per client address ----------


@pytest.fixture
def small(store, clock) -> RateLimiter:
    """Lower limits (5 per identity, 20 per address) keep the address tests short."""
    return RateLimiter(store, KEY, window=600, identity_limit=5, address_limit=20, clock=clock)


def test_an_address_is_locked_after_the_looser_limit(small):
    for n in range(19):
        small.record_failure(AuthKind.CXML, f"acme.test:buyer-{n % 5}", "192.0.2.10")
    assert small.check(AuthKind.CXML, "globex.test:new", "192.0.2.10").allowed
    decision = small.record_failure(AuthKind.CXML, "globex.test:other", "192.0.2.10")
    assert not decision.allowed and decision.scope is Scope.ADDRESS
    assert not small.check(AuthKind.CXML, "globex.test:new", "192.0.2.10").allowed
    # Another address and another door are not affected.
    assert small.check(AuthKind.CXML, "globex.test:new", "192.0.2.11").allowed
    assert small.check(AuthKind.LOGIN, EMAIL, "192.0.2.10").allowed


def test_one_misconfigured_connection_does_not_lock_out_its_neighbours(small):
    fail(small, 12, identity="acme.test:broken", address="192.0.2.10", kind=AuthKind.CXML)
    assert not small.check(AuthKind.CXML, "acme.test:broken", "192.0.2.10").allowed
    assert small.check(AuthKind.CXML, "globex.test:fine", "192.0.2.10").allowed


def test_start_tokens_are_limited_by_address(small):
    fail(small, 20, identity=None, address="192.0.2.44", kind=AuthKind.START_TOKEN)
    decision = small.check(AuthKind.START_TOKEN, None, "192.0.2.44")
    assert not decision.allowed and decision.scope is Scope.ADDRESS


def test_an_ipv6_network_counts_as_one_client(small):
    for n in range(20):
        small.record_failure(AuthKind.LOGIN, f"user{n}@x.test", f"2001:db8:1:2::{n:x}")
    assert not small.check(AuthKind.LOGIN, "new@x.test", "2001:db8:1:2:ffff::1").allowed
    assert small.check(AuthKind.LOGIN, "new@x.test", "2001:db8:1:3::1").allowed


def test_address_normalisation():
    assert normalise_address("::ffff:192.0.2.1") == "192.0.2.1"
    assert normalise_address(" 192.0.2.1 ") == "192.0.2.1"
    assert normalise_address("2001:db8::1") == normalise_address("2001:DB8:0:0:ffff::2")
    assert normalise_address("unix-socket") == "unix-socket"


# ---------- storage ----------


def test_no_identity_or_address_is_stored_in_clear(app, clock):
    limiter = RateLimiter(DatabaseStore(db.engine), KEY, clock=clock)
    fail(limiter, 10, address="198.51.100.7")
    rows = db.session.execute(select(AuthFailureBucket.key, AuthLockout.key, AuthLockout.label)
                              .join(AuthLockout, AuthLockout.key == AuthFailureBucket.key))
    stored = " ".join(str(value) for row in rows for value in row)
    assert stored, "the lock and its failures are stored"
    assert "acme" not in stored and "198.51" not in stored
    assert "login/identity" in stored


def test_redis_keys_hold_no_identity_or_address(clock):
    client = _redis_client()
    prefix = f"test:ratelimit:{uuid.uuid4().hex}"
    limiter = RateLimiter(RedisStore(client, prefix=prefix), KEY, clock=clock)
    try:
        fail(limiter, 10, address="198.51.100.7")
        keys = [key.decode() for key in client.scan_iter(f"{prefix}:*")]
        assert len(keys) == 3  # failures of the identity and the address, the identity lock
        assert not any("acme" in key or "198.51" in key for key in keys)
        assert not limiter.check(AuthKind.LOGIN, EMAIL, None).allowed
    finally:
        client.delete(*client.scan_iter(f"{prefix}:*"))
        client.close()


def test_old_rows_are_cleaned_up(app, clock):
    limiter = RateLimiter(DatabaseStore(db.engine), KEY, clock=clock)
    for n in range(12):
        limiter.record_failure(AuthKind.LOGIN, f"user{n}@acme.test", None)
        clock.advance(30)
    fail(limiter, 10, identity="locked@acme.test", address=None)
    clock.advance(1200)
    limiter.record_failure(AuthKind.LOGIN, "later@acme.test", None)
    assert db.session.scalar(select(func.count()).select_from(AuthFailureBucket)) == 1
    assert db.session.scalar(select(func.count()).select_from(AuthLockout)) == 0


def _fail_in_child(kind: str, url: str | None, prefix: str | None, times: int,
                   barrier, results) -> None:  # type: ignore[no-untyped-def]
    # A separate process with its own connections, like a gunicorn worker.
    if kind == "database":
        engine = create_engine(url)  # type: ignore[arg-type]
        store: DatabaseStore | RedisStore = DatabaseStore(engine)
    else:
        import redis

        store = RedisStore(redis.Redis.from_url(REDIS_URL), prefix=prefix)  # type: ignore[arg-type]
    limiter = RateLimiter(store, KEY, clock=Clock())
    barrier.wait(timeout=30)
    allowed = [limiter.record_failure(AuthKind.CXML, "acme.test:buyer", None).allowed
               for _ in range(times)]
    results.put(allowed)


@pytest.mark.parametrize("kind", ["database", "redis"])
def test_workers_share_one_counter(app, database_url, kind):
    prefix = None
    if kind == "redis":
        client = _redis_client()
        prefix = f"test:ratelimit:{uuid.uuid4().hex}"
        store: DatabaseStore | RedisStore = RedisStore(client, prefix=prefix)
    else:
        store = DatabaseStore(db.engine)
    db.engine.dispose()  # no connection crosses the fork
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(4), context.Queue()
    workers = [context.Process(target=_fail_in_child,
                               args=(kind, database_url, prefix, 4, barrier, results))
               for _ in range(4)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    # 16 failures in 4 processes: no increment was lost, and at most 9 answers said "go on"
    # (a worker may already see the lock another one set a moment earlier).
    flat = [allowed for outcome in outcomes for allowed in outcome]
    assert flat.count(True) <= 9
    limiter = RateLimiter(store, KEY, clock=Clock())
    assert not limiter.check(AuthKind.CXML, "acme.test:buyer", None).allowed
    if kind == "database":
        total = db.session.scalar(select(func.sum(AuthFailureBucket.failures)))
    else:
        keys = list(client.scan_iter(f"{prefix}:failures:*"))
        total = sum(int(count) for key in keys for count in client.hvals(key))
        client.delete(*client.scan_iter(f"{prefix}:*"))
        client.close()
    assert total == 16


def test_counting_works_while_the_request_session_has_read(app, make_user, clock):
    # The login pattern: load the user (the session's transaction stays open), check the
    # password, count the failure. The counters use their own connection and transaction.
    from shop.accounts.models import User

    make_user()
    user = db.session.scalar(select(User).filter_by(email=EMAIL))
    assert user is not None and db.session().in_transaction()
    limiter = RateLimiter(DatabaseStore(db.engine), KEY, clock=clock)
    fail(limiter, 10)
    assert not limiter.check(AuthKind.LOGIN, EMAIL, None).allowed
    assert db.session().in_transaction()  # the caller's transaction was left alone
    db.session.rollback()
    assert not limiter.check(AuthKind.LOGIN, EMAIL, None).allowed  # and the count survived


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens here once the socket is closed


@pytest.mark.parametrize("broken", ["database", "redis"])
def test_a_dead_counter_store_does_not_lock_the_shop(tmp_path, clock, caplog, broken):
    if broken == "database":
        engine = create_engine(f"sqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}")
        store: DatabaseStore | RedisStore = DatabaseStore(engine)
    else:
        # The client the app builds from REDIS_URL, pointed at a port where nothing listens.
        store = RedisStore(redis_client(f"redis://127.0.0.1:{_closed_port()}/0"))
    limiter = RateLimiter(store, KEY, clock=clock)
    with caplog.at_level(logging.ERROR, logger="shop.ratelimit"):
        for _ in range(12):
            assert limiter.record_failure(AuthKind.LOGIN, EMAIL, "192.0.2.1").allowed
        assert limiter.check(AuthKind.LOGIN, EMAIL, "192.0.2.1").allowed
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors and all("counters unavailable" in message for message in errors)
    assert not any(EMAIL in message for message in errors)


# ---------- bound to the app, at a door ----------


def test_limiter_follows_the_app_settings(app):
    app.config.update(INBOUND_SECRET_PEPPER="pepper", RATE_LIMIT_WINDOW=60,
                      RATE_LIMIT_IDENTITY_FAILURES=3, RATE_LIMIT_ADDRESS_FAILURES=5)
    limiter = limiter_for(app)
    assert isinstance(limiter.store, DatabaseStore)
    assert (limiter.window, limiter.identity_limit, limiter.address_limit) == (60, 3, 5)
    app.config["REDIS_URL"] = REDIS_URL
    assert isinstance(limiter_for(app).store, RedisStore)


def _door_blueprint() -> Blueprint:
    """A stand-in for a login door, wired the way the real doors are asked to be."""
    bp = Blueprint("door", __name__)

    @bp.post("/_door")
    @csrf.exempt
    def door() -> tuple[str, int]:
        identity, secret = request.form["identity"], request.form["secret"]
        limiter = get_limiter()
        decision = limiter.check(AuthKind.CXML, identity, request.remote_addr)
        if not decision.allowed:
            return f"refused, retry after {decision.retry_after}", 429
        stored = hash_inbound_secret("the-right-secret", inbound_pepper())
        if not verify_inbound_secret(secret, stored, inbound_pepper()):
            limiter.record_failure(AuthKind.CXML, identity, request.remote_addr)
            return "unauthorized", 401
        return "ok", 200

    return bp


def test_a_locked_identity_is_refused_even_with_the_right_secret(app, caplog):
    app.config["INBOUND_SECRET_PEPPER"] = "door-pepper"
    app.register_blueprint(_door_blueprint())
    client = app.test_client()
    form = {"identity": "acme.test:buyer", "secret": "the-right-secret"}
    assert client.post("/_door", data=form).status_code == 200
    with caplog.at_level(logging.WARNING, logger="shop.ratelimit"):
        for n in range(20):
            wrong = client.post("/_door", data={**form, "secret": f"guess-{n}"})
            assert wrong.status_code == (401 if n < 10 else 429)
    response = client.post("/_door", data=form)
    assert response.status_code == 429
    retry_after = int(response.text.rsplit(" ", 1)[1])
    assert 0 < retry_after <= 600  # the real clock runs on while the test does
    # One alert, naming the door but not the identity.
    alerts = [r.getMessage() for r in caplog.records if "locked" in r.getMessage()]
    assert len(alerts) == 1 and "cxml identity" in alerts[0]
    assert "acme.test:buyer" not in alerts[0]
    # Another buyer behind the same address is unaffected.
    other = client.post("/_door", data={**form, "identity": "globex.test:buyer"})
    assert other.status_code == 200
