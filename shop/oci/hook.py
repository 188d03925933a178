"""The HOOK_URL: which return addresses a buyer connection accepts, and how to post to them.

HOOK_URL comes from the browser, so anyone who can make a link can set it: without a check,
a crafted link would send a logged-in buyer's cart (and prices) anywhere. Each connection
lists the URL prefixes of its SAP system; a hook must match one by scheme, host, port and
path. Browsers rewrite some URLs before using them (they drop tabs and newlines, read ``\\``
as ``/`` and resolve ``..``), so hooks that a browser would read differently are refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import SplitResult, parse_qsl, unquote, urlsplit

from .errors import HookURLRefused, OCIError

MAX_HOOK_LENGTH = 4096
HTTP_SCHEMES = frozenset({"http", "https"})
# Schemes that run code or read local data if used as a form action: never a hook.
UNSAFE_SCHEMES = frozenset(
    {"javascript", "vbscript", "data", "blob", "file", "filesystem", "about", "view-source"}
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def check_hook_url(url: str, prefixes: Iterable[str], *, allow_non_http: bool = False) -> None:
    """Raise :class:`HookURLRefused` (with the reason) unless ``url`` may receive the cart.

    An http(s) hook must match one of the http(s) ``prefixes``: same host and port, a path
    under the prefix's path, and https unless the prefix itself says http. ``SAPEVENT:`` and
    other non-http hooks (SAP GUI) pass only with ``allow_non_http``: ``SAPEVENT:`` always,
    another scheme when a prefix starts with it. Script and local schemes never pass.
    """
    _check_characters(url)
    scheme = _scheme(url)
    if scheme in UNSAFE_SCHEMES:
        raise HookURLRefused(f"A {scheme}: address cannot be a hook URL.")
    if isinstance(prefixes, str):  # one prefix given on its own, not its characters
        prefixes = [prefixes]
    prefix_list = [prefix.strip() for prefix in prefixes if prefix.strip()]
    if scheme not in HTTP_SCHEMES:
        _check_non_http(url, scheme, prefix_list, allow_non_http)
        return
    parts = _http_parts(url)
    for prefix in prefix_list:
        prefix_parts = _http_prefix(prefix)
        if prefix_parts is not None and _matches(parts, prefix_parts):
            return
    raise HookURLRefused("The hook URL is not under any return-URL prefix of this connection.")


def hook_url_allowed(url: str, prefixes: Iterable[str], allow_non_http: bool = False) -> bool:
    """Whether ``url`` may receive the cart (see :func:`check_hook_url` for the rules)."""
    try:
        check_hook_url(url, prefixes, allow_non_http=allow_non_http)
    except HookURLRefused:
        return False
    return True


def validate_hook_prefix(prefix: str) -> str:
    """A return-URL prefix as an admin may enter it, else :class:`OCIError` saying why.

    Accepted: an absolute http(s) URL with a host (path optional, no query), or a non-http
    scheme prefix such as ``SAPEVENT:`` (which still needs the connection's permission).
    """
    prefix = prefix.strip()
    try:
        _check_characters(prefix)
        scheme = _scheme(prefix)
        if scheme in UNSAFE_SCHEMES:
            raise HookURLRefused(f"A {scheme}: address cannot be a hook URL.")
        if scheme in HTTP_SCHEMES:
            parts = _http_parts(prefix)
            if parts.query or parts.fragment:
                raise HookURLRefused("A prefix must not have a query string or fragment.")
    except HookURLRefused as error:
        raise OCIError(f"Return-URL prefix {prefix[:80]!r}: {error}") from None
    return prefix


def split_hook_url(url: str) -> tuple[str, list[tuple[str, str]]]:
    """The hook URL without its query string, and that query as (name, value) pairs.

    For buyers that want the hook's own parameters back as hidden fields (OCI 4.0/5.0 text)
    rather than in the form's action. Values are URL-decoded; blank values are kept.
    """
    action, _, query = url.partition("?")
    query = query.partition("#")[0]
    return action, parse_qsl(query, keep_blank_values=True)


def _check_characters(url: str) -> None:
    if not url:
        raise HookURLRefused("The hook URL is empty.")
    if len(url) > MAX_HOOK_LENGTH:
        raise HookURLRefused(f"The hook URL is longer than {MAX_HOOK_LENGTH} characters.")
    if any(c.isspace() or ord(c) < 32 or 127 <= ord(c) < 160 for c in url):
        raise HookURLRefused("The hook URL contains spaces or control characters.")
    if "\\" in url.partition("?")[0]:
        raise HookURLRefused("The hook URL contains a backslash.")


def _scheme(url: str) -> str:
    scheme, colon, _ = url.partition(":")
    if not colon or not scheme or not scheme[0].isascii() or not scheme[0].isalpha():
        raise HookURLRefused("The hook URL is not an absolute URL.")
    if not all(c.isascii() and (c.isalnum() or c in "+-.") for c in scheme):
        raise HookURLRefused("The hook URL is not an absolute URL.")
    return scheme.lower()


def _http_prefix(prefix: str) -> SplitResult | None:
    """A configured http(s) prefix, or ``None`` for a non-http or broken one (never matches)."""
    try:
        _check_characters(prefix)
        return _http_parts(prefix) if _scheme(prefix) in HTTP_SCHEMES else None
    except HookURLRefused:
        return None


def _http_parts(url: str) -> SplitResult:
    try:
        parts = urlsplit(url)
        if parts.port == 0:  # reading .port also raises ValueError for a non-numeric port
            raise ValueError("port 0")
    except ValueError:
        raise HookURLRefused("The hook URL has an invalid host or port.") from None
    if not parts.hostname or parts.netloc.endswith(":"):
        raise HookURLRefused("The hook URL has no host.")
    if parts.username is not None or parts.password is not None:
        raise HookURLRefused("The hook URL must not carry a user name or password.")
    if any(unquote(segment) in (".", "..") for segment in parts.path.split("/")):
        raise HookURLRefused("The hook URL path must not contain '.' or '..' segments.")
    return parts


def _matches(url: SplitResult, prefix: SplitResult) -> bool:
    url_scheme, prefix_scheme = url.scheme.lower(), prefix.scheme.lower()
    # https under an http prefix is an upgrade and fine; http under an https prefix is not.
    if url_scheme != prefix_scheme and (url_scheme, prefix_scheme) != ("https", "http"):
        return False
    if _host(url) != _host(prefix) or _port(url) != _port(prefix):
        return False
    path, base = url.path or "/", prefix.path or "/"
    return path == base or path.startswith(base if base.endswith("/") else base + "/")


def _host(parts: SplitResult) -> str:
    return (parts.hostname or "").rstrip(".").lower()


def _port(parts: SplitResult) -> int | None:
    port = parts.port
    return None if port == _DEFAULT_PORTS.get(parts.scheme.lower()) else port


def _check_non_http(url: str, scheme: str, prefixes: list[str], allow_non_http: bool) -> None:
    if not allow_non_http:
        raise HookURLRefused("This connection accepts only http(s) hook URLs.")
    if scheme == "sapevent":
        return
    if any(url.lower().startswith(prefix.lower()) for prefix in prefixes):
        return
    raise HookURLRefused(f"The {scheme}: hook URL is not under any prefix of this connection.")
