"""Benchmark: loading a CSV into the vault (with validation) vs DuckDB's own read_csv → Parquet.

    SHUYU_DATA_DIR=/tmp/bench-var python bench/catalog/ingest.py --rows 10000000

Each measurement runs in its own process so its peak memory (ru_maxrss) is its own. Both sides write
zstd Parquet of the same file; ours adds header mapping, typed columns with reject tracking, key uniqueness,
the SHA-256 of the part and (for GBK) the streaming transcoding. The quality pass (`quality.measure`) is
timed separately because it is a second read of the vault, not part of the load.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _child(kind: str, path: str, out: str, memory: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuyu.settings")
    import django

    django.setup()
    import duckdb

    from shuyu.catalog import quality, synthetic, vault

    spec = synthetic.SPECS["hrss"]
    columns = [
        vault.ColumnSpec(
            name=f.name, label=f.label, type=f.type, scale=f.scale, required=f.required, is_key=f.is_key
        )
        for f in spec.fields
    ]
    phases = {}
    if kind.startswith("shuyu"):
        # Time the transcoding step on its own (GBK only); the rest of the load is DuckDB and the checks.
        if kind == "shuyu-1":
            vault.TRANSCODE_PARTS = 1  # one thread
        if kind == "shuyu-2":
            vault.TRANSCODE_PARTS = 2  # two threads, whatever the core count
        if kind == "shuyu-py":
            vault.TRANSCODE_PARTS, vault._Iconv.enabled = 1, False  # Python's codec, one thread
        inner = vault._transcode

        def timed(*args, **kw):
            t0 = time.perf_counter()
            try:
                return inner(*args, **kw)
            finally:
                phases["transcode"] = round(time.perf_counter() - t0, 2)

        vault._transcode = timed
    t = time.perf_counter()
    if kind == "duckdb":
        con = duckdb.connect(config={"memory_limit": memory})
        con.execute(f"COPY (SELECT * FROM read_csv('{path}')) TO '{out}' (FORMAT parquet, COMPRESSION zstd)")
        rows = con.execute(f"SELECT count(*) FROM '{out}'").fetchone()[0]
    elif kind == "quality":
        part = vault.load(source=Path(path), resource_code="BENCH", columns=columns, memory_limit=memory)
        t = time.perf_counter()
        fields = [
            quality.FieldInfo(f.name, f.type, f.format, tuple(f.code_list), f.is_key) for f in spec.fields
        ]
        counts = quality.measure([str(vault.absolute(part.path))], fields, list(spec.consistency), memory)
        rows = counts["rows"]
    else:
        part = vault.load(source=Path(path), resource_code="BENCH", columns=columns, memory_limit=memory)
        rows = part.rows
    seconds = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = {"kind": kind, "rows": rows, "seconds": round(seconds, 2), "peak_mb": round(peak)}
    print(json.dumps(out | phases))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=10_000_000)
    p.add_argument("--memory", default="1GB")
    p.add_argument("--child", nargs=3)
    p.add_argument("--generate", nargs=3)
    p.add_argument("--encodings", default="utf-8,gbk", help="comma-separated: utf-8, gbk")
    p.add_argument(
        "--gbk-kinds",
        default="shuyu",
        help="comma-separated: shuyu (parallel iconv), shuyu-1 (one thread), shuyu-2 (two threads), shuyu-py (Python's codec)",
    )
    p.add_argument("--no-quality", action="store_true", help="skip the separate quality pass")
    p.add_argument("--repeat", type=int, default=1, help="rounds over all cases (interleaved)")
    a = p.parse_args()
    if a.child:
        _child(*a.child, a.memory)
        return
    if a.generate:
        from shuyu.catalog import synthetic

        synthetic.write_csv("hrss", Path(a.generate[0]), rows=int(a.generate[1]), encoding=a.generate[2])
        return
    # The parent stays small: Linux keeps ru_maxrss across fork/exec, so generating here would leak the
    # generator's peak into every child's figure.
    tmp = Path(tempfile.mkdtemp(prefix="shuyu-bench-"))
    results = []
    files = {}
    for enc in a.encodings.split(","):
        t = time.perf_counter()
        files[enc] = tmp / f"hrss-{enc}.csv"
        subprocess.run(
            [sys.executable, __file__, "--generate", str(files[enc]), str(a.rows), enc], check=True
        )
        size = files[enc].stat().st_size / 2**20
        print(f"# generated {a.rows} rows {enc} {size:.0f} MiB in {time.perf_counter() - t:.1f}s", flush=True)
    # Rounds interleave the cases, so a shared machine's load changes hit them alike.
    try:
        for rnd in range(1, a.repeat + 1):
            for enc, csv in files.items():
                kinds = ["duckdb", "shuyu"] + ([] if a.no_quality else ["quality"])
                if enc != "utf-8":
                    kinds = a.gbk_kinds.split(",")
                for kind in kinds:
                    r = _run_child(a, kind, csv, tmp) | {"encoding": enc, "round": rnd}
                    r["mib"] = round(csv.stat().st_size / 2**20)
                    r["rows_per_s"] = round(r["rows"] / r["seconds"])
                    r["load_avg"] = round(os.getloadavg()[0], 1)
                    results.append(r)
                    print(json.dumps(r), flush=True)
    finally:
        for csv in files.values():
            csv.unlink(missing_ok=True)
        for p in tmp.glob("*.parquet"):
            p.unlink()
        tmp.rmdir()
    for rnd in range(1, a.repeat + 1):
        base = next((r for r in results if r["kind"] == "duckdb" and r["round"] == rnd), None)
        for r in results:
            if base and r["round"] == rnd and r["kind"].startswith("shuyu"):
                print(
                    f"# round {rnd}: {r['kind']}/{r['encoding']} vs duckdb alone: "
                    f"{r['seconds'] / base['seconds']:.2f}x"
                )


def _run_child(a, kind: str, csv: Path, tmp: Path) -> dict:
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--memory",
            a.memory,
            "--child",
            kind,
            str(csv),
            str(tmp / f"{kind}.parquet"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
