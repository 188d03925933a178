"""``next`` parameters: follow them only to a path on this site (no open redirects).

Browsers are generous with what they treat as another host: ``//evil.test``, ``/\\evil.test``
(backslashes become slashes), ``/\t/evil.test`` (tabs and newlines are dropped), ``https:``
or ``javascript:`` URLs. Only a plain absolute path survives this check.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit

MAX_NEXT_LENGTH = 2000
# Doors whose URL carries a login or a one-time token (the OCI entry, by GET, has the OCI
# password in its query string; the StartPage its token): nothing of it goes into a link.
PRIVATE_BLUEPRINTS = frozenset({"punchout", "punchout_oci"})
# A query parameter with such a name holds a secret (an OCI login sent to the home page by a
# misconfigured SAP system, say): of such a URL only the path goes into a link.
_SECRET_NAME = re.compile(r"PASS|PWD|PW$|SECRET|TOKEN|KENNWORT|CREDENTIAL|AUTH",
                          re.IGNORECASE)


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None."""
    if not target or len(target) > MAX_NEXT_LENGTH:
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    # Backslashes, whitespace and control characters: browsers rewrite or drop them, which can
    # turn an innocent-looking path into another host.
    if "\\" in target or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def return_path(path: str, query_string: str, blueprint: str | None) -> str | None:
    """Where "Log in" returns to from a GET page, without any secret of the page's URL.

    None for the PunchOut doors; only ``path`` when a query parameter is named like a
    secret; else the path with its query string.
    """
    if blueprint in PRIVATE_BLUEPRINTS:
        return None
    if not query_string:
        return path
    names = (unquote(name) for name, _ in parse_qsl(query_string, keep_blank_values=True))
    if any(_SECRET_NAME.search(name) for name in names):
        return path
    return f"{path}?{query_string}"
