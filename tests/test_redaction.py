"""Secrets never reach logs or stored documents: XML masking, text masking, the log filter."""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

import pytest
from lxml import etree

from shop.logging_setup import RedactingFilter, add_filter, install_redaction
from shop.redaction import (
    MASK,
    decode_document,
    redact_document,
    redact_fields,
    redact_text,
    redact_xml_secrets,
)
from shop.secrets_store import SecretCipher, new_encryption_key
from tests.conftest import shared_path

SECRET_TAGS = ("SharedSecret", "CredentialMac")


def _tree(body: bytes) -> etree._Element:
    # Test-only reading of trusted samples; the shop's own reader lives in shop/cxml.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(body, parser)


def _secret_elements(root: etree._Element) -> list[etree._Element]:
    return [el for el in root.iter() if isinstance(el.tag, str)
            and etree.QName(el).localname in SECRET_TAGS]


# ---------- stored documents ----------


@pytest.mark.shared
def test_every_shared_sample_keeps_its_shape_and_loses_its_secrets():
    samples = [path for path in sorted(shared_path("cxml", "samples").rglob("*.xml"))
               if b"sharedsecret" in path.read_bytes().lower()]
    assert len(samples) >= 15
    for path in samples:
        body = path.read_bytes()
        original = _tree(body)
        secrets = [el.text for el in _secret_elements(original) if el.text and el.text.strip()]
        assert secrets, path
        redacted = redact_xml_secrets(body)
        for secret in secrets:  # some are words like "Secret": look for them as element text
            assert not re.search(rb">\s*" + re.escape(secret.strip().encode()) + rb"\s*<",
                                 redacted), path
        # Apart from the masked texts, the document is unchanged.
        for element in _secret_elements(original):
            element.text = MASK
        assert etree.tostring(_tree(redacted)) == etree.tostring(original), path


CREDENTIAL = b"""<Header><From><Credential domain="NetworkID"><Identity>AN01</Identity>
{inner}</Credential></From></Header>"""


@pytest.mark.parametrize(
    ("inner", "expected"),
    [
        (b"<SharedSecret>abracadabra</SharedSecret>", b"<SharedSecret>***</SharedSecret>"),
        (b"<SharedSecret>\n    abracadabra\n  </SharedSecret>",
         b"<SharedSecret>***</SharedSecret>"),
        (b'<SharedSecret xml:lang="en">abracadabra</SharedSecret >',
         b'<SharedSecret xml:lang="en">***</SharedSecret >'),
        (b"<sharedsecret>abracadabra</SHAREDSECRET>", b"<sharedsecret>***</SHAREDSECRET>"),
        (b"<c:SharedSecret>abracadabra</c:SharedSecret>", b"<c:SharedSecret>***</c:SharedSecret>"),
        (b"<SharedSecret><![CDATA[abra</SharedSecret>cadabra]]></SharedSecret>",
         b"<SharedSecret>***</SharedSecret>"),
        (b"<SharedSecret>abra<!-- </SharedSecret> -->cadabra</SharedSecret>",
         b"<SharedSecret>***</SharedSecret>"),
        (b'<SharedSecret note="a>b">abracadabra</SharedSecret>',
         b'<SharedSecret note="a>b">***</SharedSecret>'),
        (b'<CredentialMac type="FromSenderCredentials" algorithm="HMAC-SHA1v1.0">'
         b"abracadabra==</CredentialMac>",
         b'<CredentialMac type="FromSenderCredentials" algorithm="HMAC-SHA1v1.0">***'
         b"</CredentialMac>"),
        # Unclosed (a truncated body): masked up to the next tag.
        (b"<SharedSecret>abracadabra<Other/>", b"<SharedSecret>***<Other/>"),
        (b"<SharedSecret>abracadabra", b"<SharedSecret>***"),
    ],
)
def test_secret_elements_are_masked_in_every_spelling(inner, expected):
    body = CREDENTIAL.replace(b"{inner}", inner)
    redacted = redact_xml_secrets(body)
    assert b"abra" not in redacted and b"cadabra" not in redacted
    assert redacted == CREDENTIAL.replace(b"{inner}", expected)


