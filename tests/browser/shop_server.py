"""The shop as it runs in production, for the browser journeys: gunicorn over https.

``ShopServer`` seeds a fresh database, starts ``gunicorn -c gunicorn.conf.py`` with the
test certificate on a free port of 127.0.0.1, waits for ``/healthz`` and stops it at the end.
Its ``flask(...)`` runs a CLI command against the same database (e.g. ``buyers add``).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tests.browser.tls import Certificate
from tests.conftest import DTD_DIR, PROJECT_ROOT

# How the demo data gets into the fresh database: the demo shop of the README (its schema,
# about 300 products, the demo companies, contract prices and logins), as `make run` does.
SEED_COMMAND = [sys.executable, str(PROJECT_ROOT / "seed_catalog.py")]

STARTUP_TIMEOUT = 60.0


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the test process dies, even if killed (Linux)."""
    # Not on Linux: no such call, and the fixture's stop() still ends the server.
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


_PR_SET_PDEATHSIG = 1


@dataclass
class ShopServer:
    """One gunicorn shop with its own SQLite file; ``url`` is its public https origin."""

    workdir: Path
    certificate: Certificate
    host: str = "shop.test"
    workers: int = 2
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}"

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.workdir / 'shop.db'}"

    @property
    def log_file(self) -> Path:
        return self.workdir / "gunicorn.log"

    def env(self) -> dict[str, str]:
        """The environment of the shop's processes: production settings, test values."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("TEST_DATABASE")}
        env.update(
            DATABASE_URL=self.database_url,
            SECRET_KEY="browser-journeys-secret",
            SHOP_BASE_URL=self.url,
            PYTHONPATH=str(PROJECT_ROOT),
            PYTHONUNBUFFERED="1",
        )
        if DTD_DIR is not None:  # the official DTDs the tests found (tests/conftest.py)
            env["CXML_DTD_DIR"] = str(DTD_DIR)
        env.update(self.extra_env)
        return env

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self._run(SEED_COMMAND)
        command = [
            sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
            "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
            "--certfile", str(self.certificate.cert_file),
            "--keyfile", str(self.certificate.key_file),
            "shop:create_app()",
        ]
        log = self.log_file.open("wb")
        self.process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=self.env(),
                                        stdout=log, stderr=subprocess.STDOUT,
                                        preexec_fn=_die_with_parent)
        log.close()
        self._wait_until_healthy()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # SIGTERM: gunicorn's graceful shutdown
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def flask(self, *args: str, env: Mapping[str, str] | None = None
              ) -> subprocess.CompletedProcess[str]:
        """Run ``flask --app shop ARGS`` against this shop's database; fail with its output.

        ``env`` adds variables for that process only: ``SSL_CERT_FILE`` naming the test
        certificate, say, so that a command calling this shop over https verifies it."""
        return self._run([sys.executable, "-m", "flask", "--app", "shop", *args], env)

    @contextlib.contextmanager
    def database(self) -> Iterator[None]:
        """An app context on this shop's database, for what a journey cannot click: making
        time pass (an idle session), reading what the shop stored."""
        from shop import create_app
        from shop.extensions import db

        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": self.database_url,
                          "SECRET_KEY": self.env()["SECRET_KEY"]})
        with app.app_context():
            try:
                yield
            finally:
                db.session.remove()
                db.engine.dispose()

    def post(self, path: str, body: bytes, content_type: str) -> tuple[int, bytes]:
        """POST to the shop over verified https, as a procurement system's server does."""
        request = urllib.request.Request(
            f"https://127.0.0.1:{self.port}{path}", data=body, method="POST",
            headers={"Content-Type": content_type, "Host": f"{self.host}:{self.port}"})
        try:
            with urllib.request.urlopen(request, context=self._tls(), timeout=30) as response:
                return int(response.status), response.read()
        except urllib.error.HTTPError as error:  # a cXML error still has a body to read
            return int(error.code), error.read()

    def _tls(self) -> ssl.SSLContext:
        # The test certificate is its own CA and names 127.0.0.1: verification stays on.
        return ssl.create_default_context(cafile=str(self.certificate.cert_file))

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_file.exists():
            return ""
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])

    def _run(self, command: list[str], env: Mapping[str, str] | None = None
             ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(command, cwd=PROJECT_ROOT, env={**self.env(), **(env or {})},
                                capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n"
                               f"{result.stdout}\n{result.stderr}")
        return result

    def _wait_until_healthy(self) -> None:
        context = self._tls()
        health = f"https://127.0.0.1:{self.port}/healthz"
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n"
                                   f"{self.log_tail()}")
            try:
                with urllib.request.urlopen(health, context=context, timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the shop did not answer {health} in {STARTUP_TIMEOUT}s:\n"
                           f"{self.log_tail()}")
