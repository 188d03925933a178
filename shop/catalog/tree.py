"""The category tree, read in one cheap query and shared by everything in a request.

The tree is small (dozens of rows) and changes rarely, but staff may edit it at any time on
any of several workers or hosts. Reading it once per request costs one indexed query of a
few rows and is always right; a cross-process cache would need invalidation across hosts for
a saving of well under a millisecond. So: one query, memoised on ``flask.g``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import g
from sqlalchemy import select

from shop.catalog.models import Category
from shop.extensions import db


@dataclass(eq=False, slots=True)
class CategoryNode:
    """A category with its place in the tree (read-only; not an ORM object)."""

    id: int
    slug: str
    name: str
    description: str
    parent_id: int | None
    position: int
    parent: CategoryNode | None = None
    children: list[CategoryNode] = field(default_factory=list)

    def ancestors(self) -> list[CategoryNode]:
        """From the root down to this node's parent."""
        chain: list[CategoryNode] = []
        node = self.parent
        while node is not None and node is not self and node not in chain:  # no cycles
            chain.append(node)
            node = node.parent
        return chain[::-1]

    @property
    def root(self) -> CategoryNode:
        ancestors = self.ancestors()
        return ancestors[0] if ancestors else self

    def subtree_ids(self) -> list[int]:
        """This category's id and those of all categories below it."""
        ids: list[int] = []
        stack = [self]
        while stack:
            node = stack.pop()
            if node.id in ids:
                continue
            ids.append(node.id)
            stack.extend(node.children)
        return ids


class CategoryTree:
    """All categories, by id and by slug, with the top level in display order."""

    def __init__(self, nodes: list[CategoryNode]) -> None:
        self.by_id = {node.id: node for node in nodes}
        self.by_slug = {node.slug: node for node in nodes}
        self.roots: list[CategoryNode] = []
        for node in nodes:  # already sorted by position, name
            parent = self.by_id.get(node.parent_id) if node.parent_id is not None else None
            if parent is None or parent is node:
                self.roots.append(node)
            else:
                node.parent = parent
                parent.children.append(node)

    def get(self, slug: str) -> CategoryNode | None:
        return self.by_slug.get(slug)

    def node(self, category_id: int | None) -> CategoryNode | None:
        return self.by_id.get(category_id) if category_id is not None else None


def load_category_tree() -> CategoryTree:
    """Read the whole tree in one query."""
    rows = db.session.execute(
        select(Category.id, Category.slug, Category.name, Category.description,
               Category.parent_id, Category.position)
        .order_by(Category.position, Category.name)
    )
    return CategoryTree([CategoryNode(*row) for row in rows])


def category_tree() -> CategoryTree:
    """The tree for this request (read on first use)."""
    tree: CategoryTree | None = g.get("_category_tree")
    if tree is None:
        tree = g._category_tree = load_category_tree()
    return tree