@pytest.mark.parametrize(
    "body",
    [
        b"<SharedSecret/>",
        b"<SharedSecret />",
        b"<SharedSecret></SharedSecret>",
        b"<SharedSecretHint>kept</SharedSecretHint>",
        b"<Comments>The SharedSecret is changed yearly</Comments>",
        b"",
        b"not xml at all \xff\xfe\x00",
    ],
)
def test_everything_else_is_left_alone(body):
    assert redact_xml_secrets(body) == body


def test_every_credential_of_a_document_is_masked():
    body = (b"<Header><From><Credential><SharedSecret>one</SharedSecret></Credential></From>"
            b"<To><Credential><SharedSecret>two</SharedSecret></Credential></To>"
            b"<Sender><Credential><SharedSecret>three</SharedSecret></Credential></Sender>"
            b"</Header>")
    redacted = redact_xml_secrets(body)
    assert redacted.count(b"<SharedSecret>***</SharedSecret>") == 3
    assert not re.search(rb"one|two|three", redacted)


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_wide_encodings_are_masked_in_their_own_encoding(codec):
    text = '<?xml version="1.0"?><Credential><SharedSecret>abracadabra</SharedSecret></Credential>'
    redacted = redact_xml_secrets(text.encode(codec))
    decoded = redacted.decode(codec)
    assert "abracadabra" not in decoded
    assert "<SharedSecret>***</SharedSecret>" in decoded


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "body",
    [
        b"<SharedSecret>" * 100_000,
        b"<SharedSecret>" * 30_000 + b"<![CDATA[</SharedSecret>]]>" * 30_000,
        b"<SharedSecret><![CDATA[</SharedSecret>]]>" * 40_000,
        b"<SharedSecret><!--</SharedSecret>-->" * 40_000,
        b"<SharedSecret><![CDATA[" * 60_000,
        b'<SharedSecret a="' + b"x" * 1_000_000,
        b'<SharedSecret a="<SharedSecret a="' * 50_000,
    ],
)
def test_hostile_bodies_finish_with_a_stable_answer(body):
    # A hang guard, not a speed test: the pytest timeout fails a quadratic regression.
    redacted = redact_xml_secrets(body)
    assert len(redacted) <= len(body)
    assert redact_xml_secrets(redacted) == redacted  # masking a masked document changes nothing


# ---------- documents as text (message log) ----------


MESSAGE = b"""<?xml version="1.0" encoding="UTF-8"?>
<cXML payloadID="1@b" timestamp="2025-01-01T00:00:00+00:00"><Header>
<Sender><Credential domain="NetworkID"><Identity>AN1</Identity>
<SharedSecret>top-secret</SharedSecret></Credential>
<Credential domain="x"><Identity>y</Identity><CredentialMac type="FromSenderCredentials"
 algorithm="HMAC-SHA1-96" creationDate="2025" expirationDate="2026">bWFjLXZhbHVl</CredentialMac>
</Credential><UserAgent>t</UserAgent></Sender></Header></cXML>"""


def test_redaction_masks_shared_secrets_and_macs():
    text = redact_document(MESSAGE)
    assert "top-secret" not in text and "bWFjLXZhbHVl" not in text
    assert f"<SharedSecret>{MASK}</SharedSecret>" in text
    assert 'algorithm="HMAC-SHA1-96"' in text  # the rest of the document is kept
    assert "<Identity>AN1</Identity>" in text


@pytest.mark.parametrize("body, secret", [
    (b"<sharedsecret>abc-secret</SHAREDSECRET>", "abc-secret"),
    (b"<cxml:SharedSecret >ns-secret</cxml:SharedSecret>", "ns-secret"),
    (b"<SharedSecret><![CDATA[cdata-secret]]></SharedSecret>", "cdata-secret"),
    (b"<SharedSecret>unclosed-secret <Identity>x</Identity>", "unclosed-secret"),
    (b"<SharedSecret>one</SharedSecret><SharedSecret>second-one</SharedSecret>", "second-one"),
    ("<?xml version='1.0' encoding='UTF-16'?><SharedSecret>utf16-secret</SharedSecret>"
     .encode("utf-16"), "utf16-secret"),
    ("<?xml version='1.0' encoding='ISO-8859-1'?><SharedSecret>lätin-secret</SharedSecret>"
     .encode("latin-1"), "lätin-secret"),
])
def test_redaction_survives_odd_and_broken_documents(body, secret):
    assert secret not in redact_document(body)


