"""The buyer's site: a tiny WSGI app on its own https origin that plays the procurement system.

It serves the pages a procurement system shows around a PunchOut and records every cart the
shop posts back, so that journeys can assert on what the buyer really received:

- ``GET /frame?src=URL[&sandbox=TOKENS]``: a requisition page embedding ``src`` in an iframe
  named ``punchout`` (Coupa and most SAP Fiori set-ups punch out this way).
- ``GET /launch?action=URL[&target=T][&method=post][&<field>=<value> ...]``: a page with a form
  that sends the other query fields to ``action`` (an OCI entry with HOOK_URL, say) when its
  "Punch out" button is pressed; ``target=punchout`` sends it into an iframe on the same page,
  ``target=_blank`` into a new window.
- ``POST /return[/<anything>]``: the BrowserFormPost URL / HOOK_URL. Records the form
  (``cxml-urlencoded``, ``cxml-base64`` or OCI ``NEW_ITEM-*`` fields) and shows "Cart received".
- ``GET /cookies/set`` and ``GET /cookies/show``: a probe of the browser's cookie rules when
  this site is embedded by another (sets an ordinary and a partitioned cookie; lists names).
- ``GET /checks-probe``: a page that breaks every rule the journeys check (for their tests).
- ``GET /``: an empty requisition page.
"""

from __future__ import annotations

import base64
import html
import re
import ssl
import threading
from dataclasses import dataclass, field
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

OCI_ITEM = re.compile(r"^NEW_ITEM-([A-Z0-9_]+)(?::\d+)?\[(\d+)\]$", re.IGNORECASE)


@dataclass
class ReceivedCart:
    """One form post the shop's transfer page sent to the buyer."""

    path: str
    form: MultiDict[str, str]
    content_type: str
    origin: str | None
    referer: str | None
    sec_fetch_dest: str | None

    @property
    def cxml(self) -> str | None:
        """The PunchOutOrderMessage, from ``cxml-urlencoded`` or ``cxml-base64``."""
        if "cxml-urlencoded" in self.form:
            return self.form["cxml-urlencoded"]
        if "cxml-base64" in self.form:
            return base64.b64decode(self.form["cxml-base64"]).decode("utf-8")
        return None

    @property
    def oci_items(self) -> list[dict[str, str]]:
        """OCI lines as ``{FIELD: value}`` dicts, in item order (``NEW_ITEM-FIELD[n]``)."""
        items: dict[int, dict[str, str]] = {}
        for name, value in self.form.items(multi=True):
            match = OCI_ITEM.match(name)
            if match:
                line = items.setdefault(int(match.group(2)), {})
                key = match.group(1).upper()
                # Long texts come as several NEW_ITEM-LONGTEXT_n:132[] pieces: join them.
                line[key] = line.get(key, "") + value
        return [items[n] for n in sorted(items)]


