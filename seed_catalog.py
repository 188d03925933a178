#!/usr/bin/env python3
"""Fill the shop with its demo data: catalog, companies, contract prices and demo logins.

    python seed_catalog.py                      # the demo shop (about 300 products)
    python seed_catalog.py --products 100000    # top the catalog up to 100,000 products

Creates the schema when the database is empty; safe to run again (it adds only what is
missing). The database is the shop's: DATABASE_URL, else instance/shop.db.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import TextIO

from shop import create_app
from shop.catalog.demo_data import DEMO_USERS
from shop.catalog.services import SeedReport, prepare_schema, seed_demo_shop


class ProgressBar:
    """A one-line progress bar that redraws itself in place on a terminal."""

    def __init__(self, stream: TextIO, width: int = 40) -> None:
        self.stream = stream
        self.width = width
        self.started = time.monotonic()
        self.interactive = stream.isatty()

    def __call__(self, done: int, total: int) -> None:
        share = done / total if total else 1.0
        filled = int(self.width * share)
        bar = "#" * filled + "." * (self.width - filled)
        elapsed = time.monotonic() - self.started
        line = f"products [{bar}] {done:>9,}/{total:,} {share:4.0%} {elapsed:5.1f}s"
        # On a terminal redraw the line; in a log file write one line per update.
        self.stream.write(("\r" + line) if self.interactive else (line + "\n"))
        if self.interactive and done >= total:
            self.stream.write("\n")
        self.stream.flush()


def summary(schema: str, report: SeedReport, seconds: float) -> str:
    """What this run did: the rows it added and how long it took, or that it added none."""
    added = ", ".join(f"{count:,} {name}" for name, count in report.added.items() if count)
    if not added:
        return (f"Schema: {schema}. Nothing added: the demo data was all there.\n"
                f"The catalog has {report.total_products:,} products.")
    return (f"Schema: {schema}. Added: {added}.\n"
            f"The catalog has {report.total_products:,} products (seeded in {seconds:.1f} s).")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Seed the demo shop (idempotent).")
    parser.add_argument("--products", type=int, default=0, metavar="N",
                        help="top the catalog up to N products with synthetic ones")
    args = parser.parse_args(argv)
    if args.products < 0:
        parser.error("--products must be 0 or more")

    started = time.monotonic()
    app = create_app()
    with app.app_context():
        schema = prepare_schema()
        report = seed_demo_shop(products=args.products, progress=ProgressBar(sys.stderr))
    print(summary(schema, report, time.monotonic() - started))
    print("\nDemo logins:")
    for user in DEMO_USERS:
        company = user.company or "Northwind Supply staff"
        print(f"  {user.email:<24} {user.password:<14} {user.role:<14} {company}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