def test_redaction_keeps_empty_elements_and_other_text():
    body = b"<SharedSecret/><Comments>SharedSecret is a word</Comments>"
    assert redact_document(body) == body.decode()


def test_decoding_falls_back_to_utf8_for_unknown_encodings():
    assert decode_document(b"<?xml version='1.0' encoding='no-such'?><a>\xc3\xa9</a>").endswith(
        "<a>é</a>")


def test_form_fields_are_redacted_by_name_in_any_case():
    fields = {"USERNAME": "u", "password": "p", "HOOK_URL": "https://x"}
    assert redact_fields(fields, ["PASSWORD"]) == {
        "USERNAME": "u", "password": MASK, "HOOK_URL": "https://x"}


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_wide_documents_without_a_mark_or_declaration_are_masked(codec):
    # Zero bytes around the first "<" give the encoding away (XML 1.0, appendix F).
    body = "<Credential><SharedSecret>abracadabra</SharedSecret></Credential>".encode(codec)
    assert "abracadabra" not in redact_xml_secrets(body).decode(codec)
    assert redact_document(body) == "<Credential><SharedSecret>***</SharedSecret></Credential>"


def test_a_document_that_lies_about_its_encoding_is_still_masked():
    # Declared UTF-16 but written in ASCII: read as UTF-8, and masked either way.
    body = b"<?xml version='1.0' encoding='UTF-16'?><SharedSecret>ascii-secret</SharedSecret>"
    text = redact_document(body)
    assert "ascii-secret" not in text and "<SharedSecret>***</SharedSecret>" in text
    assert "ascii-secret" not in redact_document(body).encode("utf-16-le").decode("latin-1")


def test_decoding_never_raises():
    for body in (b"\xff\xfe<\x00", b"<\x00?", b"\xef\xbb\xbf\xff", b"\x00\x00\x00<\x00",
                 b"<?xml encoding='" + b"x" * 500 + b"'?>"):
        assert isinstance(decode_document(body), str)


def test_only_the_named_form_fields_are_masked():
    fields = {"~PASSWORD": "p", "Passwort": "kept", "password": "q"}
    assert redact_fields(fields, ["~password", "PASSWORD"]) == {
        "~PASSWORD": MASK, "Passwort": "kept", "password": MASK}


# ---------- log text ----------


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("login failed: email=bob@acme.test password=hunter2", "hunter2"),
        ("GET /oci/login?USERNAME=buyer1&PASSWORD=Sup3r-s3cret&HOOK_URL=https://x", "Sup3r-s3cret"),
        ("OCI ~PASSWORD=Sup3r-s3cret ~OkCode=ADDI", "Sup3r-s3cret"),
        ("passwd=hunter2; pwd='hunter2'", "hunter2"),
        ("form ImmutableMultiDict([('email', 'a@b.test'), ('password', 'hunter2')])", "hunter2"),
        ('payload {"new_password": "hunter2", "name": "Bob"}', "hunter2"),
        ("{'client_secret': b'hunter2'}", "hunter2"),
        ("connection secret=abracadabra updated", "abracadabra"),
        ('shared_secret="abra cadabra"', "abra cadabra"),
        ("Authorization: Basic YnV5ZXI6aHVudGVyMg==", "YnV5ZXI6aHVudGVyMg"),
        ("headers {'Authorization': 'Bearer eyJhbGciOi.x.y', 'Accept': '*/*'}", "eyJhbGciOi"),
        ("Cookie: session=eyJ1c2VyIjo0Mn0.abc", "eyJ1c2VyIjo0Mn0"),
        ("start token=Xk3p9QwErTy", "Xk3p9QwErTy"),
        ("new password: hunter2", "hunter2"),
        ("body <cXML><SharedSecret>abracadabra</SharedSecret></cXML>", "abracadabra"),
        ("b'<SharedSecret>\\n  abracadabra\\n</SharedSecret>'", "abracadabra"),
    ],
)
def test_credentials_are_masked_in_log_text(text, secret):
    redacted = redact_text(text)
    assert secret not in redacted
    assert MASK in redacted