@dataclass
class BuyerSite:
    """The buyer's site, running in a thread; ``received`` fills as carts arrive."""

    origin: str = ""
    received: list[ReceivedCart] = field(default_factory=list)
    _arrived: threading.Condition = field(default_factory=threading.Condition)
    _server: BaseWSGIServer | None = None

    def url(self, path: str, **params: str) -> str:
        """An absolute URL on this site, e.g. ``url("/frame", src=shop_url)``."""
        query = f"?{urlencode(params)}" if params else ""
        return f"{self.origin}{path}{query}"

    def url_as(self, host: str, path: str) -> str:
        """The same site under another host name (another site to the browser)."""
        assert self._server is not None
        return f"https://{host}:{self._server.server_port}{path}"

    @property
    def return_url(self) -> str:
        """The URL to give the shop as BrowserFormPost URL or HOOK_URL."""
        return f"{self.origin}/return"

    def wait_for_cart(self, count: int = 1, timeout: float = 10.0) -> ReceivedCart:
        """Block until ``count`` carts have arrived; return the latest."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.received) >= count, timeout):
                raise AssertionError(f"the buyer's site received {len(self.received)} cart(s)"
                                     f" in {timeout}s, expected {count}")
            return self.received[-1]

    def clear(self) -> None:
        with self._arrived:
            self.received.clear()

    # ---------- serving ----------

    def start(self, host: str, port: int, public_host: str, ssl_context: ssl.SSLContext) -> None:
        self._server = make_server(host, port, self, threaded=True, ssl_context=ssl_context)
        self.origin = f"https://{public_host}:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, name="buyer-site", daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __call__(self, environ: dict, start_response):  # type: ignore[no-untyped-def]
        request = Request(environ)
        if request.path == "/frame":
            response = self._frame_page(request)
        elif request.path == "/launch":
            response = self._launch_page(request)
        elif request.path == "/return" or request.path.startswith("/return/"):
            response = self._receive(request) if request.method == "POST" else _page(
                "Waiting for the cart", "<p>The supplier has not sent a cart yet.</p>")
        elif request.path == "/cookies/set":
            response = self._set_cookies(request)
        elif request.path == "/cookies/show":
            response = _page("Cookies", f'<p id="cookies">{html.escape(_cookie_list(request))}</p>')
        elif request.path == "/checks-probe":
            response = _checks_probe()
        elif request.path == "/checks-probe.js":
            response = Response(PROBE_SCRIPT, content_type="text/javascript")
        elif request.path == "/":
            response = _page("Requisition", "<p>No lines yet.</p>")
        else:
            response = _page("Not found", "<p>No such page.</p>", status=404)
        return response(environ, start_response)

    def _frame_page(self, request: Request) -> Response:
        src = request.args.get("src", "")
        sandbox = request.args.get("sandbox")
        sandbox_attr = f' sandbox="{html.escape(sandbox)}"' if sandbox is not None else ""
        body = (
            f'<iframe name="punchout" title="Supplier catalog" src="{html.escape(src)}"'
            f' width="1000" height="700"{sandbox_attr}></iframe>'
        )
        return _page("Requisition: supplier catalog", body)

    def _launch_page(self, request: Request) -> Response:
        args = request.args.copy()
        action = args.pop("action", "")
        target = args.pop("target", "_self")
        method = args.pop("method", "post")
        inputs = "".join(
            f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
            for name, value in args.items(multi=True)
        )
        body = (
            f'<form method="{html.escape(method)}" action="{html.escape(action)}"'
            f' target="{html.escape(target)}">{inputs}'
            '<button type="submit">Punch out</button></form>'
        )
        if target == "punchout":
            body += ('<iframe name="punchout" title="Supplier catalog" width="1000"'
                     ' height="700"></iframe>')
        return _page("Requisition: punch out", body)

    def _set_cookies(self, request: Request) -> Response:
        # The probe for the browser's own rules: one ordinary cross-site cookie, one CHIPS.
        names = html.escape(_cookie_list(request))
        response = _page("Cookies set", f'<p id="cookies">{names}</p>')
        response.headers.add("Set-Cookie", "plain=1; Path=/; Secure; SameSite=None")
        response.headers.add("Set-Cookie",
                             "partitioned=1; Path=/; Secure; SameSite=None; Partitioned")
        return response

    def _receive(self, request: Request) -> Response:
        cart = ReceivedCart(
            path=request.path,
            form=MultiDict(request.form.items(multi=True)),
            content_type=request.content_type or "",
            origin=request.headers.get("Origin"),
            referer=request.headers.get("Referer"),
            sec_fetch_dest=request.headers.get("Sec-Fetch-Dest"),
        )
        with self._arrived:
            self.received.append(cart)
            self._arrived.notify_all()
        fields = len(cart.form)
        return _page("Cart received", f"<p>Cart received: {fields} field(s).</p>")


# The probe for the test suite's own checks: everything a shop page must never do.
PROBE_SCRIPT = 'console.error("probe: console error"); throw new Error("probe: exception");'


def _checks_probe() -> Response:
    body = (
        '<script>document.title = "inline script ran";</script>'  # refused by the CSP
        '<script src="/checks-probe.js"></script>'
        '<label>Quantity <input name="quantity"></label><input name="unlabelled">'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="10" height="10">'
        '<p class="faint">Hard to read</p>'
    )
    response = _page("Checks probe", body)
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src data:")
    return response


def _cookie_list(request: Request) -> str:
    return " ".join(sorted(request.cookies)) or "none"


def _page(title: str, body: str, status: int = 200) -> Response:
    document = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)} · Buyer</title>"
        # No favicon request: a 404 for it would be a console error on every page.
        '<link rel="icon" href="data:,">'
        "<style>.faint { color: #ccc; background: #fff; }</style></head>"
        f"<body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>"
    )
    return Response(document, status=status, content_type="text/html; charset=utf-8")
