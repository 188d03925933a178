"""Threat model A1–A4, W9–W11 and P3's limit (docs/security.md), through the real doors.

Every door counts failures with the shop's one rate limiter (``shop.ratelimit``): the login
form per e-mail address, ``/punchout/setup`` per From credential, the StartPage per client
address. After the limit the door refuses even the right secret, and says so in the same
words everywhere: "Too many attempts, try again in N minutes".
"""

from __future__ import annotations

import logging

import pytest
from conftest import csrf_token
from punchout_support import (  # noqa: F401
    BUYER,
    SECRET,
    make_connection_fixture,
    post_setup,
    setup_data,
    setup_request,
    start_url_of,
    status_of,
)
from sqlalchemy import func, select, text

from shop.extensions import db
from shop.punchout import services
from shop.punchout.errors import UNAUTHORIZED_TEXT
from shop.punchout.models import BuyerConnection, PunchOutSession
from shop.ratelimit import AuthKind, get_limiter

pytestmark = pytest.mark.timeout(300)

LOCKED_TEXT = "Too many attempts, try again in 10 minutes."


def sessions_opened() -> int:
    return db.session.scalar(select(func.count()).select_from(PunchOutSession)) or 0


def later(seconds: int) -> None:
    """Move the shop's limiter clock on (the real limiter and store, a later moment)."""
    limiter = get_limiter()
    now = limiter.clock()
    limiter.clock = lambda: now + seconds


# ---------- A1: forged sender credentials ----------


@pytest.mark.parametrize("forged", [
    {"secret": "wrong-secret"},
    {"from_": ("NetworkID", "AN-UNKNOWN"), "sender": ("NetworkID", "AN-UNKNOWN")},
    {"sender": ("NetworkID", "AN-SOMEONE-ELSE")},
    {"to": ("DUNS", "NOT-US")},
    {"secret": ""},
])
def test_a1_forged_credentials_get_one_answer_and_open_nothing(client, make_connection, forged):
    make_connection(shop_identities=[("DUNS", "SHOP-1")])
    response = post_setup(client, setup_request(**forged))
    assert response.status_code == 200
    assert status_of(response) == (401, UNAUTHORIZED_TEXT)
    assert sessions_opened() == 0


# ---------- A2: shared-secret timing and odd input ----------


@pytest.mark.parametrize("candidate", ["Pässwörd-ü", "秘密", "x" * 10_000, " ", SECRET + "x"])
def test_a2_odd_secrets_are_refused_never_raised(client, make_connection, candidate):
    make_connection()
    response = post_setup(client, setup_request(secret=candidate))
    assert response.status_code == 200  # a 500 would make the buyer's system retry forever
    assert status_of(response) == (401, UNAUTHORIZED_TEXT)


def test_a2_a_non_ascii_secret_is_accepted_when_it_is_the_right_one(client, make_connection):
    make_connection(secret="Pässwörd-秘密")
    response = post_setup(client, setup_request(secret="Pässwörd-秘密"))
    assert status_of(response)[0] == 200


# ---------- A3: shared-secret brute force ----------


def test_a3_brute_force_locks_the_buyer_identity_even_for_the_right_secret(
    client, make_connection, caplog
):
    make_connection()
    caplog.set_level(logging.WARNING, logger="shop.ratelimit")
    for _ in range(10):
        assert status_of(post_setup(client, setup_request(secret="guess")))[0] == 401
    locked = post_setup(client, setup_request())
    # Nothing to probe: the same 401 as a wrong secret, and no session.
    assert status_of(locked) == (401, UNAUTHORIZED_TEXT)
    assert sessions_opened() == 0
    # The alert names the door, never the identity or the secret.
    alerts = [r.getMessage() for r in caplog.records if "locked" in r.getMessage()]
    assert alerts and all(BUYER[1] not in a and SECRET not in a for a in alerts)
    later(601)
    assert status_of(post_setup(client, setup_request()))[0] == 200


def test_a3_a_locked_buyer_leaves_other_buyers_at_the_same_address_alone(
    client, make_connection
):
    make_connection()
    make_connection("Globex Coupa", identities=(("DUNS", "GLOBEX-1"),), company="Globex")
    for _ in range(10):
        post_setup(client, setup_request(secret="guess"))
    other = setup_request(from_=("DUNS", "GLOBEX-1"), sender=("DUNS", "GLOBEX-1"))
    assert status_of(post_setup(client, other))[0] == 200


