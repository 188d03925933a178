"""HTTP as the simulated buyer does it: server-to-server posts and a browser-like session.

Every call has connect and read timeouts and reads at most ``MAX_RESPONSE_BYTES`` of an
answer, so a slow or hostile supplier cannot hang or flood the sandbox. Only http and https
URLs are followed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

TIMEOUT = (5.0, 30.0)  # connect, read (seconds)
MAX_RESPONSE_BYTES = 10 * 1024 * 1024
XML_HEADERS = {"Content-Type": "text/xml; charset=utf-8", "Accept": "text/xml, application/xml"}
BROWSER_HEADERS = {
    "User-Agent": "Mozilla/5.0 (Northwind procurement sandbox; headless)",
    "Accept": "text/html,application/xhtml+xml",
}


class HTTPProblem(Exception):
    """The request could not be made or answered (refused, timed out, too large)."""


@dataclass(frozen=True)
class Answer:
    """What came back: status, headers, the body (capped) and the final URL."""

    status: int
    headers: dict[str, str]
    body: bytes
    url: str
    ms: int

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


def check_url(url: str) -> str:
    """``url`` when it is an absolute http(s) URL, else HTTPProblem."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise HTTPProblem(f"{url[:80]!r} is not an absolute http or https URL")
    return url


def new_browser() -> requests.Session:
    """A cookie-keeping session that behaves like the buyer's browser."""
    session = requests.Session()
    session.headers.update(BROWSER_HEADERS)
    return session


def send(session: requests.Session | None, method: str, url: str, **kwargs: Any) -> Answer:
    """One request; redirects are followed only when ``allow_redirects=True`` is passed."""
    check_url(url)
    kwargs.setdefault("allow_redirects", False)
    kwargs.setdefault("timeout", TIMEOUT)
    started = time.monotonic()
    caller = session or requests
    try:
        with caller.request(method, url, stream=True, **kwargs) as response:
            body = _read_capped(response)
            headers = {k.lower(): v for k, v in response.headers.items()}
            status, final_url = response.status_code, response.url
    except requests.RequestException as error:
        raise HTTPProblem(f"{method} {url[:100]} failed: {_reason(error)}") from None
    return Answer(status, headers, body, final_url, int((time.monotonic() - started) * 1000))


def post_xml(url: str, body: bytes) -> Answer:
    """A server-to-server cXML post, as procurement systems and networks send them."""
    return send(None, "POST", url, data=body, headers=XML_HEADERS)


def _read_capped(response: requests.Response) -> bytes:
    chunks, size = [], 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise HTTPProblem(f"the answer is larger than {MAX_RESPONSE_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _reason(error: requests.RequestException) -> str:
    if isinstance(error, requests.Timeout):
        return "no answer in time"
    if isinstance(error, requests.ConnectionError):
        return "cannot connect"
    return type(error).__name__
