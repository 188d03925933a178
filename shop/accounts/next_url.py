"""``next`` parameters: follow them only to a path on this site (no open redirects).

Browsers are generous with what they treat as another host: ``//evil.test``, ``/\\evil.test``
(backslashes become slashes), ``/\t/evil.test`` (tabs and newlines are dropped), ``https:``
or ``javascript:`` URLs. Only a plain absolute path survives this check.
"""

from __future__ import annotations

from urllib.parse import urlsplit

MAX_NEXT_LENGTH = 2000


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
