"""Product search: exact SKU or part number first, then full-text matches by relevance.

User input never reaches the full-text syntax as typed: it is cut to a few plain words
(letters and digits) which are quoted, so quotes, ``*``, ``-``, ``NEAR``, ``OR``, NUL bytes
or 10 kB of text are just text, never an operator or an error. The last word matches as a
prefix ("scre" finds "screws"). SQLite uses the FTS5 table, PostgreSQL the GIN expression
index (``search_index``); both avoid scanning the products table.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    bindparam,
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
                    company_id: int | None = None, include_inactive: bool = False
                    ) -> SearchResults:
    """One page of products matching ``query``, exact SKU/part-number matches first.

    ``page`` beyond the last page raises NotFound (page 1 always exists, maybe empty).
    """
    cleaned = query.replace("\x00", "").strip()[:MAX_QUERY_CHARS]
    terms = search_terms(cleaned)
    exact = _exact_matches(exact_key(cleaned), per_page, include_inactive)
    full_text = _full_text_filter(terms)
    filters: list[ColumnElement[bool]] = [] if include_inactive else [Product.active == true()]
    if exact:
        filters.append(Product.id.not_in(exact))
    matches = 0
    if full_text is not None:
        matches = db.session.scalar(
            _from_index(select(func.count(Product.id)), bool(terms)).where(full_text, *filters)
        ) or 0
    total = len(exact) + matches
    if page < 1 or page > page_count(total, per_page):
        raise NotFound("There is no such page.")

    start = (page - 1) * per_page
    on_page = exact[start:start + per_page]
    products = _load_in_order(on_page)
    wanted = per_page - len(on_page)
    if full_text is not None and wanted > 0:
        ranked = (
            _from_index(select(Product).options(CARD_COLUMNS), True).where(full_text, *filters)
            .order_by(_relevance(terms), Product.id)
            .limit(wanted).offset(max(0, start - len(exact)))
        )
        products += db.session.scalars(ranked).all()
    listing = Listing(products, prices_for(company_id, products), page, per_page, total)
    return SearchResults(cleaned, tuple(terms), listing, frozenset(exact))


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _exact_matches(key: str, limit: int, include_inactive: bool) -> list[int]:
    """Ids of products whose SKU or manufacturer part number is the query (both indexed)."""
    if not key:
        return []
    candidates = sorted({key, key.upper()})
    statement = select(Product.id).where(
        or_(Product.sku.in_(candidates), Product.manufacturer_part_number.in_(candidates))
    )
    if not include_inactive:
        statement = statement.where(Product.active == true())
    # The SKU itself before products that merely share the part number.
    statement = statement.order_by(Product.sku.in_(candidates).desc(), Product.sku).limit(limit)
    return list(db.session.scalars(statement))


def _full_text_filter(terms: list[str]) -> ColumnElement[bool] | None:
    """The dialect's match condition for the terms; None when there is nothing to match."""
    if not terms:
        return None
    if _dialect() == "postgresql":
        return literal_column(SEARCH_VECTOR_SQL).op("@@")(_tsquery(terms, "tsquery"))
    phrases = [f'"{term}"' for term in terms]
    phrases[-1] += "*"
    return text(f"{FTS_TABLE} MATCH :fts_query").bindparams(fts_query=" ".join(phrases))


def _from_index(statement: Select[Any], use_fts_table: bool) -> Select[Any]:
    """On SQLite, read matches from the FTS table joined to products by rowid."""
    if use_fts_table and _dialect() == "sqlite":
        return statement.select_from(_fts).join(Product, Product.id == _fts.c.rowid)
    return statement


def _relevance(terms: list[str]) -> ColumnElement[Any]:
    if _dialect() == "postgresql":
        vector = literal_column(SEARCH_VECTOR_SQL)
        return func.ts_rank_cd(vector, _tsquery(terms, "tsquery_rank")).desc()
    return literal_column(BM25).asc()


def _tsquery(terms: list[str], name: str) -> ColumnElement[Any]:
    """PostgreSQL: every word must match, the last one as a prefix. Words are letters and
    digits only (``search_terms``), so quoting them cannot be escaped from."""
    words = [f"'{term}'" for term in terms]
    words[-1] += ":*"
    return func.to_tsquery(literal_column("'english'::regconfig"),
                           bindparam(name, " & ".join(words)))


def _load_in_order(ids: list[int]) -> list[Product]:
    if not ids:
        return []
    found = {product.id: product for product in db.session.scalars(
        select(Product).options(CARD_COLUMNS).where(Product.id.in_(ids)))}
    return [found[id_] for id_ in ids if id_ in found]
