"""Differencing and trackers across releases (R19.2). Pure: the history is passed in.

A released cell is remembered by its population: the set of keyed hashes of its contributors (never
the identifiers), per resource, across all of an operator's work. Two checks run on every new output:

- differencing: a new population nested in a released one (or the reverse) whose difference has fewer
  than `threshold` contributors discloses that small group (two counts that differ by one person);
- tracker: several allowed queries combined. The populations cut the contributors into atoms (sets with
  the same membership in every released cell); the released counts are linear equations over the atoms'
  sizes. An atom whose size is fixed by those equations — its indicator vector lies in the row space —
  is disclosed; if it has fewer than `threshold` contributors the new output is blocked. This catches
  e.g. |A ∧ B| = |A| + |B| − |A ∨ B| where each of the three counts is large.

`ReleaseHistory` is the storage seam: `InMemoryReleaseHistory` here, a database-backed one with the
workspace models later (the same interface).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol

from . import populations as store
from .populations import PopulationSource
from .rules import Reason, Verdict

MAX_TRACKER_CELLS = 2_000  # past this many overlapping cells the exact check is skipped → review


@dataclass(frozen=True)
class Population:
    """The contributors of one released (or candidate) cell of one resource.

    Either `members` (in memory: tests, small cells, older releases) or `source`, a (file, pop) in the
    domain's population store (`populations`), with its `size`; the sets are loaded only when needed.
    """

    resource: str
    label: str  # e.g. "job 12 / row 3 / count" — for reviewers; no data values
    members: frozenset[int] | None = None
    size: int = -1
    source: PopulationSource | None = None

    def __post_init__(self) -> None:
        if self.members is not None:
            object.__setattr__(self, "size", len(self.members))
        elif self.source is None or self.size < 0:
            raise ValueError("a population needs its members, or a file and a size")


class ReleaseHistory(Protocol):
    def populations(self, resource: str) -> Sequence[Population]: ...

    def record(self, populations: Sequence[Population]) -> None: ...


class InMemoryReleaseHistory:
    """Release history kept in memory (tests, benchmarks); the persistent one has the same interface."""

    def __init__(self) -> None:
        self._by_resource: dict[str, list[Population]] = defaultdict(list)

    def populations(self, resource: str) -> Sequence[Population]:
        return tuple(self._by_resource[resource])

    def record(self, populations: Sequence[Population]) -> None:
        for p in populations:
            self._by_resource[p.resource].append(p)


def check_differencing(
    new: Sequence[Population],
    history: ReleaseHistory,
    threshold: int,
    *,
    cell_of: dict[str, int] | None = None,
) -> list[Reason]:
    """Pairwise: nested populations whose difference is a small group (R19.2).

    Sizes first: a nested difference is exactly ||P| − |Q||, so a pair whose sizes are equal or differ
    by `threshold` or more cannot isolate a small group and its sets are never loaded.
    """
    reasons: list[Reason] = []
    loaded = _Loader()
    by_resource: dict[str, list[Population]] = defaultdict(list)
    for p in new:
        by_resource[p.resource].append(p)
    for resource, candidates in by_resource.items():
        earlier = list(history.populations(resource))
        for i, c in enumerate(candidates):
            for p in earlier + candidates[:i]:
                if not 0 < abs(c.size - p.size) < threshold:
                    continue  # nested or not, the difference could not be a small group
                small = _nested_difference(loaded(c), loaded(p))
                if small is not None and 0 < small < threshold:
                    reasons.append(
                        Reason(
                            "R19.2",
                            "differencing",
                            Verdict.BLOCK,
                            f"与已发布（或同批）结果相减可得到 {small} 个贡献者的信息，少于 {threshold}",
                            f"subtracting an earlier (or sibling) release isolates {small} contributors, "
                            f"fewer than {threshold}",
                            cell=(cell_of or {}).get(c.label),
                            measure=None,
                            facts={"difference": small, "threshold": threshold},
                        )
                    )
                    break
    return reasons


class _Loader:
    """Members of a population, loaded from its file at most once per check."""

    def __init__(self) -> None:
        self._cache: dict[PopulationSource, frozenset[int]] = {}

    def __call__(self, p: Population) -> frozenset[int]:
        if p.members is not None:
            return p.members
        assert p.source is not None
        if p.source not in self._cache:
            self._cache[p.source] = store.load_members(p.source)
        return self._cache[p.source]


def _nested_difference(a: frozenset[int], b: frozenset[int]) -> int | None:
    if a <= b:
        return len(b) - len(a)
    if b <= a:
        return len(a) - len(b)
    return None


def check_tracker(
    new: Sequence[Population],
    history: ReleaseHistory,
    threshold: int,
    *,
    cell_of: dict[str, int] | None = None,
) -> list[Reason]:
    """Several releases combined: is any small atom's size fixed by the released counts? (R19.2)"""
    reasons: list[Reason] = []
    by_resource: dict[str, list[Population]] = defaultdict(list)
    for p in new:
        by_resource[p.resource].append(p)
    for resource, candidates in by_resource.items():
        cells = [p for p in [*history.populations(resource), *candidates] if p.size > 0]
        if len(cells) > MAX_TRACKER_CELLS:
            reasons.append(
                Reason(
                    "R19.2",
                    "tracker_unchecked",
                    Verdict.REVIEW,
                    "发布历史过长，无法自动完成组合查询检查，需人工审查",
                    "the release history is too long for the automatic tracker check; it needs review",
                )
            )
            continue
        if all(p.members is not None for p in cells):
            small = _disclosed_small_atom([p.members for p in cells], threshold)
        else:
            small = _small_atom_of(_atoms_in_store(cells), threshold)
        if small is not None:
            reasons.append(
                Reason(
                    "R19.2",
                    "tracker",
                    Verdict.BLOCK,
                    f"与已发布结果组合可推算出 {small} 个贡献者的信息，少于 {threshold}",
                    f"combined with earlier releases this output determines a group of {small} contributors, "
                    f"fewer than {threshold}",
                    facts={"group": small, "threshold": threshold},
                )
            )
    return reasons


