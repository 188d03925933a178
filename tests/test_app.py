"""The application factory, configuration, health check, error pages and security headers."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event, text

from shop.config import normalise_database_url
from shop.extensions import db
from tests.conftest import log_in_session


def test_factory_uses_test_config(app):
    assert app.testing
    assert app.config["SECRET_KEY"] == "test-secret"


def test_secret_key_is_generated_once_into_instance(tmp_path, monkeypatch):
    from shop import config

    secret_file = tmp_path / "secret_key"
    first = config._instance_secret(secret_file)
    second = config._instance_secret(secret_file)
    assert first == second and len(first) == 64
    assert oct(secret_file.stat().st_mode & 0o777) == "0o600"


def test_postgres_urls_use_psycopg3():
    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_healthz_answers_when_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_healthz_reports_an_unreachable_database(make_app, tmp_path: Path):
    missing = tmp_path / "no" / "such" / "dir" / "shop.db"
    app = make_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503


def test_unknown_route_renders_styled_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert 'href="/static/css/shop.css"' in response.text


def test_a_405_page_names_the_allowed_methods(client):
    response = client.put("/cart")
    assert response.status_code == 405 and "Method Not Allowed" in response.text
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert response.content_type == "text/html; charset=utf-8"


def test_every_page_has_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_only_over_https(client):
    response = client.get("/", base_url="https://shop.test")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_proxy_fix_makes_https_urls_behind_a_tls_proxy(make_app, database_url):
    app = make_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
                      "SHOP_PROXY_HOPS": 1})

    @app.get("/_url")
    def _url() -> str:
        from flask import url_for

        return url_for("catalog.home", _external=True)

    response = app.test_client().get(
        "/_url", headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "shop.example.com"}
    )
    assert response.text == "https://shop.example.com/"


def _refuse_connections(dbapi_connection: object, record: object) -> None:
    """The database refuses every new connection, as during a restart or a failover."""
    dbapi = db.engine.dialect.loaded_dbapi
    raise dbapi.OperationalError("the database is not accepting connections")


def test_a_database_outage_shows_a_page_that_needs_no_database(client, make_user):
    # Found by the soak (bench/soak.py): the 500 page loads the logged-in user for its
    # header, failed again, and visitors got gunicorn's bare error instead.
    log_in_session(client, make_user().id)
    db.session.remove()
    db.engine.dispose()  # pooled connections would still work: start fresh
    event.listen(db.engine, "connect", _refuse_connections)
    try:
        page = client.get("/account")
        missing = client.get("/no-such-page")
    finally:
        event.remove(db.engine, "connect", _refuse_connections)
        db.session.remove()
        db.engine.dispose()
    assert page.status_code == 503 and page.headers["Retry-After"] == "30"
    assert "Back in a moment" in page.text and "Traceback" not in page.text
    assert "frame-ancestors" in page.headers["Content-Security-Policy"]
    assert missing.status_code in (404, 503)
    assert client.get("/account").status_code == 200  # and back once it answers again


def _lose_the_connection() -> None:
    """The database ends this request's connection, as a restart or a failover does."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar()
        with db.engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    else:
        connection.connection.dbapi_connection.close()


def test_a_connection_lost_after_the_last_query_still_gets_the_answer_out(make_app,
                                                                          database_url):
    # Found by a PostgreSQL soak: pg_terminate_backend between a page's last query and the
    # end of the request made the closing ROLLBACK fail in Flask-SQLAlchemy's teardown,
    # and the finished page became gunicorn's bare "Internal Server Error". (An app of its
    # own: the ``app`` fixture keeps an app context open, so its requests skip the teardown.)
    app = make_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url})

    @app.get("/_lost")
    def lost() -> str:
        db.session.execute(text("SELECT 1"))
        _lose_the_connection()
        return "finished"

    client = app.test_client()
    response = client.get("/_lost")
    assert response.status_code == 200 and response.text == "finished"
    assert client.get("/healthz").status_code == 200  # the next request gets a new one


def test_connections_are_pinged_before_use_only_on_a_database_server(make_app, tmp_path):
    sqlite = make_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/s.db"})
    server = make_app({"TESTING": True,
                       "SQLALCHEMY_DATABASE_URI": "postgresql://shop@db.invalid/shop"})
    assert "pool_pre_ping" not in sqlite.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert server.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True


def test_a_trailing_slash_leads_to_the_page_without_one(client):
    # /admin and /sandbox go on to /admin/ and /sandbox/ (Werkzeug); the other way round too.
    for path, target in (("/account/", "/account"), ("/cart/?x=1", "/cart?x=1"),
                         ("/search/?q=bolt&access_token=x", "/search"),  # no secret in a Location
                         ("/admin", "/admin/"), ("/sandbox", "/sandbox/")):
        response = client.get(path)
        assert response.status_code == 308, path
        assert response.headers["Location"].removeprefix("http://shop.test") == target, path
    assert client.get("/account/", follow_redirects=True).request.path == "/login"


def test_a_trailing_slash_never_leads_off_the_site_nor_to_a_punchout_door(client):
    for path in ("/no-such-page/", "//evil.test/", "/\\evil.test/", "/products/",
                 "/punchout/oci/"):  # nor to a PunchOut door
        response = client.get("/", environ_overrides={"PATH_INFO": path})
        assert response.status_code == 404, path
    assert client.post("/account/").status_code == 404  # only GET and HEAD are sent on


def test_a_500_rolls_back_the_session_and_renders_the_styled_page(app, client, make_user):
    from shop.accounts.models import Company

    user = make_user(first_name="Ada", last_name="Buyer")

    @app.get("/_fail")
    def _fail() -> str:
        db.session.add(Company(name=user.company.name))  # a duplicate: the flush fails
        db.session.flush()
        return "not reached"

    log_in_session(client, user.id)
    db.session.expire_all()  # the page loads the user again, after the failed flush
    response = client.get("/_fail")
    # Without the rollback the page's header (who is logged in) could not be read.
    assert response.status_code == 500
    assert "Something went wrong" in response.text and "Ada Buyer" in response.text
    assert 'href="/static/css/shop.css"' in response.text and "Traceback" not in response.text
    assert db.session.query(Company).count() == 1