def test_fernet_tokens_are_masked():
    token = SecretCipher([new_encryption_key()]).encrypt("outbound secret")
    assert token not in redact_text(f"stored value {token} for buyer 7")
    assert redact_text(f"stored value {token} for buyer 7") == "stored value *** for buyer 7"


@pytest.mark.parametrize(
    "text",
    [
        "order PO-123 placed by buyer@acme.test: 3 lines, total 120.00 EUR",
        "user=bob sku=PEN-001 quantity=5 passenger=3",
        "shop.secrets_store: created instance/encryption_keys",
        "the password was wrong for buyer@acme.test",
    ],
)
def test_ordinary_text_is_untouched(text):
    assert redact_text(text) == text


# ---------- the log filter on real loggers ----------


@pytest.fixture
def log_file(tmp_path: Path):
    """A logger writing through a redacting file handler, like a production log."""
    path = tmp_path / "shop.log"
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    add_filter([handler])
    logger = logging.getLogger("test.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield logger, path
    logger.removeHandler(handler)
    handler.close()


def test_nothing_secret_reaches_the_log_file(log_file):
    logger, path = log_file
    body = b"<cXML><Sender><Credential><SharedSecret>s3cret-XYZ</SharedSecret></Credential>"
    logger.info("cXML received: %r", body)
    logger.warning("OCI login for %s with PASSWORD=%s", "buyer1", "s3cret-XYZ")
    logger.info("form %s", {"email": "a@b.test", "password": "s3cret-XYZ"})
    logger.info("request headers %s", [("Authorization", "Basic s3cret-XYZ")])
    try:
        raise ValueError("could not use <SharedSecret>s3cret-XYZ</SharedSecret>")
    except ValueError:
        logger.exception("intake failed for secret=%s", "s3cret-XYZ")
    logger.warning("stack here", stack_info=True, extra={})
    text = path.read_text()
    assert "s3cret" not in text  # grep the log: nothing
    assert text.count("***") >= 6
    assert "Traceback" in text and "ValueError" in text  # the traceback itself survives


def test_a_broken_format_string_does_not_leak_its_arguments(log_file, capsys):
    logger, path = log_file
    logger.warning("login %s %s", "password=s3cret-XYZ")  # one argument short
    text = path.read_text() + capsys.readouterr().err
    assert "s3cret" not in text
    assert "--- Logging error ---" not in text


def test_the_filter_is_added_once_per_handler():
    handler = logging.StreamHandler(io.StringIO())
    add_filter([handler])
    add_filter([handler])
    assert sum(isinstance(f, RedactingFilter) for f in handler.filters) == 1


def test_the_app_installs_the_filter_on_root_and_gunicorn_handlers(app, monkeypatch):
    root = logging.getLogger()
    stream = io.StringIO()
    gunicorn_handler = logging.StreamHandler(stream)
    monkeypatch.setattr(root, "handlers", [])
    monkeypatch.setattr(app.logger, "handlers", list(app.logger.handlers))
    monkeypatch.setattr(logging.getLogger("gunicorn.error"), "handlers", [gunicorn_handler])
    install_redaction(app)
    # No logging configured: a stderr handler with the filter replaces the unfiltered
    # last-resort handler, and Flask's own handler is dropped so nothing is written twice.
    assert len(root.handlers) == 1
    assert any(isinstance(f, RedactingFilter) for f in root.handlers[0].filters)
    assert not app.logger.handlers
    assert any(isinstance(f, RedactingFilter) for f in gunicorn_handler.filters)
    logging.getLogger("gunicorn.error").error("bad login password=s3cret-XYZ")
    assert "s3cret" not in stream.getvalue() and "password=***" in stream.getvalue()


def test_a_crashing_view_logs_no_secret(app, tmp_path, monkeypatch):
    path = tmp_path / "app.log"
    handler = logging.FileHandler(path)
    monkeypatch.setattr(logging.getLogger(), "handlers", [handler])
    install_redaction(app)

    @app.post("/_crash")
    def crash() -> str:
        raise RuntimeError("cannot log in with password=s3cret-XYZ")

    app.config["WTF_CSRF_ENABLED"] = False
    response = app.test_client().post("/_crash")
    handler.close()
    assert response.status_code == 500
    assert "s3cret" not in response.text
    logged = path.read_text()
    assert "unhandled error" in logged and "RuntimeError" in logged
    assert "s3cret" not in logged
