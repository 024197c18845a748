"""The output gate's named attacks, through the real path: policy → jailed DuckDB rewrite → rules (R19.2).

Each test builds its own small person table, so the numbers in a test are the numbers it asserts.
"""

import datetime
import os
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shuyu.core.errors import DomainError
from shuyu.sandbox import jail
from shuyu.sandbox.gate import (
    GateSettings,
    InMemoryReleaseHistory,
    Population,
    Verdict,
    gate_declared_aggregate,
    gate_sql,
)
from shuyu.sandbox.gate.differencing import check_differencing, check_tracker
from shuyu.sandbox.gate.populations import load_members, project_units
from shuyu.sandbox.gate.rules import (
    CellStats,
    MeasureStats,
    check_dominance,
    check_output_shape,
    check_p_percent,
    check_threshold,
    worst,
)
from shuyu.sandbox.schema import FieldRule
from shuyu.sandbox.sqlpolicy import check_sql

from .conftest import CANARY, requires_jail, write_raw
from .factories import PERSONS, TABLES

SALT = "5a17" * 8


def person(i, *, region="A", income=100, born=None, name=None, age=40):
    return (
        f"5101041990{i:08d}",
        name or f"name-{i}",
        region,
        age,
        born or datetime.date(1980, 1, 1) + datetime.timedelta(days=i),
        Decimal(income),
        "services",
    )


@pytest.fixture
def table(jail_root):
    """Write rows as the projected persons input; returns a function that gates a query on them."""
    folder = Path(tempfile.mkdtemp(prefix="gate-", dir=jail_root))
    os.chmod(folder, 0o755)
    history = InMemoryReleaseHistory()

    def make(rows):
        values = ", ".join(
            f"('{r[0]}', '{r[1]}', '{r[2]}', {r[3]}, DATE '{r[4].isoformat()}', {r[5]}::DECIMAL(18,2), '{r[6]}')"
            for r in rows
        )
        path = folder / "persons.parquet"
        write_raw(
            path,
            f"SELECT * FROM (VALUES {values}) t(id_no, name, region, age, born_on, income, sector)",
        )
        os.chmod(path, 0o644)
        return path

    def gate(rows_or_path, sql, settings=GateSettings(), label="job"):
        path = rows_or_path if not isinstance(rows_or_path, list) else make(rows_or_path)
        return gate_sql(
            check_sql(sql, TABLES),
            inputs={"persons": path},
            limits=jail.Limits(wall_seconds=30, duckdb_memory="128MB", duckdb_threads=1),
            settings=settings,
            history=history,
            salt=SALT,
            resource_of={"persons": PERSONS.resource_code},
            label=label,
            workroot=jail_root,
        )

    gate.make = make
    gate.history = history
    return gate


def codes(outcome):
    return {r.code for r in outcome.reasons if r.verdict == Verdict.BLOCK}


def release(gate, outcome):
    assert outcome.verdict != Verdict.BLOCK
    gate.history.record(outcome.populations)


# ---- through the real path ---------------------------------------------------------------------------


@requires_jail
def test_r19_2_a_9_contributor_cell_is_blocked_and_10_pass(table):
    rows = [person(i, region="A") for i in range(9)] + [person(100 + i, region="B") for i in range(10)]
    outcome = table(rows, "select region, count(*) n from persons group by region order by region")
    assert outcome.verdict == Verdict.BLOCK
    flagged = [r for r in outcome.reasons if r.code == "threshold"]
    assert [(r.cell, r.facts["contributors"]) for r in flagged] == [(0, 9)]  # region A only
    assert outcome.rows == [["A", 9], ["B", 10]]  # candidate output: never released while blocked


@requires_jail
def test_r19_2_twelve_rows_of_one_person_are_one_contributor(table):
    rows = [person(1, region="C") for _ in range(12)] + [person(100 + i, region="D") for i in range(12)]
    outcome = table(rows, "select region, count(*) n from persons group by region order by region")
    assert outcome.rows[0] == ["C", 12]
    assert [r.facts["contributors"] for r in outcome.reasons if r.code == "threshold"] == [1]
    assert outcome.verdict == Verdict.BLOCK


