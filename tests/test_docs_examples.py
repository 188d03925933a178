"""The guides' examples work as written: a newcomer copies them into a terminal.

Each test takes the example out of the Markdown file itself, so a guide that drifts from the
shop fails here instead of in front of a reader.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from sqlalchemy import select

from shop.catalog.services import seed_demo_shop
from shop.extensions import db
from shop.orders.po_models import PurchaseOrder

DOCS = Path(__file__).resolve().parent.parent / "docs"


def heredoc(markdown: str, name: str) -> str:
    """The text of ``cat > NAME <<'XML' … XML`` in a guide."""
    found = re.search(rf"cat > {re.escape(name)} <<'XML'\n(.*?)\nXML\n", markdown, re.DOTALL)
    assert found, f"no heredoc for {name}"
    return found.group(1)


def command(markdown: str, starts: str) -> list[str]:
    """The arguments of the first shell command that starts with ``starts`` (joined lines)."""
    text = markdown.replace("\\\n", " ")
    line = next(line for line in text.splitlines() if line.strip().startswith(starts))
    return shlex.split(line.strip())


def test_the_purchase_order_example_creates_a_clean_order(app, client, runner):
    guide = (DOCS / "orders.md").read_text(encoding="utf-8")
    seed_demo_shop()
    added = runner.invoke(args=command(guide, "flask --app shop buyers add")[3:])
    assert added.exit_code == 0, added.output

    answer = client.post("/orders/cxml", data=heredoc(guide, "po.xml").encode(),
                         content_type="text/xml; charset=utf-8")

    assert b'<Status code="200" text="OK: order SO-' in answer.data, answer.data
    purchase_order = db.session.scalars(select(PurchaseOrder)).one()
    assert purchase_order.order_id == "PO-4711"
    assert purchase_order.order.company.name == "Acme Industries"
    # The guide promises an order without flags: the catalog's part at Acme's price.
    assert [flag.code for flag in purchase_order.flags] == []
    assert not purchase_order.needs_review


def fenced(markdown: str, after: str, language: str) -> str:
    """The first ```language block after the line containing ``after``."""
    rest = markdown[markdown.index(after):]
    found = re.search(rf"```{language}\n(.*?)\n```", rest, re.DOTALL)
    assert found, f"no {language} block after {after!r}"
    return found.group(1)


def test_the_punchout_round_trip_example_starts_a_session(app, client, runner):
    guide = (DOCS / "punchout.md").read_text(encoding="utf-8")
    seed_demo_shop()
    added = runner.invoke(args=command(guide, 'flask --app shop buyers add "Demo Buyer"')[3:])
    assert added.exit_code == 0, added.output

    body = fenced(guide, "Write the setup request", "xml")
    answer = client.post("/punchout/setup", data=body.encode(), content_type="text/xml")

    assert b'<Status code="200" text="OK"/>' in answer.data, answer.data
    start = re.search(rb"<URL>https?://[^/<]+(/punchout/start/[^<]+)</URL>", answer.data)
    assert start, answer.data
    page = client.get(start.group(1).decode(), follow_redirects=True)
    assert page.status_code == 200
    text = " ".join(re.sub(r"<[^>]+>", " ", page.get_data(as_text=True)).split())
    assert "Shopping for Demo Buyer" in text  # the banner the guide describes
