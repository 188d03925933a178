"""Product search: exact SKU or part number first, then full-text matches by relevance.

User input never reaches the full-text syntax as typed: it is cut to a few plain words
(letters and digits) which are quoted, so quotes, ``*``, ``-``, ``NEAR``, ``OR``, NUL bytes
or 10 kB of text are just text, never an operator or an error. The last word matches as a
prefix when it has three letters or more ("scr" finds "screws"). SQLite uses the FTS5
table, PostgreSQL the GIN expression index (``search_index``); neither scans the products.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    bindparam,
    case,
    column,
    func,
    literal_column,
    or_,
    select,
    text,
    true,
)
from sqlalchemy import table as table_clause

from shop.catalog.models import Product
from shop.catalog.pricing import prices_for
from shop.catalog.queries import CARD_COLUMNS, Listing, page_count
from shop.catalog.search_index import FTS_TABLE, SEARCH_VECTOR_SQL
from shop.errors import NotFound
from shop.extensions import db

MAX_QUERY_CHARS = 200
MAX_TERMS = 8
MAX_TERM_CHARS = 40
# A last word this long or longer also matches as a prefix; shorter ones ("a", "10") would
# expand to thousands of index terms.
MIN_PREFIX_CHARS = 3
# PostgreSQL ranks at most this many matches by ts_rank (see _PostgresSearch).
RANK_LIMIT = 1_000
TERM = re.compile(r"[^\W_]+")  # letters and digits; everything else separates words
# bm25 weights in FTS_COLUMNS order: sku, name, short_description, description,
# manufacturer, manufacturer_part_number.
BM25 = f"bm25({FTS_TABLE}, 10.0, 6.0, 3.0, 1.0, 2.0, 10.0)"

_fts = table_clause(FTS_TABLE, column("rowid"))


@dataclass(frozen=True, slots=True)
class SearchResults:
    query: str  # what the user typed, trimmed (for the search box and the heading)
    terms: tuple[str, ...]  # the words actually searched for
    listing: Listing
    exact_ids: frozenset[int]  # products whose SKU or part number is the query itself


def search_terms(query: str) -> list[str]:
    """The distinct lower-case words of a query, at most MAX_TERMS of them."""
    normalised = unicodedata.normalize("NFKC", query[:MAX_QUERY_CHARS])
    terms: list[str] = []
    for word in TERM.findall(normalised.lower()):
        word = word[:MAX_TERM_CHARS]
        if word not in terms:
            terms.append(word)
    return terms[:MAX_TERMS]


def exact_key(query: str) -> str:
    """The query as a SKU or part number candidate ("" when it cannot be one)."""
    key = query.replace("\x00", "").strip()
    return key if len(key) <= 64 else ""


def search_products(query: str, page: int = 1, per_page: int = 24,
                    company_id: int | None = None) -> SearchResults:
    """One page of active products matching ``query``, exact SKU/part-number matches first.

    ``page`` beyond the last page raises NotFound (page 1 always exists, maybe empty).
    """
    cleaned = query.replace("\x00", "").strip()[:MAX_QUERY_CHARS]
    terms = search_terms(cleaned)
    exact = _exact_matches(exact_key(cleaned), per_page)
    engine = _PostgresSearch(terms, exact) if _dialect() == "postgresql" else _SqliteSearch(
        terms, exact)
    total = len(exact) + (engine.count() if terms else 0)
    if page < 1 or page > page_count(total, per_page):
        raise NotFound("There is no such page.")

    start = (page - 1) * per_page
    products = _load_in_order(exact[start:start + per_page])
    wanted = per_page - len(products)
    if terms and wanted > 0:
        products += engine.page(wanted, max(0, start - len(exact)), total - len(exact))
    listing = Listing(products, prices_for(company_id, products), page, per_page, total)
    return SearchResults(cleaned, tuple(terms), listing, frozenset(exact))


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _exact_matches(key: str, limit: int) -> list[int]:
    """Ids of products whose SKU or manufacturer part number is the query (both indexed)."""
    if not key:
        return []
    candidates = sorted({key, key.upper()})
    statement = (
        select(Product.id)
        .where(or_(Product.sku.in_(candidates), Product.manufacturer_part_number.in_(candidates)),
               Product.active == true())
        # The SKU itself before products that merely share the part number.
        .order_by(Product.sku.in_(candidates).desc(), Product.sku).limit(limit)
    )
    return list(db.session.scalars(statement))


class _SqliteSearch:
    """FTS5: the index holds active products only, so counting and ranking never leave it;
    only the products of the page are then read from the table."""

    def __init__(self, terms: list[str], exact: list[int]) -> None:
        phrases = [f'"{term}"' for term in terms]
        if terms and len(terms[-1]) >= MIN_PREFIX_CHARS:
            phrases[-1] += "*"
        self.where = [text(f"{FTS_TABLE} MATCH :fts_query").bindparams(fts_query=" ".join(phrases))]
        if exact:
            self.where.append(_fts.c.rowid.not_in(exact))

    def count(self) -> int:
        return db.session.scalar(select(func.count()).select_from(_fts).where(*self.where)) or 0

    def page(self, limit: int, offset: int, matches: int) -> list[Product]:
        hits = (
            select(_fts.c.rowid.label("id"), literal_column(BM25).label("score"))
            .select_from(_fts).where(*self.where)
            .order_by(literal_column("score"), _fts.c.rowid).limit(limit).offset(offset)
            .subquery()
        )
        return list(db.session.scalars(
            select(Product).options(CARD_COLUMNS).join(hits, Product.id == hits.c.id)
            .order_by(hits.c.score, hits.c.id)
        ))


class _PostgresSearch:
    """The GIN index finds the matches. Ranking by ts_rank needs each match's tsvector, which
    an expression index does not store: it is computed again per row (~10 µs each). So only
    up to RANK_LIMIT matches are ranked that way; broader searches order by how many of the
    words the name contains, which costs next to nothing."""

    def __init__(self, terms: list[str], exact: list[int]) -> None:
        self.terms = terms
        self.vector = literal_column(SEARCH_VECTOR_SQL)
        self.where = [self.vector.op("@@")(_tsquery(terms, "tsquery")) if terms else true(),
                      Product.active == true()]
        if exact:
            self.where.append(Product.id.not_in(exact))

    def count(self) -> int:
        return db.session.scalar(
            select(func.count()).select_from(Product).where(*self.where)) or 0

    def page(self, limit: int, offset: int, matches: int) -> list[Product]:
        if matches <= RANK_LIMIT:
            order = [func.ts_rank_cd(self.vector, _tsquery(self.terms, "tsquery_rank")).desc()]
        else:
            lowered = func.lower(Product.name)
            in_name = [case((func.strpos(lowered, term) > 0, 1), else_=0) for term in self.terms]
            order = [sum(in_name[1:], in_name[0]).desc(), Product.name]
        return list(db.session.scalars(
            select(Product).options(CARD_COLUMNS).where(*self.where)
            .order_by(*order, Product.id).limit(limit).offset(offset)
        ))


def _tsquery(terms: list[str], name: str) -> ColumnElement[Any]:
    """PostgreSQL: every word must match, the last one also as a prefix. Words are letters and
    digits only (``search_terms``), so quoting them cannot be escaped from."""
    words = [f"'{term}'" for term in terms]
    if len(terms[-1]) >= MIN_PREFIX_CHARS:
        words[-1] += ":*"
    return func.to_tsquery(literal_column("'english'::regconfig"),
                           bindparam(name, " & ".join(words)))


def _load_in_order(ids: list[int]) -> list[Product]:
    if not ids:
        return []
    found = {product.id: product for product in db.session.scalars(
        select(Product).options(CARD_COLUMNS).where(Product.id.in_(ids)))}
    return [found[id_] for id_ in ids if id_ in found]