def test_a3_one_address_is_stopped_after_the_looser_limit(app, client, make_connection):
    app.config["RATE_LIMIT_ADDRESS_FAILURES"] = 12  # configurable; default 100
    make_connection()
    for n in range(12):  # a different identity each time: only the address adds up
        forged = ("NetworkID", f"AN-GUESS-{n}")
        post_setup(client, setup_request(from_=forged, sender=forged))
    assert status_of(post_setup(client, setup_request()))[0] == 401
    elsewhere = post_setup(client, setup_request(), environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert status_of(elsewhere)[0] == 200


# ---------- A4: secrets at rest ----------


def test_a4_no_secret_is_stored_in_clear(make_connection):
    services.create_connection(
        services.ConnectionSettings(name="Out", company_name="Acme Industries",
                                    identities=[("DUNS", "42")]),
        shared_secret="inbound-Secret-42", outbound_secret="outbound-Secret-42",
        create_company=True,
    )
    dump = "\n".join(repr(tuple(row)) for row in
                     db.session.execute(text("SELECT * FROM buyer_connections")))
    assert "inbound-Secret-42" not in dump and "outbound-Secret-42" not in dump
    connection = db.session.scalar(select(BuyerConnection))
    assert connection.secret_hash.startswith("hmac-sha256:v1:")
    assert services.decrypt_outbound_secret(connection.outbound_secret_encrypted) == (
        "outbound-Secret-42")


# ---------- W9: password storage ----------


def test_w9_passwords_are_stored_as_scrypt_hashes(production_hashing, make_user):
    user = make_user(password="correct horse battery")
    assert user.password_hash.startswith("scrypt:")
    assert "correct horse battery" not in user.password_hash


# ---------- W10, W11: login ----------


def test_w10_unknown_address_and_wrong_password_get_the_same_page(auth, make_user):
    make_user()
    wrong = auth.login("buyer@acme.test", "wrong horse")
    unknown = auth.login("nobody@acme.test", "correct horse")
    assert wrong.status_code == unknown.status_code == 200
    assert "The email or password is not correct." in wrong.text
    assert csrf_free(wrong.text) == csrf_free(unknown.text).replace("nobody@", "buyer@")


def csrf_free(page: str) -> str:
    return page.replace(csrf_token(page), "")


def test_w10_unknown_addresses_are_counted_like_known_ones(auth):
    for _ in range(10):
        auth.login("nobody@acme.test", "guess")
    assert auth.login("nobody@acme.test", "guess").status_code == 429


def test_w11_login_locks_after_ten_failures_even_for_the_right_password(client, auth, make_user):
    make_user()
    for _ in range(10):
        assert auth.login("buyer@acme.test", "wrong horse").status_code == 200
    refused = auth.login("Buyer@Acme.test ", "correct horse")
    assert refused.status_code == 429
    assert LOCKED_TEXT in refused.text
    assert int(refused.headers["Retry-After"]) <= 600
    assert client.get("/account").status_code == 302  # not logged in
    later(601)
    assert auth.login("buyer@acme.test", "correct horse").status_code == 302


def test_w11_a_locked_login_leaves_other_people_alone(auth, make_user):
    make_user()
    make_user("colleague@acme.test")
    for _ in range(10):
        auth.login("buyer@acme.test", "wrong horse")
    assert auth.login("colleague@acme.test", "correct horse").status_code == 302


def test_w11_staff_can_unlock_a_person(auth, make_user):
    make_user()
    for _ in range(10):
        auth.login("buyer@acme.test", "wrong horse")
    get_limiter().clear(AuthKind.LOGIN, "buyer@acme.test")
    assert auth.login("buyer@acme.test", "correct horse").status_code == 302


# ---------- P3: StartPage tokens, counted per client address ----------


def test_p3_guessed_start_tokens_lock_the_address(app, client, make_connection):
    app.config["RATE_LIMIT_ADDRESS_FAILURES"] = 5  # configurable; default 100
    started = services.open_session(make_connection(), setup_data())
    for n in range(5):
        assert client.get(f"/punchout/start/guess-{n}").status_code == 403
    refused = client.get(f"/punchout/start/{started.token}")
    assert refused.status_code == 429
    assert "Too many attempts, try again in" in refused.text
    assert refused.headers["Referrer-Policy"] == "no-referrer"
    # The token was not used: the buyer at another address gets in with it.
    other = client.get(f"/punchout/start/{started.token}",
                       environ_base={"REMOTE_ADDR": "192.0.2.8"})
    assert other.status_code == 303


def test_p3_the_limit_message_counts_whole_minutes():
    from shop.ratelimit import Decision

    assert Decision(False, 600).message() == LOCKED_TEXT
    assert Decision(False, 61).message() == "Too many attempts, try again in 2 minutes."
    assert Decision(False, 5).message() == "Too many attempts, try again in 1 minute."


def test_w11_counters_survive_in_the_shared_store(app, auth):
    # The limiter in another "worker" (a fresh one built from the same settings) sees them.
    from shop.ratelimit import limiter_for

    for _ in range(10):
        auth.login("nobody@acme.test", "guess")
    other_worker = limiter_for(app)
    assert not other_worker.check(AuthKind.LOGIN, "nobody@acme.test", "203.0.113.9")
