"""Benchmark: a GROUP BY through policy + jail + gate vs the same query in DuckDB alone; jail start-up.

The gated case reads the gate's keyed projection (made once, timed separately as `project`); `inline`
is the same gate hashing the disclosure unit per row (what a CTE that renames the unit falls back to).

    .venv/bin/python bench/sandbox/groupby.py --rows 10000000 --persons 1000000

Each case runs in a fresh subprocess so that its peak memory (ru_maxrss of the process and its children)
is its own. Needs root (the jail drops to a fresh uid). Prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUERY = "select region, count(*) n, sum(income) s, avg(income) a from persons group by region order by region"


def make_data(folder: Path, rows: int, persons: int) -> Path:
    import duckdb

    path = folder / "persons.parquet"
    if path.exists():
        return path
    con = duckdb.connect(":memory:")
    con.execute(
        f"""
        COPY (
          SELECT printf('5101041990%08d', i % {persons}) AS id_no,
                 'n' || (i % {persons}) AS name,
                 ['510104','510105','510106','510107','510108','510112','510113','510114','510115','510116',
                  '510117','510121','510181','510302','510402','510502','510603','510703','510802','511002']
                   [((i % {persons}) % 20) + 1] AS region,
                 18 + (i % 60) AS age,
                 DATE '1960-01-01' + ((i % {persons}) % 20000)::INTEGER AS born_on,
                 ((hash(i) % 1000000) / 100)::DECIMAL(18,2) AS income,
                 ['agri','industry','services'][(i % 3) + 1] AS sector
          FROM range({rows}) t(i)
        ) TO '{path}' (FORMAT parquet)
        """
    )
    con.close()
    os.chmod(path, 0o644)
    return path


def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def case_duckdb(path: Path) -> dict:
    import duckdb

    con = duckdb.connect(":memory:", config={"threads": 2})
    sql = QUERY.replace("from persons", f"from read_parquet('{path}') persons")
    started = time.perf_counter()
    rows = con.execute(sql).fetchall()
    return {"seconds": time.perf_counter() - started, "rows": len(rows), "peak_mb": _peak_mb()}


SALT = "ab" * 16


def keyed_path(path: Path) -> Path:
    """The gate's keyed projection (made once per resource version and operator key, then cached)."""
    return path.with_name("persons.units.parquet")


def case_project(path: Path) -> dict:
    sys.path.insert(0, str(ROOT / "src"))
    from shuyu.sandbox.gate.populations import project_units
    from shuyu.sandbox.tests.factories import PERSONS

    dest = keyed_path(path)
    dest.unlink(missing_ok=True)
    started = time.perf_counter()
    project_units(path, PERSONS, SALT, dest)
    os.chmod(dest, 0o644)
    return {"seconds": time.perf_counter() - started, "peak_mb": _peak_mb()}


def case_gated(path: Path, workroot: Path, keyed: bool = True) -> dict:
    sys.path.insert(0, str(ROOT / "src"))
    from shuyu.sandbox import jail
    from shuyu.sandbox.gate import GateSettings, InMemoryReleaseHistory, gate_sql
    from shuyu.sandbox.sqlpolicy import check_sql
    from shuyu.sandbox.tests.factories import PERSONS

    limits = jail.Limits(
        wall_seconds=600, cpu_seconds=1200, memory_bytes=8 * 1024**3, duckdb_memory="3GB", duckdb_threads=2,
        tmp_bytes=2 * 1024**3, output_bytes=256 * 1024**2, file_bytes=256 * 1024**2,
    )  # fmt: skip
    started = time.perf_counter()
    checked = check_sql(QUERY, [PERSONS])
    policy = time.perf_counter() - started
    outcome = gate_sql(
        checked,
        inputs={"persons": path},
        limits=limits,
        settings=GateSettings(population_cap=10_000_000),
        history=InMemoryReleaseHistory(),
        salt=SALT,
        resource_of={"persons": "R-PERSONS"},
        label="bench",
        workroot=workroot,
        keyed_inputs={"persons": keyed_path(path)} if keyed else None,
    )
    elapsed = time.perf_counter() - started
    for f in outcome.files:
        f.unlink(missing_ok=True)
    return {
        "seconds": elapsed,
        "policy_seconds": policy,
        "rows": len(outcome.rows),
        "verdict": outcome.verdict.label,
        "peak_mb": _peak_mb(),
    }


def case_startup(workroot: Path, repeat: int = 10) -> dict:
    sys.path.insert(0, str(ROOT / "src"))
    from shuyu.sandbox import engine, jail

    plain = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        plain.append(time.perf_counter() - started)
    jailed = []
    for _ in range(repeat):
        started = time.perf_counter()
        run, _ = engine.run_python(b"pass", inputs={}, limits=jail.Limits(), workroot=workroot)
        assert run.status == "ok"
        jailed.append(time.perf_counter() - started)
    plain.sort()
    jailed.sort()
    return {"plain": plain[repeat // 2], "jailed": jailed[repeat // 2], "peak_mb": _peak_mb()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--case")
    parser.add_argument("--data")
    args = parser.parse_args()
    if args.case:
        workroot = Path(args.data).parent
        path = Path(args.data)
        result = {
            "duckdb": lambda: case_duckdb(path),
            "gated": lambda: case_gated(path, workroot),
            "inline": lambda: case_gated(path, workroot, keyed=False),
            "project": lambda: case_project(path),
            "startup": lambda: case_startup(workroot),
        }[args.case]()
        print(json.dumps(result))
        return
    folder = Path(tempfile.mkdtemp(prefix="shuyu-bench-sandbox-"))
    os.chmod(folder, 0o755)
    path = make_data(folder, args.rows, args.persons)
    results = {}
    for case in ("project", "duckdb", "gated", "inline", "duckdb", "gated", "inline", "startup"):
        out = subprocess.run(
            [sys.executable, __file__, "--case", case, "--data", str(path)],
            check=True, capture_output=True, text=True, cwd=ROOT,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "shuyu.settings"},
        ).stdout  # fmt: skip
        results[case] = json.loads(out.strip().splitlines()[-1])  # the second run of each is kept
    d, g, s = results["duckdb"], results["gated"], results["startup"]
    i, p = results["inline"], results["project"]
    print(f"rows={args.rows:,} persons={args.persons:,} cells={g['rows']} verdict={g['verdict']}")
    print("| case | seconds | peak RSS (MB) |")
    print("|---|---|---|")
    print(f"| DuckDB alone (host, 2 threads) | {d['seconds']:.3f} | {d['peak_mb']:.0f} |")
    print(
        f"| policy + jail + gate rewrite + rules (2 threads) | {g['seconds']:.3f} "
        f"(policy {g['policy_seconds']:.3f}) | {g['peak_mb']:.0f} |"
    )
    print(f"| ratio gated / DuckDB | {g['seconds'] / d['seconds']:.2f}× | |")
    print(
        f"| the same without the keyed projection (hash per row) | {i['seconds']:.3f} | {i['peak_mb']:.0f} |"
    )
    print(f"| ratio without the keyed projection | {i['seconds'] / d['seconds']:.2f}× | |")
    print(
        f"| keyed projection, once per version and operator key | {p['seconds']:.3f} | {p['peak_mb']:.0f} |"
    )
    print(f"| `python -c pass` (median of 10) | {s['plain']:.3f} | |")
    print(f"| jailed Python job `pass` (median of 10) | {s['jailed']:.3f} | {s['peak_mb']:.0f} |")
    print(f"| jail start-up overhead | {s['jailed'] - s['plain']:.3f} | |")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
