"""Kinship and Wright's coefficient of inbreeding from a pedigree, exactly.

Recursive kinship (Malécot's coefficient of coancestry, computed as in the tabular method):
  f(X, X) = (1 + F_X) / 2, with F_X = f(sire of X, dam of X)
  f(X, Y) = (f(sire of X, Y) + f(dam of X, Y)) / 2, X not an ancestor of Y
  f with an unknown parent = 0 (founders are unrelated and not inbred)
The COI of a kitten is the kinship of its sire and dam. Pedigrees are read once, ordered
parents-before-children (cycles are errors), and only the pairs the answer needs are computed,
with an explicit stack (no recursion limit).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from fractions import Fraction
from typing import Any

CatId = Hashable
_HALF = Fraction(1, 2)


class PedigreeError(ValueError):
    """A pedigree that cannot be used: an unknown id, a duplicate, or a cycle (named)."""

    def __init__(self, message: str, cat_id: object = None) -> None:
        super().__init__(message)
        self.cat_id = cat_id


def _records(cats: Iterable[Mapping[str, Any]] | Mapping[str, Any]) -> list[Mapping[str, Any]]:
    if isinstance(cats, Mapping):
        if "cats" in cats:
            return list(cats["cats"])
        # {id: {"sire": ..., "dam": ...}}
        return [{"id": key, **value} for key, value in cats.items()]
    return list(cats)


def _parents_map(
    cats: Iterable[Mapping[str, Any]] | Mapping[str, Any],
) -> dict[CatId, tuple[CatId | None, CatId | None]]:
    parents: dict[CatId, tuple[CatId | None, CatId | None]] = {}
    for record in _records(cats):
        if "id" not in record:
            raise PedigreeError(f"pedigree entry without an id: {dict(record)!r}")
        cat_id = record["id"]
        if cat_id is None:
            raise PedigreeError("pedigree entry with a null id")
        if cat_id in parents:
            raise PedigreeError(f"cat {cat_id!r} appears twice in the pedigree", cat_id)
        sire = record.get("sire", record.get("sire_id"))
        dam = record.get("dam", record.get("dam_id"))
        parents[cat_id] = (sire, dam)
    for cat_id, (sire, dam) in parents.items():
        for role, parent in (("sire", sire), ("dam", dam)):
            if parent is not None and parent not in parents:
                raise PedigreeError(
                    f"unknown id {parent!r} (the {role} of {cat_id!r}) is not in the pedigree",
                    parent,
                )
    return parents


def _order(
    parents: Mapping[CatId, tuple[CatId | None, CatId | None]], roots: Iterable[CatId]
) -> dict[CatId, int]:
    """Rank of every ancestor of `roots` (parents rank lower); cycles raise PedigreeError."""
    rank: dict[CatId, int] = {}
    on_path: set[CatId] = set()
    for root in roots:
        if root in rank:
            continue
        stack: list[tuple[CatId, bool]] = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                on_path.discard(node)
                rank[node] = len(rank)
                continue
            if node in rank:
                continue
            if node in on_path:
                raise PedigreeError(f"cycle in the pedigree through {node!r}", node)
            on_path.add(node)
            stack.append((node, True))
            for parent in parents[node]:
                if parent is None or parent in rank:
                    continue
                if parent in on_path:
                    raise PedigreeError(f"cycle in the pedigree through {parent!r}", parent)
                stack.append((parent, False))
    return rank


class _Kinship:
    """Memoised kinship over one pedigree."""

    def __init__(
        self, parents: Mapping[CatId, tuple[CatId | None, CatId | None]], rank: dict[CatId, int]
    ) -> None:
        self.parents = parents
        self.rank = rank
        self.memo: dict[tuple[CatId, CatId], Fraction] = {}

    def _key(self, a: CatId, b: CatId) -> tuple[CatId, CatId]:
        # the younger cat (higher rank) first: it cannot be an ancestor of the other
        return (a, b) if self.rank[a] >= self.rank[b] else (b, a)

    def _needs(self, key: tuple[CatId, CatId]) -> list[tuple[CatId, CatId]]:
        a, b = key
        sire, dam = self.parents[a]
        if a == b:
            return [self._key(sire, dam)] if sire is not None and dam is not None else []
        return [self._key(p, b) for p in (sire, dam) if p is not None]

    def _compute(self, key: tuple[CatId, CatId]) -> Fraction:
        a, b = key
        needed = [self.memo[k] for k in self._needs(key)]
        if a == b:
            return (1 + (needed[0] if needed else 0)) * _HALF
        return sum(needed, Fraction(0)) * _HALF

    def __call__(self, a: CatId, b: CatId) -> Fraction:
        root = self._key(a, b)
        stack = [root]
        while stack:
            key = stack[-1]
            if key in self.memo:
                stack.pop()
                continue
            missing = [k for k in self._needs(key) if k not in self.memo]
            if missing:
                stack.extend(missing)
                continue
            self.memo[key] = self._compute(key)
            stack.pop()
        return self.memo[root]


def kinship(
    cats: Iterable[Mapping[str, Any]] | Mapping[str, Any], first: CatId, second: CatId
) -> Fraction:
    """Exact coefficient of kinship of two cats (0 for unrelated founders)."""
    parents = _parents_map(cats)
    for cat_id in (first, second):
        if cat_id not in parents:
            raise PedigreeError(f"unknown id {cat_id!r}: not in the pedigree", cat_id)
    rank = _order(parents, parents)  # checks the whole pedigree for cycles
    return _Kinship(parents, rank)(first, second)


def coi_from_pedigree(
    cats: Iterable[Mapping[str, Any]] | Mapping[str, Any], sire_id: CatId, dam_id: CatId
) -> Fraction:
    """Wright's COI of a kitten of `sire_id` x `dam_id`: the exact kinship of its parents.

    `cats` is the contract's `{"cats": [{"id", "sire", "dam"}, ...]}`, its list, or a mapping
    `{id: {"sire": ..., "dam": ...}}`. Unknown ids and cycles raise PedigreeError.
    """
    if sire_id == dam_id:
        raise PedigreeError(f"sire and dam are the same cat {sire_id!r}", sire_id)
    return kinship(cats, sire_id, dam_id)


def inbreeding_coefficient(
    cats: Iterable[Mapping[str, Any]] | Mapping[str, Any], cat_id: CatId
) -> Fraction:
    """Wright's F of a cat in the pedigree: the kinship of its parents (0 if one is unknown)."""
    parents = _parents_map(cats)
    if cat_id not in parents:
        raise PedigreeError(f"unknown id {cat_id!r}: not in the pedigree", cat_id)
    sire, dam = parents[cat_id]
    rank = _order(parents, parents)
    if sire is None or dam is None:
        return Fraction(0)
    return _Kinship(parents, rank)(sire, dam)
