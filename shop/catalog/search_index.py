"""The full-text index behind product search, one flavour per database.

- SQLite: an FTS5 table ``products_fts`` with external content (it stores only the index;
  the text stays in ``products``), kept in sync by three triggers.
- PostgreSQL: a GIN index on a weighted ``tsvector`` expression over the same columns;
  queries repeat the exact expression (``SEARCH_VECTOR_SQL``) so the planner uses the index.

``create_search_index`` is idempotent. It runs after ``products`` is created by
``db.create_all()`` (tests, the seed script on an empty database) and from the migration
that introduces search. Neither object is part of SQLAlchemy's metadata, so Alembic's
autogenerate must skip them: ``include_object`` below is meant for ``migrations/env.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection

from shop.catalog.models import Product

FTS_TABLE = "products_fts"
PG_INDEX = "ix_products_search"

# The columns searched, in the order of the FTS5 table (bm25 weights follow this order).
FTS_COLUMNS = (
    "sku", "name", "short_description", "description", "manufacturer",
    "manufacturer_part_number",
)

# 'english' stems ("gloves" finds "glove") and drops stop words. Hyphens, dots, slashes and
# underscores become spaces first, as they do for FTS5 and for the query words: PostgreSQL's
# parser would read "SAF-10001" as "saf" and the number -10001, and "2.5" as one token.
# Identifiers and names weigh most (A), then the brand and summary (B), the long text (C).
def _words(expression: str) -> str:
    return f"translate({expression}, '-./_', '    ')"


SEARCH_VECTOR_SQL = (
    "(setweight(to_tsvector('english'::regconfig, "
    + _words("sku || ' ' || manufacturer_part_number || ' ' || name") + "), 'A')"
    " || setweight(to_tsvector('english'::regconfig, "
    + _words("manufacturer || ' ' || short_description") + "), 'B')"
    " || setweight(to_tsvector('english'::regconfig, " + _words("description") + "), 'C'))"
)

_COLUMNS = ", ".join(FTS_COLUMNS)


def _index_row(prefix: str) -> str:
    """An INSERT ... SELECT adding (prefix "new") or removing (prefix "old") one product's
    terms, only when that version of the product is active."""
    values = ", ".join(f"{prefix}.{column}" for column in FTS_COLUMNS)
    if prefix == "old":
        return (f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_COLUMNS}) "
                f"SELECT 'delete', old.id, {values} WHERE old.active;")
    return f"INSERT INTO {FTS_TABLE}(rowid, {_COLUMNS}) SELECT new.id, {values} WHERE new.active;"


_INSERT_TRIGGER = (
    f"CREATE TRIGGER {FTS_TABLE}_ai AFTER INSERT ON products BEGIN {_index_row('new')} END"
)


def _sqlite_statements() -> list[str]:
    # Only active products are indexed, so that searches count and rank inside the index
    # without reading a single products row; deactivating a product removes its terms.
    return [
        # porter over unicode61: stemming plus accent folding. No prefix indexes: they triple
        # the index's size and build time, and prefix queries (3 letters or more, see
        # search.py) read a short range of the sorted term list without them.
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5({_COLUMNS}, "
        "content='products', content_rowid='id', "
        "tokenize='porter unicode61 remove_diacritics 2')",
        # Dropped and created again so that an existing database gets the current definitions.
        *(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_{suffix}" for suffix in ("ai", "ad", "au")),
        _INSERT_TRIGGER,
        f"CREATE TRIGGER {FTS_TABLE}_ad AFTER DELETE ON products BEGIN {_index_row('old')} END",
        f"CREATE TRIGGER {FTS_TABLE}_au AFTER UPDATE OF {_COLUMNS}, active ON products "
        f"BEGIN {_index_row('old')} {_index_row('new')} END",
        # Refill from the products: instant on an empty catalog, and right when the index is
        # added to (or repaired on) a catalog that already has products.
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('delete-all')",
        f"INSERT INTO {FTS_TABLE}(rowid, {_COLUMNS}) SELECT id, {_COLUMNS} FROM products "
        "WHERE active ORDER BY id",
    ]


def create_search_index(connection: Connection) -> None:
    """Create (or repair) the full-text index for the connection's database; idempotent."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        for statement in _sqlite_statements():
            connection.execute(text(statement))
    elif dialect == "postgresql":
        # Partial: inactive products are never searched, so they need no index entries.
        connection.execute(text(
            f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON products USING gin ({SEARCH_VECTOR_SQL}) "
            "WHERE active"
        ))


def has_search_index(connection: Connection) -> bool:
    """Whether the full-text index exists (the seed adds it to a database that lacks it)."""
    if connection.dialect.name == "sqlite":
        query = "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = :name"
        return bool(connection.scalar(text(query), {"name": f"{FTS_TABLE}_ai"}))
    if connection.dialect.name == "postgresql":
        return bool(connection.scalar(text("SELECT to_regclass(:name)"), {"name": PG_INDEX}))
    return False


def drop_search_index(connection: Connection) -> None:
    """Remove the full-text index (and on SQLite its triggers); idempotent."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        for suffix in ("ai", "ad", "au"):
            connection.execute(text(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_{suffix}"))
        connection.execute(text(f"DROP TABLE IF EXISTS {FTS_TABLE}"))
    elif dialect == "postgresql":
        connection.execute(text(f"DROP INDEX IF EXISTS {PG_INDEX}"))


@contextmanager
def deferred_search_index(connection: Connection) -> Iterator[None]:
    """Index the products inserted inside the block in one pass at its end (bulk loads).

    FTS5 fed row by row through the trigger is about four times slower than one
    INSERT ... SELECT. Use it inside a transaction: the trigger is dropped and re-created in
    that transaction, so an error (rolled back) leaves the schema as it was, and SQLite's
    write lock keeps other writers out meanwhile. PostgreSQL needs nothing: GIN's pending
    list already batches insertions.
    """
    trigger = connection.scalar(
        text("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = :name"),
        {"name": f"{FTS_TABLE}_ai"},
    ) if connection.dialect.name == "sqlite" else None
    if not trigger:
        yield
        return
    last_id = connection.scalar(text("SELECT coalesce(max(id), 0) FROM products"))
    connection.execute(text(f"DROP TRIGGER {FTS_TABLE}_ai"))
    yield
    connection.execute(
        text(f"INSERT INTO {FTS_TABLE}(rowid, {_COLUMNS}) "
             f"SELECT id, {_COLUMNS} FROM products WHERE id > :last_id AND active ORDER BY id"),
        {"last_id": last_id},
    )
    connection.execute(text(_INSERT_TRIGGER))


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic ``include_object`` hook: leave the search index out of autogenerate diffs."""
    if reflected and compare_to is None and name:
        if type_ == "table" and name.startswith(FTS_TABLE):
            return False  # the FTS5 table and its shadow tables (_data, _idx, _docsize, ...)
        if type_ == "index" and name == PG_INDEX:
            return False
    return True


@event.listens_for(Product.__table__, "after_create")
def _after_products_created(target: Any, connection: Connection, **kw: Any) -> None:
    create_search_index(connection)


@event.listens_for(Product.__table__, "before_drop")
def _before_products_dropped(target: Any, connection: Connection, **kw: Any) -> None:
    # Otherwise a stale FTS table would outlive drop_all() and point at rows that are gone.
    drop_search_index(connection)
