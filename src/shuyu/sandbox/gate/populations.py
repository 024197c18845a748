"""Populations kept in the domain as Parquet files, and the set arithmetic on them in DuckDB (R19.2).

The gate's jailed statistics run writes each cell's contributors (keyed 64-bit hashes, never
identifiers) as rows (pop, member) of a Parquet file; the file is moved under the data directory (never
served, readable by the host only) and a `Population` points at (file, pop). Nothing ships a million
hashes through JSON or Python sets: the differencing check compares sizes first (|P Δ Q| ≥ ||P| − |Q||,
so only populations whose sizes differ by less than the threshold are ever loaded), and the tracker's
atoms (contributors with the same membership in every released cell) are counted by DuckDB.

`project_units` writes the gate's keyed projection: the granted fields plus `__unit`, the same keyed
hash the statistics would compute inline (`rewrite.unit_key_sql`), so the per-contributor grouping
reads a 64-bit integer instead of hashing a string per row. It is a pseudonymous identifier: only the
gate's statistics statements read it (`__u_<table>` in the jail); operators' SQL and Python never do.
"""

from __future__ import annotations

import os
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..schema import TableSpec
from .rewrite import UNIT_COLUMN, unit_key_sql

PopulationSource = tuple[str, int]  # (absolute path of a population file, pop id in it)


def _connect(folders: Iterable[Path]):
    import duckdb

    con = duckdb.connect(
        ":memory:", config={"autoload_known_extensions": False, "autoinstall_known_extensions": False}
    )
    allowed = sorted({str(Path(f).resolve()).rstrip("/") + "/" for f in folders})
    if allowed:
        con.execute("SET allowed_directories = ?", [allowed])
    con.execute("SET enable_external_access = false")  # untrusted files: read them, nothing else
    con.execute("SET lock_configuration = true")
    return con


def save(data: bytes, folder: Path) -> Path:
    """Store one population file from the jail (bytes, untrusted) under `folder`, host-readable only."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"{secrets.token_hex(12)}.parquet"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return path


def readable(path: Path) -> bool:
    """True if the file is a population file DuckDB can read: (pop integer, member unsigned 64-bit)."""
    try:
        con = _connect([path.parent])
        try:
            cols = con.execute("DESCRIBE SELECT pop, member FROM read_parquet(?)", [str(path)]).fetchall()
        finally:
            con.close()
    except Exception:  # noqa: BLE001 — a malformed or foreign file: its populations are unknown
        return False
    return [(c[0], c[1]) for c in cols] == [("pop", "BIGINT"), ("member", "UBIGINT")] or [
        (c[0], c[1]) for c in cols
    ] == [("pop", "INTEGER"), ("member", "UBIGINT")]


def load_members(source: PopulationSource) -> frozenset[int]:
    path, pop = source
    con = _connect([Path(path).parent])
    try:
        rows = con.execute("SELECT member FROM read_parquet(?) WHERE pop = ?", [path, int(pop)]).fetchall()
    finally:
        con.close()
    return frozenset(int(r[0]) for r in rows)


def atoms(
    members: Sequence[frozenset[int] | None], sources: Sequence[PopulationSource | None]
) -> dict[tuple[int, ...], int]:
    """Atom sizes by signature (the sorted indices of the populations holding its contributors).

    Population i is `members[i]` if given, else the rows of `sources[i]`.
    """
    files: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for i, (m, s) in enumerate(zip(members, sources, strict=True)):
        if m is None:
            if s is None:
                raise ValueError("a population without members or a file")
            files[s[0]].append((int(s[1]), i))
    con = _connect([Path(f).parent for f in files])
    try:
        con.execute("CREATE TEMP TABLE u (gid INTEGER, member UBIGINT)")
        for i, m in enumerate(members):
            if m:
                con.execute("INSERT INTO u SELECT ?, unnest(?::UBIGINT[])", [i, sorted(m)])
        for path, pairs in files.items():
            con.execute(
                "INSERT INTO u SELECT m.gid, f.member FROM read_parquet(?) f "
                "JOIN (SELECT unnest(?::BIGINT[]) AS pop, unnest(?::INTEGER[]) AS gid) m ON f.pop = m.pop",
                [path, [p for p, _ in pairs], [g for _, g in pairs]],
            )
        # a file holds each (pop, member) once and so does a set: a member's rows are distinct gids
        shared = con.execute(
            "SELECT count(*) FROM (SELECT member FROM u GROUP BY member HAVING count(*) > 1)"
        ).fetchone()[0]
        if shared == 0:  # no contributor in two populations: each population is its own atom
            rows = con.execute("SELECT [gid], count(*) FROM u GROUP BY gid").fetchall()
        else:
            rows = con.execute(
                "SELECT sig, count(*) FROM (SELECT list(gid ORDER BY gid) AS sig FROM u GROUP BY member) "
                "GROUP BY sig"
            ).fetchall()
        if any(len(set(sig)) != len(sig) for sig, _ in rows):
            raise ValueError("a population file lists a contributor twice")
    finally:
        con.close()
    return {tuple(int(g) for g in sig): int(n) for sig, n in rows}


def project_units(source: Path | Sequence[Path], spec: TableSpec, salt: str, dest: Path) -> Path:
    """The gate's keyed projection of `source`: granted fields and `__unit` (host side, jail-readable)."""
    import duckdb

    from .. import jail

    if spec.unit is None:
        raise ValueError("a table without a disclosure unit has no keyed projection")
    fields = ", ".join(f'"{f.name}"' for f in spec.fields)  # names validated by FieldSpec
    key = unit_key_sql(f'"{spec.unit}"', salt)
    dest.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(
        ":memory:", config={"autoload_known_extensions": False, "autoinstall_known_extensions": False}
    )
    partial = dest.with_name(f".{dest.name}.{secrets.token_hex(8)}.partial")
    if "'" in str(partial) or "\x00" in str(partial):
        raise ValueError("unsafe path")
    try:
        con.execute(
            f"COPY (SELECT {fields}, {key} AS {UNIT_COLUMN} FROM read_parquet(?)) "
            f"TO '{partial}' (FORMAT parquet)",
            [str(source) if isinstance(source, str | Path) else [str(p) for p in source]],
        )
        jail.restrict_to_jail(partial)
        os.replace(partial, dest)
    finally:
        con.close()
        partial.unlink(missing_ok=True)
    return dest
