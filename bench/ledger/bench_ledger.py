"""Ledger benchmark: appends/s (single and batched), proof times at 10k vs N entries, full verify of N
entries, all against a plain SHA-256 hash chain over the same entries in the same run.

    SHUYU_DATA_DIR=/tmp/ledger-bench python bench/ledger/bench_ledger.py --size 1000000
    SHUYU_DATABASE_URL=postgres://shuyu:shuyu@127.0.0.1:5432/ledger_bench python bench/ledger/bench_ledger.py

It creates (and on SQLite deletes first) its own database: never point it at a database you care about.
Not a test: it asserts nothing about time; it prints what it measured (also as JSON with --json).
"""

import argparse
import hashlib
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path


def _setup(fresh: bool) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuyu.settings")
    os.environ.setdefault("SHUYU_DATA_DIR", "/tmp/ledger-bench")
    if "SHUYU_DATABASE_URL" not in os.environ:
        db = Path(os.environ["SHUYU_DATA_DIR"]) / "bench.sqlite3"
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
        os.environ["SHUYU_DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("SHUYU_LEDGER_KEY", str(Path(os.environ["SHUYU_DATA_DIR"]) / "bench_key.pem"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if fresh and connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("DROP TABLE IF EXISTS bench_chain")
            for t in ("ledger_ledgerentry", "ledger_ledgernode", "ledger_ledgerhead", "ledger_checkpoint"):
                c.execute(f"DROP TABLE IF EXISTS {t} CASCADE")
            if _has_table(c, "django_migrations"):
                c.execute("DELETE FROM django_migrations WHERE app = 'ledger'")
    call_command("migrate", "ledger", verbosity=0)


def _has_table(cursor, name: str) -> bool:
    from django.db import connection

    return name in connection.introspection.table_names(cursor)


def _items(start: int, n: int):
    # A realistic payload: ~120 bytes of canonical JSON, a subject per 10 entries.
    return [
        (
            "authorization.agreement.signed",
            ("authorization.agreement", (start + i) // 10),
            {"plan": start + i, "term": ["2026-01-01", "2030-12-31"], "scope": [1, 2, 3], "note": "基准测试"},
        )
        for i in range(n)
    ]


ACTOR = None


def _actor():
    global ACTOR
    if ACTOR is None:
        from shuyu.core.actors import Actor
        from shuyu.core.roles import Role

        ACTOR = Actor(person_id=7, org_id=3, roles=frozenset({Role.IMPLEMENTING_AGENCY}), name="bench")
    return ACTOR


def fill_ledger(target: int, batch: int) -> float:
    """Batched appends up to `target` entries; returns entries/s."""
    from django.db import transaction

    from shuyu import ledger

    n0 = ledger.size()
    t = time.perf_counter()
    while (n := ledger.size()) < target:
        with transaction.atomic():
            ledger.append_many(_actor(), _items(n, min(batch, target - n)))
    dt = time.perf_counter() - t
    return (target - n0) / dt if target > n0 else float("nan")


def single_appends(count: int) -> float:
    """One append per transaction, as a service does it; returns appends/s."""
    from django.db import transaction

    from shuyu import ledger

    t = time.perf_counter()
    for i in range(count):
        with transaction.atomic():
            ledger.append(
                _actor(), "authorization.agreement.signed", ("authorization.agreement", i), {"i": i}
            )
    return count / (time.perf_counter() - t)


def proof_times(samples: int) -> dict:
    """Median and p95 in ms of inclusion and consistency proofs, including the database reads."""
    from shuyu import ledger
    from shuyu.ledger import services

    n = ledger.size()
    rnd = random.Random(n)
    inc, con = [], []
    for _ in range(samples):
        seq = rnd.randrange(n)
        t = time.perf_counter()
        services.inclusion_proof(seq=seq, tree_size=n)
        inc.append((time.perf_counter() - t) * 1000)
        old = rnd.randrange(1, n)
        t = time.perf_counter()
        services.consistency_proof(old_size=old, tree_size=n)
        con.append((time.perf_counter() - t) * 1000)

    def summary(xs):
        xs = sorted(xs)
        return {"median_ms": round(statistics.median(xs), 3), "p95_ms": round(xs[int(len(xs) * 0.95) - 1], 3)}

    return {"size": n, "inclusion": summary(inc), "consistency": summary(con)}


def verify_all() -> tuple[float, bool]:
    from shuyu.ledger import services

    t = time.perf_counter()
    report = services.verify_store()
    return time.perf_counter() - t, report.ok


# --- the baseline: a plain SHA-256 hash chain over the same entries ------------------------------
def chain_fill(target: int, batch: int) -> float:
    """Same entry construction and same row insert as the ledger, but `chain = SHA-256(prev || leaf)`."""
    from django.db import connection, transaction

    from shuyu.core import clock
    from shuyu.ledger.evidence import EntryFields, canonical_json, format_time, sha256_hex
    from shuyu.ledger.services import _roles, actor_label, subject_of

    with connection.cursor() as c:
        c.execute("DROP TABLE IF EXISTS bench_chain")
        c.execute(
            "CREATE TABLE bench_chain (seq bigint PRIMARY KEY, recorded_at timestamp, person bigint, org bigint,"
            " actor varchar(100), roles varchar(200), action varchar(100), subject_kind varchar(60),"
            " subject_id varchar(64), payload text, payload_hash varchar(64), leaf_hash varchar(64),"
            " chain_hash varchar(64))"
        )
        c.execute("CREATE INDEX bench_chain_subject ON bench_chain (subject_kind, subject_id)")
    actor = _actor()
    prev = b"\x00" * 32
    n = 0
    t = time.perf_counter()
    while n < target:
        with transaction.atomic():
            with connection.cursor() as c:  # the chain's head: its last hash, read under the same lock
                c.execute("SELECT chain_hash FROM bench_chain ORDER BY seq DESC LIMIT 1")
                row = c.fetchone()
                prev = bytes.fromhex(row[0]) if row else prev
            at = clock.now()
            at_text, at_db = format_time(at), connection.ops.adapt_datetimefield_value(at)
            label, roles = actor_label(actor), _roles(actor)
            rows = []
            for action, subject, payload in _items(n, min(batch, target - n)):
                kind, ident = subject_of(subject)
                body = canonical_json(payload)
                f = EntryFields(
                    n,
                    at_text,
                    actor.person_id,
                    actor.org_id,
                    label,
                    roles,
                    action,
                    kind,
                    ident,
                    sha256_hex(body),
                )
                leaf = f.leaf_hash()
                prev = hashlib.sha256(prev + leaf).digest()
                rows.append((n, at_db, actor.person_id, actor.org_id, label, ",".join(roles), action, kind, ident,
                             body, f.payload_hash, leaf.hex(), prev.hex()))  # fmt: skip
                n += 1
            with connection.cursor() as c:  # the same bulk path as the ledger's (COPY on PostgreSQL)
                if connection.vendor == "postgresql":
                    with c.cursor.copy("COPY bench_chain FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                else:
                    c.executemany(f"INSERT INTO bench_chain VALUES ({', '.join(['%s'] * 13)})", rows)
    return target / (time.perf_counter() - t)


def chain_verify() -> tuple[float, bool]:
    """Recompute the chain exactly as `verify_store` recomputes the tree: same reads, same leaf work."""
    from django.db import connection

    from shuyu.ledger.evidence import EntryFields, sha256_hex
    from shuyu.ledger.services import _db_time_text

    t = time.perf_counter()
    prev, ok, expected = b"\x00" * 32, True, 0
    last_at, at_text = None, ""
    with connection.chunked_cursor() as c:
        c.execute("SELECT * FROM bench_chain ORDER BY seq")
        while rows := c.fetchmany(5000):
            for seq, at, person, org, label, roles, action, kind, ident, payload, ph, leaf_hex, chain in rows:
                if at != last_at:
                    last_at, at_text = at, _db_time_text(at)
                rt = tuple(r for r in roles.split(",") if r)
                leaf = EntryFields(seq, at_text, person, org, label, rt, action, kind, ident, ph).leaf_hash()
                prev = hashlib.sha256(prev + leaf).digest()
                ok &= (
                    seq == expected
                    and sha256_hex(payload) == ph
                    and leaf.hex() == leaf_hex
                    and prev.hex() == chain
                )
                expected += 1
    return time.perf_counter() - t, ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000, help="the small tree size for proof times")
    parser.add_argument("--batch", type=int, default=1000, help="entries per append_many transaction")
    parser.add_argument("--single", type=int, default=2000, help="single appends measured at each size")
    parser.add_argument("--samples", type=int, default=300, help="proofs timed at each size")
    parser.add_argument("--repeat", type=int, default=2, help="full verifies per method; the fastest counts")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    _setup(fresh=True)
    from django.db import connection

    out = {
        "engine": connection.vendor,
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "size": args.size,
        "batch": args.batch,
    }

    def step(name, value):
        out[name] = value
        print(f"{name}: {value}", flush=True)

    step("batched_appends_per_s_to_small", round(fill_ledger(args.small, args.batch)))
    step("single_appends_per_s_at_small", round(single_appends(args.single)))
    step("proofs_at_small", proof_times(args.samples))
    step("batched_appends_per_s_to_size", round(fill_ledger(args.size, args.batch)))
    step("single_appends_per_s_at_size", round(single_appends(args.single)))
    step("proofs_at_size", proof_times(args.samples))
    runs = [verify_all() for _ in range(args.repeat)]
    step("verify_seconds", round(min(s for s, _ in runs), 2))
    step("verify_ok", all(ok for _, ok in runs))
    from shuyu import ledger

    n = ledger.size()
    step("chain_batched_appends_per_s", round(chain_fill(n, args.batch)))
    runs = [chain_verify() for _ in range(args.repeat)]
    step("chain_verify_seconds", round(min(s for s, _ in runs), 2))
    step("chain_verify_ok", all(ok for _, ok in runs))
    out["ratio_append_merkle_over_chain"] = round(
        out["chain_batched_appends_per_s"] / out["batched_appends_per_s_to_size"], 2
    )
    out["ratio_verify_merkle_over_chain"] = round(out["verify_seconds"] / out["chain_verify_seconds"], 2)
    print(json.dumps(out, indent=1, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
    main()
