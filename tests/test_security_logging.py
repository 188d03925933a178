"""Threat model A5 (docs/security.md): no password or secret in logs or stored documents.

The log is captured the way production writes it: a handler on the root logger that the
shop's ``install_redaction`` has given its filter, with every level let through. Then real
requests run: logins with wrong and right passwords, setup requests with right and wrong
secrets, a broken one, a locked one. Neither the log nor the message log may hold any of
the secrets, and neither may the answers.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from punchout_support import (  # noqa: F401
    SECRET,
    make_connection_fixture,
    post_setup,
    setup_request,
    status_of,
)
from sqlalchemy import select

from shop.extensions import db
from shop.logging_setup import install_redaction
from shop.punchout.models import MessageLog

pytestmark = pytest.mark.timeout(300)

PASSWORD = "Correct-Horse-4711"
WRONG_PASSWORD = "Wrong-Horse-0815"
WRONG_SECRET = "Wrong-Secret-0815"


@pytest.fixture
def log_output(app, monkeypatch) -> Iterator[io.StringIO]:
    """Everything the shop logs, through a root handler set up as in production."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [handler])
    # setLevel, not a plain attribute: it also clears the loggers' cached "is enabled"
    # answers, which an earlier test (e.g. Alembic's logging config) may have left at WARNING.
    previous = root.level
    root.setLevel(logging.DEBUG)
    install_redaction(app)
    yield stream
    root.setLevel(previous)
    handler.close()


def test_a5_no_password_or_secret_reaches_the_log_or_the_message_log(
    client, auth, make_user, make_connection, log_output
):
    make_user(password=PASSWORD)
    make_connection()
    answers = [
        auth.login("buyer@acme.test", WRONG_PASSWORD),
        auth.login("buyer@acme.test", PASSWORD),
        post_setup(client, setup_request()),
        post_setup(client, setup_request(secret=WRONG_SECRET)),
        # Broken XML that still carries a secret: logged as unreadable, masked all the same.
        post_setup(client, setup_request(secret=WRONG_SECRET)[:-40]),
    ]
    for _ in range(10):
        post_setup(client, setup_request(secret=WRONG_SECRET))
    answers.append(post_setup(client, setup_request()))  # locked: refused as a wrong secret
    assert status_of(answers[-1])[0] == 401

    logged = log_output.getvalue()
    stored = "\n".join(db.session.scalars(select(MessageLog.body)))
    assert "failed login" in logged and "setup request" in logged  # the log did run
    assert "rate limit" in logged
    assert stored.count("<SharedSecret>***</SharedSecret>") >= 13
    for secret in (PASSWORD, WRONG_PASSWORD, SECRET, WRONG_SECRET):
        assert secret not in logged, secret
        assert secret not in stored, secret
        for answer in answers:
            assert secret not in answer.text, secret


def test_a5_a_crash_while_handling_a_secret_shows_and_logs_none_of_it(
    app, client, make_connection, log_output, monkeypatch
):
    from shop.punchout import setup

    make_connection()

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"cannot store <SharedSecret>{SECRET}</SharedSecret>")

    monkeypatch.setattr(setup, "stage_session", broken)
    response = post_setup(client, setup_request())
    assert response.status_code == 500
    assert SECRET not in response.text
    logged = log_output.getvalue()
    assert "RuntimeError" in logged and SECRET not in logged
