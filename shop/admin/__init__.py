"""The back office: staff-only pages under ``/admin``, and the hooks other features use.

Other features add their own back-office pages without editing this package:

* ``register_section(label, endpoint)`` adds an entry to the back-office navigation
  (``templates/admin/base.html``); call it once at import or app setup, it is idempotent;
* ``staff_only(blueprint)`` puts a blueprint behind the same staff check as ``/admin``;
* their templates extend ``admin/base.html`` and fill ``{% block admin_content %}``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AdminSection:
    """One entry of the back-office navigation."""

    label: str
    endpoint: str  # an endpoint without URL arguments, e.g. "punchout.list_connections"
    order: int = 100  # the core sections use 10..50; later features sort after them


# Shared by every app in the process; entries whose endpoint an app does not have are skipped
# at render time, so a feature that is switched off (e.g. the sandbox) simply has no entry.
_sections: list[AdminSection] = []


def register_section(label: str, endpoint: str, *, order: int = 100) -> AdminSection:
    """Add (or replace, by endpoint) an entry of the back-office navigation."""
    section = AdminSection(label=label, endpoint=endpoint, order=order)
    _sections[:] = [existing for existing in _sections if existing.endpoint != endpoint]
    _sections.append(section)
    # Stable sort: equal orders keep their registration order.
    _sections.sort(key=lambda entry: entry.order)
    return section


def registered_sections() -> list[AdminSection]:
    """Every registered entry, in navigation order (including ones an app may lack)."""
    return list(_sections)


@dataclass(frozen=True, slots=True)
class NavEntry:
    label: str
    url: str
    current: bool


def admin_nav() -> list[NavEntry]:
    """The navigation for the current request; the longest URL prefix of the path is current."""
    entries = []
    for section in _sections:
        if section.endpoint not in current_app.view_functions:
            continue
        entries.append((section, url_for(section.endpoint)))
    path = request.path
    matches = [url for _, url in entries if _path_is_under(path, url)]
    current = max(matches, key=len, default=None)
    return [NavEntry(section.label, url, url == current) for section, url in entries]


def _path_is_under(path: str, url: str) -> bool:
    base = url.rstrip("/")
    return path.rstrip("/") == base or path.startswith(base + "/")


def require_staff() -> ResponseReturnValue | None:
    """``before_request`` guard: visitors go to the login page, non-staff users get a 403."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined,no-any-return]
    # A deactivated account keeps its session cookie; it must not keep its rights.
    if not (current_user.is_active and current_user.is_staff):
        log.info("staff page refused to user %s: %s", current_user.id, request.path)
        abort(403)
    return None


def staff_only(blueprint: Blueprint) -> Blueprint:
    """Put every route of ``blueprint`` behind the staff check; returns the blueprint."""
    blueprint.before_request(require_staff)
    return blueprint