def _magnitude_rows(top: list[int], rest_total: int, rest_count: int = 8):
    """Two large contributors and `rest_count` small ones sharing `rest_total` in whole cents."""
    rows = [person(i, income=v) for i, v in enumerate(top)]
    cents = rest_total * 100
    shares = [cents // rest_count + (1 if i < cents % rest_count else 0) for i in range(rest_count)]
    rows += [person(100 + i, income=Decimal(c) / 100) for i, c in enumerate(shares)]
    return rows


@requires_jail
def test_r19_2_dominance_top_2_share_91_percent_is_blocked(table):
    outcome = table(_magnitude_rows([46, 45], 9), "select sum(income) s, count(*) n from persons")
    assert "dominance" in codes(outcome)
    share = next(r.facts["top_share"] for r in outcome.reasons if r.code == "dominance")
    assert share == pytest.approx(0.91)


@requires_jail
def test_r19_2_dominance_top_2_share_89_percent_passes(table):
    outcome = table(_magnitude_rows([45, 44], 11), "select sum(income) s, count(*) n from persons")
    assert codes(outcome) == set()
    assert outcome.verdict == Verdict.PASS
    assert outcome.rows == [[Decimal("100.00"), 10]]


@requires_jail
def test_r19_2_p_percent_rule_blocks_when_the_runner_up_can_estimate_the_largest(table):
    # dominance set loose so that only the p% rule can fire: 60 + 35 of 99 is 96 % < 99 %
    loose = GateSettings(dominance_k=0.99)
    near = table(_magnitude_rows([60, 35], 4), "select sum(income) s, count(*) n from persons", loose)
    assert codes(near) == {"p_percent"}
    far = table(_magnitude_rows([60, 25], 7), "select sum(income) s, count(*) n from persons", loose)
    assert codes(far) == set()


@requires_jail
def test_r19_2_differencing_two_counts_that_differ_by_one_person_is_blocked(table):
    rows = [person(i, region="A") for i in range(30)]
    path = table.make(rows)
    first = table(path, "select count(*) n from persons", label="job1")
    release(table, first)
    target_day = rows[7][4].isoformat()
    second = table(path, f"select count(*) n from persons where born_on <> DATE '{target_day}'", label="job2")
    assert second.verdict == Verdict.BLOCK
    assert [r.facts["difference"] for r in second.reasons if r.code == "differencing"] == [1]


@requires_jail
def test_r19_2_differencing_inside_one_output_is_blocked(table):
    rows = [person(i, region="A") for i in range(30)]
    target_day = rows[3][4].isoformat()
    outcome = table(
        rows, f"select count(*) n, count(*) filter (where born_on <> DATE '{target_day}') m from persons"
    )
    assert "differencing" in codes(outcome)


@requires_jail
def test_r19_2_a_tracker_from_several_allowed_queries_is_blocked(table):
    # A = ids 0..14 (15 people), OLD = ids 14..30 (17 people): they share exactly id 14.
    rows = [
        person(
            i,
            region="A" if i < 15 else "B",
            born=datetime.date(1950 if 14 <= i <= 30 else 1990, 1, 1) + datetime.timedelta(days=i),
        )
        for i in range(45)
    ]
    path = table.make(rows)
    q1 = table(path, "select count(*) n from persons where region = 'A'", label="q1")
    release(table, q1)
    q2 = table(path, "select count(*) n from persons where born_on < DATE '1960-01-01'", label="q2")
    release(table, q2)  # each of the three is large, and no two are nested closely …
    q3 = table(
        path, "select count(*) n from persons where region = 'A' or born_on < DATE '1960-01-01'", label="q3"
    )
    assert q3.rows == [[31]]
    assert "differencing" not in codes(q3)
    # … but |A ∧ OLD| = q1 + q2 − q3 = 1: the tracker sees it
    assert "tracker" in codes(q3)
    assert q3.verdict == Verdict.BLOCK


@requires_jail
def test_r19_2_unrelated_tables_of_the_same_population_are_not_a_tracker(table):
    rows = [person(i, region="AB"[i % 2], age=20 + 10 * (i % 3)) for i in range(120)]
    path = table.make(rows)
    release(table, table(path, "select region, count(*) n from persons group by region", label="a"))
    by_age = table(path, "select age, count(*) n from persons group by age", label="b")
    assert by_age.verdict == Verdict.PASS


@requires_jail
def test_r04_1_gate_reasons_carry_no_data_values(table):
    rows = [person(i, region="A", name=f"{CANARY}-{i}") for i in range(3)]
    outcome = table(rows, "select region, count(distinct id_no) n from persons group by region")
    assert outcome.verdict == Verdict.BLOCK
    text = repr(outcome.reasons)
    assert CANARY not in text and "5101041990" not in text


@requires_jail
def test_r19_2_python_declared_aggregate_is_recomputed_and_mismatch_blocked(table, jail_root):
    rows = [person(i, region="AB"[i % 2]) for i in range(40)]
    path = table.make(rows)
    common = dict(
        tables=TABLES,
        inputs={"persons": path},
        limits=jail.Limits(wall_seconds=30, duckdb_memory="128MB", duckdb_threads=1),
        settings=GateSettings(),
        history=table.history,
        salt=SALT,
        resource_of={"persons": "R-PERSONS"},
        label="py",
        workroot=jail_root,
    )
    honest = b'{"kind": "aggregate", "resource": "persons", "group_by": ["region"], "measures": {"n": "count:*"}, "rows": [["A", 20], ["B", 20]]}'
    assert gate_declared_aggregate(honest, **common).verdict == Verdict.PASS
    lying = honest.replace(b"20]]", b"21]]")
    assert "declared_mismatch" in codes(gate_declared_aggregate(lying, **common))
    raw_rows = b'{"kind": "table", "columns": ["id_no"], "rows": [["5101041990"]]}'
    assert "undeclared_output" in codes(gate_declared_aggregate(raw_rows, **common))


# ---- the pure rules ----------------------------------------------------------------------------------


@given(n=st.integers(min_value=0, max_value=200), threshold=st.integers(min_value=2, max_value=50))
def test_r19_2_threshold_blocks_exactly_below_the_minimum(n, threshold):
    cell = CellStats(0, n, ())
    flagged = bool(check_threshold(cell, GateSettings(threshold=threshold)))
    assert flagged == (n < threshold)


@given(
    top=st.lists(st.floats(min_value=0.01, max_value=1e6), min_size=1, max_size=12),
    k=st.floats(min_value=0.5, max_value=0.99),
)
def test_r19_2_dominance_blocks_exactly_when_the_top_two_exceed_k(top, k):
    values = sorted(top, reverse=True)
    m = MeasureStats("s", len(values), True, total=sum(values), top=tuple(values[:2]))
    flagged = bool(check_dominance(CellStats(0, 100, (m,)), GateSettings(dominance_k=k)))
    assert flagged == (sum(values[:2]) / sum(values) > k)


@given(top=st.lists(st.floats(min_value=0.01, max_value=1e6), min_size=1, max_size=12))
def test_r19_2_with_acro_defaults_p_percent_never_fires_without_dominance(top):
    # (T − x1 − x2) < 0.1·x1 ≤ 0.1·T implies x1 + x2 > 0.9·T: the p% rule adds nothing at n=2, k=0.9
    values = sorted(top, reverse=True)
    m = MeasureStats("s", len(values), True, total=sum(values), top=tuple(values[:2]))
    cell = CellStats(0, 100, (m,))
    if check_p_percent(cell, GateSettings()):
        assert check_dominance(cell, GateSettings())


@requires_jail
def test_r19_2_cells_over_the_population_cap_go_to_review_not_pass(table):
    rows = [person(i, region="A") for i in range(20)]
    outcome = table(rows, "select count(*) n from persons", GateSettings(population_cap=5))
    assert outcome.verdict == Verdict.REVIEW
    assert {r.code for r in outcome.reasons} == {"differencing_unchecked"}


@pytest.mark.parametrize(
    ("keys", "verdict"),
    [
        ({"sector": FieldRule.PLAIN, "region": FieldRule.QUASI}, Verdict.PASS),
        ({"region": FieldRule.QUASI, "age": FieldRule.QUASI}, Verdict.REVIEW),
        ({"region": FieldRule.QUASI, "age": FieldRule.QUASI, "born_on": FieldRule.QUASI}, Verdict.BLOCK),
        ({"id_no": FieldRule.IDENTIFIER}, Verdict.BLOCK),
        ({"income": FieldRule.SENSITIVE}, Verdict.BLOCK),
    ],
)
def test_r23_5_quasi_identifier_combinations_and_identifiers_in_keys(keys, verdict):
    assert worst(check_output_shape(keys, ["n"], GateSettings())) == verdict


def test_r04_1_an_output_without_aggregates_is_record_level_and_blocked():
    reasons = check_output_shape({"sector": FieldRule.PLAIN}, [], GateSettings())
    assert [r.code for r in reasons] == ["record_level"]


@requires_jail
def test_r19_2_group_by_a_key_unique_per_person_blocks_every_cell(table):
    rows = [person(i, region="A") for i in range(30)]  # born_on is unique per person (a quasi-identifier)
    outcome = table(rows, "select born_on, count(*) n from persons group by born_on")
    assert outcome.verdict == Verdict.BLOCK
    assert len([r for r in outcome.reasons if r.code == "threshold" and r.measure is None]) == 30


@requires_jail
def test_r19_2_python_job_end_to_end_raw_rows_and_models_blocked_honest_aggregate_passes(table, jail_root):
    from shuyu.sandbox import engine

    rows = [person(i, region="AB"[i % 2]) for i in range(40)]
    path = table.make(rows)
    code = b"""
import pickle
from shuyu_sdk import load, emit_aggregate, emit_table
persons = load("persons")
emit_table("raw", columns=["id_no", "name"], rows=[list(r) for r in persons.select("id_no, name").fetchall()])
counts = persons.aggregate("region, count(*) AS n", "region").order("region").fetchall()
emit_aggregate("by_region", resource="persons", group_by=["region"], measures={"n": "count:*"},
               rows=[list(r) for r in counts])
open("/out/knn.pkl", "wb").write(pickle.dumps({"training_rows": persons.fetchall()}))
"""
    run, _ = engine.run_python(
        code, inputs={"persons": path}, limits=jail.Limits(wall_seconds=30), workroot=jail_root
    )
    assert run.status == "ok", run.log
    assert set(run.files) == {"raw.json", "by_region.json"} and run.rejected == 1  # the pickle never left
    common = dict(
        tables=TABLES,
        inputs={"persons": path},
        limits=jail.Limits(wall_seconds=30, duckdb_memory="128MB", duckdb_threads=1),
        settings=GateSettings(),
        history=table.history,
        salt=SALT,
        resource_of={"persons": "R-PERSONS"},
        workroot=jail_root,
    )
    raw = gate_declared_aggregate(run.files["raw.json"], label="py/raw", **common)
    honest = gate_declared_aggregate(run.files["by_region.json"], label="py/agg", **common)
    assert raw.verdict == Verdict.BLOCK and raw.rows == []
    assert honest.verdict == Verdict.PASS and honest.rows == [["A", 20], ["B", 20]]


# ---- populations in the domain's store (issue #6): the fast paths must catch what the sets catch -------


def _population_file(folder: Path, sets: list[frozenset[int]]) -> Path:
    """A population file as the jailed worker writes it: rows (pop, member)."""
    import duckdb

    path = folder / f"pops-{len(list(folder.iterdir()))}.parquet"
    pairs = [(i, m) for i, members in enumerate(sets) for m in sorted(members)]
    values = ", ".join(f"({i}::BIGINT, {m}::UBIGINT)" for i, m in pairs or [(0, 0)])
    con = duckdb.connect(":memory:")
    con.execute(
        f"COPY (SELECT * FROM (VALUES {values}) t(pop, member) WHERE {bool(pairs)}) TO '{path}' (FORMAT parquet)"
    )
    con.close()
    return path


def _in_store(folder: Path, sets: list[frozenset[int]], resource: str = "R") -> list[Population]:
    path = _population_file(folder, sets)
    return [Population(resource, f"p{i}", size=len(s), source=(str(path), i)) for i, s in enumerate(sets)]


_members = st.frozensets(st.integers(min_value=0, max_value=2**64 - 1), max_size=40)
_small = st.frozensets(st.integers(min_value=0, max_value=60), min_size=1, max_size=40)


@settings(max_examples=40, deadline=None)
@given(base=_members, extra=st.frozensets(st.integers(min_value=0, max_value=2**64 - 1), max_size=12),
       threshold=st.integers(min_value=2, max_value=12))  # fmt: skip
def test_r19_2_a_nested_difference_below_the_threshold_is_always_caught_from_the_store(
    tmp_path_factory, base, extra, threshold
):
    folder = tmp_path_factory.mktemp("pops")
    bigger = base | extra
    history = InMemoryReleaseHistory()
    history.record(_in_store(folder, [bigger]))
    new = _in_store(folder, [base])
    found = check_differencing(new, history, threshold)
    difference = len(bigger) - len(base)
    assert bool(found) == (0 < difference < threshold)
    if found:
        assert found[0].facts["difference"] == difference


def test_r19_2_sizes_far_apart_or_equal_never_load_the_sets():
    # |P Δ Q| ≥ ||P| − |Q||: a pair whose sizes differ by the threshold or more, or not at all, cannot
    # isolate a small nested group, so its (here: missing) files are never opened
    history = InMemoryReleaseHistory()
    history.record([Population("R", "old", size=1000, source=("/nonexistent/a.parquet", 0))])
    new = [
        Population("R", "far", size=1010, source=("/nonexistent/b.parquet", 0)),
        Population("R", "equal", size=1000, source=("/nonexistent/c.parquet", 0)),
    ]
    assert check_differencing(new, history, 10) == []
    near = [Population("R", "near", size=1009, source=("/nonexistent/d.parquet", 0))]
    with pytest.raises(Exception):  # noqa: B017, PT011 — close sizes do open the sets
        check_differencing(near, history, 10)


@settings(max_examples=40, deadline=None)
@given(sets=st.lists(_small, min_size=1, max_size=6), split=st.integers(min_value=0, max_value=6),
       threshold=st.integers(min_value=2, max_value=8))  # fmt: skip
def test_r19_2_the_tracker_over_the_store_agrees_with_the_sets(tmp_path_factory, sets, split, threshold):
    folder = tmp_path_factory.mktemp("pops")
    memory_history = InMemoryReleaseHistory()
    memory_history.record([Population("R", f"h{i}", s) for i, s in enumerate(sets[:split])])
    store_history = InMemoryReleaseHistory()
    store_history.record(_in_store(folder, sets[:split]) if sets[:split] else [])
    memory_new = [Population("R", f"n{i}", s) for i, s in enumerate(sets[split:])]
    store_new = _in_store(folder, sets[split:]) if sets[split:] else []
    expected = check_tracker(memory_new, memory_history, threshold)
    assert [r.facts for r in check_tracker(store_new, store_history, threshold)] == [
        r.facts for r in expected
    ]


def test_r19_2_the_tracker_over_the_store_finds_the_intersection(tmp_path):
    a, old = frozenset(range(15)), frozenset(range(14, 31))
    history = InMemoryReleaseHistory()
    history.record(_in_store(tmp_path, [a, old]))
    found = check_tracker(_in_store(tmp_path, [a | old]), history, 10)
    assert [r.facts["group"] for r in found] == [1]  # |A ∧ OLD| = |A| + |OLD| − |A ∨ OLD|


@requires_jail
def test_r19_2_the_keyed_projection_gives_the_same_verdicts_and_a_wrong_key_fails(table, jail_root):
    rows = [person(i, region="AB"[i % 3 == 0], income=i % 7) for i in range(40)]
    rows += [person(i, region="C") for i in range(3)]  # three of the same people again, in C
    path = table.make(rows)
    keyed = path.with_name("persons.units.parquet")
    project_units(path, PERSONS, SALT, keyed)
    os.chmod(keyed, 0o644)
    sql = "select region, count(*) n, sum(income) s from persons group by region order by region"
    common = dict(
        inputs={"persons": path},
        limits=jail.Limits(wall_seconds=30, duckdb_memory="128MB", duckdb_threads=1),
        settings=GateSettings(),
        history=InMemoryReleaseHistory(),
        resource_of={"persons": "R-PERSONS"},
        label="k",
        workroot=jail_root,
    )
    inline = gate_sql(check_sql(sql, TABLES), salt=SALT, **common)
    fast = gate_sql(check_sql(sql, TABLES), salt=SALT, keyed_inputs={"persons": keyed}, **common)
    assert fast.rows == inline.rows and fast.verdict == inline.verdict == Verdict.BLOCK
    assert [(r.code, r.cell, r.measure, r.facts) for r in fast.reasons] == [
        (r.code, r.cell, r.measure, r.facts) for r in inline.reasons
    ]
    assert [p.size for p in fast.populations] == [p.size for p in inline.populations]
    assert [load_members(p.source) for p in fast.populations] == [
        load_members(p.source) for p in inline.populations
    ]
    with pytest.raises(DomainError):  # made with another operator's key: the run fails, nothing is judged
        gate_sql(check_sql(sql, TABLES), salt="0f" * 16, keyed_inputs={"persons": keyed}, **common)


@requires_jail
def test_r19_2_unreadable_population_files_are_unknown_and_go_to_review(table, jail_root):
    rows = [person(i, region="A") for i in range(300)]  # 300 random 64-bit keys: well over 1 kB
    outcome = table(rows, "select count(*) n from persons", GateSettings())
    assert outcome.verdict == Verdict.PASS and outcome.files
    assert outcome.files[0].stat().st_size > 2048
    small = jail.Limits(wall_seconds=30, duckdb_memory="128MB", duckdb_threads=1, file_bytes=1024)
    starved = gate_sql(
        check_sql("select count(*) n from persons", TABLES),
        inputs={"persons": table.make(rows)},
        limits=small,  # the population file cannot be written: its populations are unknown
        settings=GateSettings(),
        history=InMemoryReleaseHistory(),
        salt=SALT,
        resource_of={"persons": "R-PERSONS"},
        label="s",
        workroot=jail_root,
    )
    assert starved.verdict == Verdict.REVIEW
    assert {r.code for r in starved.reasons} == {"differencing_unchecked"}
