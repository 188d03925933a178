"""Rules for the addresses a buyer connection names: return-URL prefixes and frame origins.

Pure functions (no Flask, no database). A cart, the BuyerCookie and the user's details are
posted to the return URL, so it must match a prefix staff approved: same scheme, same host
and port, and a path under the prefix's path. https is required unless a prefix explicitly
names http (local tests on 127.0.0.1).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import SplitResult, urlsplit

# Host names as found in real configurations: underscores occur (return_to_supplier_url.com).
_LABEL = r"[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?"
_HOST = re.compile(rf"^(\*\.)?{_LABEL}(\.{_LABEL})*$")
_IPV6 = re.compile(r"^\[[0-9a-f:.]+\]$")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _split(url: str) -> SplitResult:
    """Split an absolute http(s) URL, or raise ValueError naming what is wrong."""
    if not isinstance(url, str) or not url or url != url.strip() or len(url) > 2000:
        raise ValueError("must be an absolute http or https URL")
    if any(ord(c) < 0x21 or c == "\\" for c in url):
        raise ValueError("must not contain spaces, control characters or backslashes")
    parts = urlsplit(url)
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.netloc:
        raise ValueError("must be an absolute http or https URL")
    if "@" in parts.netloc:
        raise ValueError("must not contain a user name or password")
    try:
        parts.port  # noqa: B018  (raises ValueError on a malformed port)
    except ValueError:
        raise ValueError("has an invalid port") from None
    host = parts.hostname or ""
    if not (_HOST.match(host) or _IPV6.match(f"[{host}]")) or host.startswith("*."):
        raise ValueError("has an invalid host name")
    return parts


def _origin(parts: SplitResult) -> tuple[str, str, int]:
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS[scheme]


def normalise_prefix(prefix: str) -> str:
    """A return-URL prefix in canonical form, or ValueError with a message for staff."""
    parts = _split(prefix)
    if parts.query or parts.fragment or prefix.endswith(("?", "#")):
        raise ValueError("must not contain a query or fragment")
    scheme, host, port = _origin(parts)
    netloc = host if port == _DEFAULT_PORTS[scheme] else f"{host}:{port}"
    if ":" in host:
        netloc = f"[{host}]" if port == _DEFAULT_PORTS[scheme] else f"[{host}]:{port}"
    return f"{scheme}://{netloc}{parts.path or '/'}"


def _path_under(path: str, prefix_path: str) -> bool:
    # "/punchout" allows "/punchout" and "/punchout/…" but not "/punchout-evil".
    if prefix_path.endswith("/"):
        return path.startswith(prefix_path)
    return path == prefix_path or path.startswith(prefix_path + "/")


def url_allowed(url: str, prefixes: Iterable[str]) -> bool:
    """True when ``url`` is an absolute http(s) URL under one of the allowed prefixes."""
    try:
        parts = _split(url)
    except ValueError:
        return False
    origin = _origin(parts)
    # Dot segments would let "/punchout/../admin" pass a textual prefix check.
    if any(seg in (".", "..") for seg in parts.path.split("/")) or "%2e" in parts.path.lower():
        return False
    for prefix in prefixes:
        try:
            allowed = _split(prefix)
        except ValueError:
            continue
        if origin == _origin(allowed) and _path_under(parts.path or "/", allowed.path or "/"):
            return True
    return False


def normalise_origin(origin: str) -> str:
    """A frame-ancestors origin ("https://buyer.example", "https://*.buyer.example")."""
    wildcard = origin.startswith(("https://*.", "http://*."))
    parts = _split(origin.replace("*.", "", 1) if wildcard else origin)
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("must be an origin: scheme and host (and port) only")
    scheme, host, port = _origin(parts)
    host = f"*.{host}" if wildcard else host
    return f"{scheme}://{host}" if port == _DEFAULT_PORTS[scheme] else f"{scheme}://{host}:{port}"
