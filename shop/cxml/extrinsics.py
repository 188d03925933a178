"""Extrinsic name/value pairs, the free-form data cXML attaches to requests and lines."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping


class Extrinsics(Mapping[str, str]):
    """Extrinsic name/value pairs in document order.

    Works as a read-only mapping of the *first* value per name; names are looked up exactly
    first, then case-insensitively (senders write ``UserEmail`` and ``userEmail``).
    ``get_all(name)`` returns every value when a name repeats; ``pairs`` keeps them all.
    """

    __slots__ = ("pairs", "_first")

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        self.pairs: tuple[tuple[str, str], ...] = tuple(pairs)
        first: dict[str, str] = {}
        for name, value in self.pairs:
            first.setdefault(name, value)
        self._first = first

    def __getitem__(self, name: str) -> str:
        if name in self._first:
            return self._first[name]
        folded = name.casefold()
        for key, value in self.pairs:
            if key.casefold() == folded:
                return value
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._first)

    def __len__(self) -> int:
        return len(self._first)

    def get_all(self, name: str) -> tuple[str, ...]:
        """Every value given for ``name`` (compared case-insensitively), in order."""
        folded = name.casefold()
        return tuple(value for key, value in self.pairs if key.casefold() == folded)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Extrinsics):
            return self.pairs == other.pairs
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.pairs)

    def __repr__(self) -> str:
        return f"Extrinsics({list(self.pairs)!r})"


NO_EXTRINSICS = Extrinsics()
