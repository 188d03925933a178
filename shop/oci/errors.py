"""The OCI layer's own errors: every message is safe to show to the buyer or the admin."""

from __future__ import annotations


class OCIError(Exception):
    """Base class: something in an OCI exchange is not acceptable."""


class EntryError(OCIError):
    """The parameters of an OCI entry call cannot be used (maps to HTTP 400)."""


class MissingHookURL(EntryError):
    """The entry call carries no HOOK_URL, so a cart could never be returned."""


class TargetRefused(EntryError):
    """``returntarget`` or ``~TARGET`` is not a frame name (e.g. a ``javascript:`` URL)."""


class HookURLRefused(OCIError):
    """The HOOK_URL is outside the connection's allowed prefixes (maps to HTTP 403)."""


class UnsupportedCharset(OCIError):
    """The buyer's ``http_content_charset`` is unknown or cannot carry a form post."""


class BuildError(OCIError):
    """Cart lines cannot be written as OCI fields without breaking an OCI rule."""


class FormError(OCIError):
    """A posted or captured OCI form cannot be read back into lines."""
