"""Benchmark: DP counts and sums by group — shuyu's path vs DuckDB, OpenDP directly and SmartNoise SQL.

    .venv/bin/python bench/dp/bench_dp.py --rows 10000000 --cells 10000
    .venv/bin/python bench/dp/bench_dp.py --rows 1000000 --cells 10000 --smartnoise-python /tmp/sn-venv/bin/python

One synthetic table `t(unit BIGINT, g VARCHAR, amount BIGINT)`: `rows` rows, `rows / 10` disclosure units
(10 rows each), `cells` declared group keys `g00000…`, amounts 0…5999 clamped to the declared [0, 5000].
Each release is a DP count and a DP sum per declared cell, each unit contributing at most k = 5 rows,
ε = 1 in total (pure DP, discrete Laplace where the library allows the choice). The data is generated
deterministically by DuckDB (no randomness) into a Parquet file under a temp folder that is deleted at
the end.

Cases (each in a fresh subprocess; the best of `--repeat` runs inside it is kept; peak RSS is the larger
of the process's and its children's `ru_maxrss`):

- `duckdb`: raw `SELECT g, count(*), sum(amount) … GROUP BY g` (no truncation, no noise) — the baseline;
- `duckdb_truncated`: the exact SQL our path runs (truncation to k rows per unit), no noise;
- `ours_inprocess`: `dp.parse_query` → `dp.plan` (fixed scales, privacy map) → that SQL in DuckDB →
  `dp.measurement` noise, all in this process;
- `ours_jail`: the same through `engine.run_dp` — a fresh bubblewrap jail per release (needs root);
- `opendp_context`: OpenDP 0.16's Context API over a Polars LazyFrame (identifier truncation, declared
  keys), which searches the noise scale on every release;
- `opendp_fixed`: OpenDP's `make_private_lazyframe` with the scale fixed once (no search);
- `smartnoise`: SmartNoise SQL (`snsql`) on PostgreSQL (its fastest supported engine here), private key
  `unit`, `max_ids` = k, `censor_dims` off (keys are public); the load into PostgreSQL is not timed.

OpenDP/Polars and SmartNoise need their own virtualenvs (`--opendp-python`, `--smartnoise-python`; see
README.md); a case whose interpreter is missing is skipped. This file imports only the standard library
at module level so any of the three interpreters can run its cases.
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
K = 5
EPSILON = 1.0
LOWER, UPPER = 0, 5000
RAW_SQL = "SELECT g, count(*) AS n, sum(amount) AS s FROM t GROUP BY g"


def keys(cells: int) -> list[str]:
    return [f"g{i:05d}" for i in range(cells)]


def make_data(folder: Path, rows: int, cells: int) -> Path:
    import duckdb

    path = folder / "t.parquet"
    units = max(1, rows // 10)
    con = duckdb.connect(":memory:")
    con.execute(
        f"""
        COPY (
          SELECT (i % {units})::BIGINT AS unit,
                 'g' || lpad(((i * 7919) % {cells})::VARCHAR, 5, '0') AS g,
                 ((i * 2654435761) % 6000)::BIGINT AS amount
          FROM range({rows}) r(i)
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


def _best(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - started)
    return best, out


# --- cases in the project's virtualenv ----------------------------------------------------------------


def _duckdb(path: Path):
    import duckdb

    con = duckdb.connect(":memory:", config={"threads": 2})
    con.execute(f"CREATE VIEW t AS SELECT * FROM read_parquet('{path}')")
    return con


def case_duckdb(path: Path, cells: int, repeat: int) -> dict:
    con = _duckdb(path)
    seconds, rows = _best(lambda: con.execute(RAW_SQL).fetchall(), repeat)
    return {"seconds": seconds, "cells": len(rows)}


def _query(cells: int):
    sys.path.insert(0, str(ROOT / "src"))
    from shuyu.sandbox import dp
    from shuyu.sandbox.schema import FieldSpec, FieldType, TableSpec

    table = TableSpec(
        "t",
        (
            FieldSpec("unit", FieldType.INTEGER),
            FieldSpec("g", FieldType.STRING),
            FieldSpec("amount", FieldType.INTEGER),
        ),
        unit="unit",
    )
    spec = {
        "table": "t",
        "statistic": "mean",  # one pass releasing a noised count and a noised sum per cell
        "measure": "amount",
        "group_by": ["g"],
        "keys": {"g": keys(cells)},
        "bounds": [LOWER, UPPER],
        "contributions": K,
        "epsilon": EPSILON,
    }
    return dp, lambda: dp.parse_query(spec, [table])


def case_duckdb_truncated(path: Path, cells: int, repeat: int) -> dict:
    dp, parse = _query(cells)
    con = _duckdb(path)
    sql = dp.aggregate_sql(parse())
    seconds, rows = _best(lambda: con.execute(sql).fetchall(), repeat)
    return {"seconds": seconds, "cells": len(rows)}


def case_ours_inprocess(path: Path, cells: int, repeat: int) -> dict:
    dp, parse = _query(cells)
    con = _duckdb(path)

    def release():
        q = parse()  # parse and plan on each release, as a job does
        plan = dp.plan(q)
        true = {tuple(r[:1]): (int(r[1]), int(r[2])) for r in con.execute(dp.aggregate_sql(q)).fetchall()}
        opendp = dp.opendp()
        jobs = []
        for part in plan.parts:  # as the jailed worker does: check each map, sample the parts side by side
            meas = dp.measurement(opendp, part.scale, part.mechanism, part.delta)
            eps, _ = dp.spent(meas, part.sensitivity)
            assert eps <= part.epsilon * (1 + 1e-9)
            index = 0 if part.name == "count" else 1
            jobs.append((part.name, meas, [true.get(c, (0, 0))[index] for c in q.cells]))
        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            noisy = dict(zip([j[0] for j in jobs], pool.map(lambda j: j[1](j[2]), jobs), strict=True))
        return dp.release_rows(q, noisy)[1]

    seconds, rows = _best(release, repeat)
    return {"seconds": seconds, "cells": len(rows)}


def case_ours_jail(path: Path, cells: int, repeat: int) -> dict:
    dp, parse = _query(cells)
    from shuyu.sandbox import engine, jail

    limits = jail.Limits(
        wall_seconds=600, cpu_seconds=1200, memory_bytes=8 * 1024**3, duckdb_memory="3GB", duckdb_threads=2,
        tmp_bytes=4 * 1024**3, output_bytes=256 * 1024**2, file_bytes=256 * 1024**2,
    )  # fmt: skip

    def release():
        q = parse()
        plan = dp.plan(q)
        noisy = engine.run_dp(
            dp.aggregate_sql(q),
            table=q.table,
            cells=q.cells,
            parts=[p.as_dict() for p in plan.parts],
            inputs={"t": path},
            limits=limits,
            workroot=path.parent,
        )
        return dp.release_rows(q, noisy)[1]

    seconds, rows = _best(release, repeat)
    return {"seconds": seconds, "cells": len(rows)}


# --- OpenDP directly (its own virtualenv: opendp[polars]==0.16.0) --------------------------------------


def _opendp_query(path: Path, cells: int, releases: int):
    import opendp.prelude as dp
    import polars as pl

    dp.enable_features("contrib")
    lf = pl.scan_parquet(path)
    # ε = 1 per release: the compositor holds as many releases as the case makes
    context = dp.Context.compositor(
        data=lf,
        privacy_unit=dp.unit_of(contributions=K, identifier="unit"),
        privacy_loss=dp.loss_of(epsilon=EPSILON * releases),
        split_evenly_over=releases,
        # a public bound on the rows per group (declared, as OpenDP requires for integer sums)
        margins=[dp.polars.Margin(by=["g"], max_length=10**9)],
    )
    key_frame = pl.DataFrame({"g": keys(cells)})
    query = (
        context.query()
        .truncate_per_group(K)
        .group_by("g")
        .agg(dp.len(), pl.col("amount").clip(LOWER, UPPER).fill_null(0).dp.sum((LOWER, UPPER)))
        .with_keys(key_frame)
    )
    return dp, lf, query


def case_opendp_context(path: Path, cells: int, repeat: int) -> dict:
    def release():  # a context, the query, the scale search, the release: what a Context API user runs
        return _opendp_query(path, cells, 1)[2].release().collect()

    seconds, frame = _best(release, repeat)
    return {"seconds": seconds, "cells": frame.height}


def case_opendp_fixed(path: Path, cells: int, repeat: int) -> dict:
    dp, lf, query = _opendp_query(path, cells, 1)
    inner = object.__getattribute__(query, "_query")
    plan = object.__getattribute__(query, "polars_plan")
    input_domain, input_metric = inner._chain

    def build(scale):
        return dp.m.make_private_lazyframe(
            input_domain, input_metric, dp.max_divergence(), lazyframe=plan, global_scale=scale
        )

    scale = dp.binary_search_param(build, inner._d_in, EPSILON, T=float)  # once, outside the timing

    def release():  # build with the fixed scale, check the privacy map, release
        meas = build(scale)
        assert meas.map(inner._d_in) <= EPSILON * (1 + 1e-9)
        return meas(lf).collect()

    seconds, frame = _best(release, repeat)
    return {"seconds": seconds, "cells": frame.height, "scale": scale}


# --- SmartNoise SQL (its own virtualenv, requirements-smartnoise.txt) ----------------------------------

SN_DSN = {"host": "127.0.0.1", "port": 5432, "user": "shuyu", "password": "shuyu", "dbname": "shuyu_dp_bench"}


def load_postgres(path: Path) -> float:
    """Load the Parquet file into PostgreSQL for SmartNoise (not timed as part of a release)."""
    import duckdb
    import psycopg2

    started = time.perf_counter()
    csv = path.parent / "t.csv"
    duckdb.connect(":memory:").execute(
        f"COPY (SELECT * FROM read_parquet('{path}')) TO '{csv}' (HEADER false)"
    )
    with psycopg2.connect(**SN_DSN) as conn, conn.cursor() as cur:
        cur.execute("DROP SCHEMA IF EXISTS bench CASCADE; CREATE SCHEMA bench")
        cur.execute("CREATE TABLE bench.t (unit BIGINT, g VARCHAR, amount BIGINT)")
        with open(csv, encoding="utf-8") as fh:
            cur.copy_expert("COPY bench.t FROM STDIN WITH (FORMAT csv)", fh)
        cur.execute("ANALYZE bench.t")
    csv.unlink()
    return time.perf_counter() - started


def case_smartnoise(path: Path, cells: int, repeat: int) -> dict:
    import psycopg2
    import snsql

    load = load_postgres(path)
    metadata = {
        "": {
            "bench": {
                "t": {
                    "max_ids": K,
                    "row_privacy": False,
                    "censor_dims": False,
                    "unit": {"type": "int", "private_id": True},
                    "g": {"type": "string"},
                    "amount": {"type": "int", "lower": LOWER, "upper": UPPER},
                }
            }
        }
    }
    conn = psycopg2.connect(**SN_DSN)
    reader = snsql.from_connection(
        conn, engine="postgres", metadata=metadata, privacy=snsql.Privacy(epsilon=EPSILON, delta=0.0)
    )
    sql = "SELECT g, COUNT(*) AS n, SUM(amount) AS s FROM bench.t GROUP BY g"
    seconds, rows = _best(lambda: reader.execute(sql), repeat)
    conn.close()
    with psycopg2.connect(**SN_DSN) as c2, c2.cursor() as cur:
        cur.execute("DROP SCHEMA bench CASCADE")
    return {"seconds": seconds, "cells": len(rows) - 1, "load_seconds": load}


CASES = {
    "duckdb": case_duckdb,
    "duckdb_truncated": case_duckdb_truncated,
    "ours_inprocess": case_ours_inprocess,
    "ours_jail": case_ours_jail,
    "opendp_context": case_opendp_context,
    "opendp_fixed": case_opendp_fixed,
    "smartnoise": case_smartnoise,
}
LABELS = {
    "duckdb": "raw DuckDB GROUP BY (no truncation, no noise)",
    "duckdb_truncated": "DuckDB, our truncated SQL (no noise)",
    "ours_inprocess": "**shuyu DP, in-process plan** (parse + plan + SQL + OpenDP noise)",
    "ours_jail": "**shuyu DP, `run_dp` in the jail** (fresh jail per release)",
    "opendp_context": "OpenDP Context API (Polars; scale searched per release)",
    "opendp_fixed": "OpenDP `make_private_lazyframe`, scale fixed once",
    "smartnoise": "SmartNoise SQL 1.0.10 on PostgreSQL 15",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--cells", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--opendp-python", default="/tmp/odp-venv/bin/python")
    parser.add_argument("--smartnoise-python", default="/tmp/sn-venv/bin/python")
    parser.add_argument("--only", help="comma-separated cases")
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument("--case")
    parser.add_argument("--data")
    args = parser.parse_args()
    if args.case:
        result = CASES[args.case](Path(args.data), args.cells, args.repeat)
        result["peak_mb"] = _peak_mb()
        print(json.dumps(result))
        return
    interpreter = {c: sys.executable for c in CASES}
    interpreter |= {"opendp_context": args.opendp_python, "opendp_fixed": args.opendp_python}
    interpreter |= {"smartnoise": args.smartnoise_python}
    wanted = args.only.split(",") if args.only else list(CASES)
    folder = Path(tempfile.mkdtemp(prefix="shuyu-bench-dp-"))
    os.chmod(folder, 0o755)
    results: dict[str, dict] = {}
    try:
        started = time.perf_counter()
        path = make_data(folder, args.rows, args.cells)
        print(
            f"data: {args.rows:,} rows, {args.cells:,} cells, {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        for case in wanted:
            if not Path(interpreter[case]).exists():
                results[case] = {"skipped": f"no interpreter {interpreter[case]}"}
                continue
            proc = subprocess.run(
                [interpreter[case], __file__, "--case", case, "--data", str(path), "--cells", str(args.cells),
                 "--repeat", str(args.repeat)],
                capture_output=True, text=True, cwd=ROOT,
                env={**os.environ, "DJANGO_SETTINGS_MODULE": "shuyu.settings"},
            )  # fmt: skip
            if proc.returncode != 0:
                results[case] = {"failed": proc.stderr.strip().splitlines()[-1][:300]}
            else:
                results[case] = json.loads(proc.stdout.strip().splitlines()[-1])
            print(case, json.dumps(results[case]), flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    base = results.get("duckdb", {}).get("seconds")
    print(f"\nrows={args.rows:,} cells={args.cells:,} k={K} ε={EPSILON} repeat={args.repeat}")
    print("| case | seconds | × raw DuckDB | peak RSS (MB) |")
    print("|---|---|---|---|")
    for case in wanted:
        r = results[case]
        if "seconds" not in r:
            print(f"| {LABELS[case]} | {r.get('skipped') or r.get('failed')} | | |")
            continue
        ratio = f"{r['seconds'] / base:.2f}×" if base else ""
        print(f"| {LABELS[case]} | {r['seconds']:.3f} | {ratio} | {r['peak_mb']:.0f} |")
    if args.json:
        Path(args.json).write_text(
            json.dumps({"rows": args.rows, "cells": args.cells, "k": K, "results": results}, indent=1)
        )


if __name__ == "__main__":
    main()