def _disclosed_small_atom(cells: list[frozenset[int]], threshold: int) -> int | None:
    """Size of a small atom whose size the released counts determine, or None (sets in memory)."""
    signature: dict[int, list[int]] = defaultdict(list)
    for i, members in enumerate(cells):
        for m in members:
            signature[m].append(i)
    atoms: dict[tuple[int, ...], int] = defaultdict(int)
    for sig in signature.values():
        atoms[tuple(sig)] += 1
    return _small_atom_of(dict(atoms), threshold)


def _atoms_in_store(cells: list[Population]) -> dict[tuple[int, ...], int]:
    """The same atoms, counted by DuckDB over the population files (and any sets in memory)."""
    index: dict[PopulationSource, int] = {}
    members: list[frozenset[int] | None] = []
    sources: list[PopulationSource | None] = []
    of_cell: list[int] = []
    for p in cells:
        if p.source is not None and p.members is None:
            if p.source not in index:  # one file entry read once, however many labels point at it
                index[p.source] = len(members)
                members.append(None)
                sources.append(p.source)
            of_cell.append(index[p.source])
        else:
            of_cell.append(len(members))
            members.append(p.members)
            sources.append(None)
    found = store.atoms(members, sources)
    holders: dict[int, list[int]] = defaultdict(list)
    for i, g in enumerate(of_cell):
        holders[g].append(i)
    atoms: dict[tuple[int, ...], int] = defaultdict(int)
    for sig, size in found.items():
        atoms[tuple(sorted(i for g in sig for i in holders[g]))] += size
    return dict(atoms)


def _small_atom_of(atoms: dict[tuple[int, ...], int], threshold: int) -> int | None:
    """Given the atoms (signature → size) of the released cells, a small atom whose size is determined.

    Cells with the same population add no equation: identical populations are the cells holding
    exactly the same atoms, and are merged first. If what is left is disjoint, the atoms are the
    populations themselves, each determined by its own count: the threshold rule already judged them.
    """
    held: dict[int, set[tuple[int, ...]]] = defaultdict(set)
    for sig in atoms:
        for i in sig:
            held[i].add(sig)
    first: dict[frozenset[tuple[int, ...]], int] = {}
    same = {i: first.setdefault(frozenset(sigs), i) for i, sigs in sorted(held.items())}
    merged: dict[tuple[int, ...], int] = defaultdict(int)
    for sig, size in atoms.items():
        merged[tuple(sorted({same[i] for i in sig}))] += size
    if all(len(sig) == 1 for sig in merged):
        return None
    small = sorted((size, sig) for sig, size in merged.items() if 0 < size < threshold)  # smallest first
    if not small:
        return None
    order = list(merged)
    index = {sig: j for j, sig in enumerate(order)}
    rows = []
    for i in sorted(set(same.values())):
        row = [Fraction(0)] * len(order)
        for sig in order:
            if i in sig:
                row[index[sig]] = Fraction(1)
        rows.append(row)
    basis = _rref(rows)
    for size, sig in small:
        if _in_row_space(basis, index[sig], len(order)):
            return size
    return None


def _rref(rows: list[list[Fraction]]) -> list[tuple[int, list[Fraction]]]:
    """Reduced row echelon form as (pivot column, row) pairs."""
    basis: list[tuple[int, list[Fraction]]] = []
    for row in rows:
        vec = row[:]
        for pivot, brow in basis:
            if vec[pivot]:
                factor = vec[pivot]
                vec = [a - factor * b for a, b in zip(vec, brow, strict=True)]
        lead = next((j for j, v in enumerate(vec) if v), None)
        if lead is None:
            continue
        scale = vec[lead]
        vec = [v / scale for v in vec]
        new_basis = []
        for pivot, brow in basis:
            if brow[lead]:
                factor = brow[lead]
                brow = [a - factor * b for a, b in zip(brow, vec, strict=True)]
            new_basis.append((pivot, brow))
        new_basis.append((lead, vec))
        basis = new_basis
    return basis


def _in_row_space(basis: list[tuple[int, list[Fraction]]], column: int, width: int) -> bool:
    vec = [Fraction(0)] * width
    vec[column] = Fraction(1)
    for pivot, brow in basis:
        if vec[pivot]:
            factor = vec[pivot]
            vec = [a - factor * b for a, b in zip(vec, brow, strict=True)]
    return not any(vec)
