"""Differentially private releases: the declared query, its SQL and its OpenDP measurement (R18.2).

Pure (no ORM, clock or settings). A DP query is *declared*, never free SQL:

- one table of the workspace; group-by keys whose values are a public, declared key set (in the
  declaration, or the catalog's code list) — never taken from the data, since a key set read from the
  data discloses who is in it;
- a statistic: count, sum, mean or histogram (a count over the declared categories of one field);
- clamping bounds for sum and mean, *declared* as numbers — a bound computed from the data ("min(x)",
  "auto") is refused: it makes the sensitivity, and so the noise, depend on one person's value;
- the contribution bound k: each disclosure unit (person, enterprise) contributes at most k rows; the
  SQL enforces it by truncation before aggregation;
- the mechanism and its privacy parameters: `laplace` (the default; discrete Laplace, pure ε, δ = 0) or
  `gaussian` (discrete Gaussian, (ε, δ) with 0 < δ < 1e-5, converted from zCDP by OpenDP's combinators).

The measurement is built once with a fixed noise scale and checked with its privacy map, on the host for
the estimate and again inside the jail before it runs; searching the scale per release (OpenDP's Context
API) is several times slower. Laplace: scale = sensitivity / ε, `map(d_in) ≤ ε`. Gaussian: the scale
comes in closed form from the classic zCDP → (ε, δ) conversion ε = ρ + 2·sqrt(ρ·ln(1/δ)) (so
ρ = (sqrt(ln(1/δ) + ε) − sqrt(ln(1/δ)))², σ = Δ₂ / sqrt(2ρ)), and OpenDP's own, tighter conversion
(`make_zCDP_to_approxDP` then `make_fix_delta`) must map it to (ε', δ) with ε' ≤ ε; the budget is charged
ε', not ε. Sums are computed in integers at the declared precision and noised with OpenDP's discrete
mechanisms, so floating-point rounding of a float sum cannot be used against the mechanism.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass

from shuyu.core.errors import DomainError

from .schema import FieldRule, FieldType, TableSpec

STATISTICS = ("count", "sum", "mean", "histogram")
MAX_CELLS = 10_000
MAX_CONTRIBUTIONS = 100
MAX_PRECISION = 4
MAX_EPSILON = 10.0
# The declared mechanism → the OpenDP mechanism recorded with the release. Laplace is the default.
MECHANISMS = {"laplace": "discrete_laplace", "gaussian": "discrete_gaussian"}
MECHANISM = MECHANISMS["laplace"]
# R18.2 rule for δ: one release may spend 0 < δ < MAX_DELTA, and never more than the remaining δ of the
# budget the agency set (0 unless set, so a Gaussian release needs an explicit δ budget). δ bounds the
# probability that the ε guarantee fails; 1e-5 is below 1/n for any resource of more than 100,000
# disclosure units, and the agency sets a lower δ total for smaller resources.
MAX_DELTA = 1e-5


def _refuse(zh: str, en: str, **ctx) -> DomainError:
    return DomainError("R18.2", zh, en, **ctx)


def _number(value, what: str) -> float:
    # bool is an int in Python; strings ("auto", "min(amount)") are a bound from the data: refused.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _refuse(
            f"{what}须为声明的有限数值，不得取自数据",
            f"{what} must be a declared finite number, never taken from the data",
        )
    return float(value)


@dataclass(frozen=True)
class DpQuery:
    """A validated DP declaration. `cells` is the public key set, in release order."""

    table: str
    statistic: str
    measure: str | None
    group_by: tuple[str, ...]
    keys: tuple[tuple[str, ...], ...]  # declared values per grouping column (histogram: measure last)
    bounds: tuple[float, float] | None
    contributions: int
    epsilon: float
    precision: int
    unit: str
    mechanism: str = "laplace"  # a key of MECHANISMS
    delta: float = 0.0

    @property
    def key_columns(self) -> tuple[str, ...]:
        return self.group_by + ((self.measure,) if self.statistic == "histogram" else ())

    @property
    def cells(self) -> list[tuple[str, ...]]:
        return list(itertools.product(*self.keys))

    def canonical(self) -> str:
        """The job's code: the declaration as canonical JSON (its hash is the job's code hash).

        The mechanism and δ appear only for Gaussian releases, so a Laplace declaration keeps its code.
        """
        gaussian = {"mechanism": self.mechanism, "delta": self.delta} if self.mechanism != "laplace" else {}
        return json.dumps(
            {
                **gaussian,
                "table": self.table,
                "statistic": self.statistic,
                "measure": self.measure,
                "group_by": list(self.group_by),
                "keys": {c: list(v) for c, v in zip(self.key_columns, self.keys, strict=True)},
                "bounds": list(self.bounds) if self.bounds else None,
                "contributions": self.contributions,
                "epsilon": self.epsilon,
                "precision": self.precision,
            },
            ensure_ascii=False,
            sort_keys=True,
        )


def parse_query(spec: dict, tables: list[TableSpec]) -> DpQuery:
    """Check a declaration against the workspace's tables; refuse anything the data would decide."""
    if not isinstance(spec, dict):
        raise _refuse("差分隐私查询声明须为对象", "the DP declaration must be an object")
    allowed = {"table", "statistic", "measure", "group_by", "keys", "bounds", "contributions", "epsilon"}
    allowed |= {"precision", "mechanism", "delta"}
    unknown = set(spec) - allowed
    if unknown:
        raise _refuse(
            "差分隐私查询声明含未知项", "unknown items in the DP declaration", names=sorted(unknown)
        )
    by_name = {t.name: t for t in tables}
    table = by_name.get(spec.get("table"))
    if table is None:
        raise DomainError(
            "R19.1", "查询引用的资源不在本工作区", "the query reads a resource outside this workspace"
        )
    if table.unit is None:
        raise _refuse("该资源未声明披露单元，无法限定贡献", "the resource declares no disclosure unit")
    statistic = spec.get("statistic")
    if statistic not in STATISTICS:
        raise _refuse(
            "统计量须为 count、sum、mean 或 histogram", "statistic must be count, sum, mean or histogram"
        )
    measure = spec.get("measure")
    group_by = spec.get("group_by") or []
    if not isinstance(group_by, list) or not all(isinstance(c, str) for c in group_by):
        raise _refuse("分组字段须为字段名列表", "group_by must be a list of field names")
    if len(set(group_by)) != len(group_by) or len(group_by) > 3:
        raise _refuse("分组字段重复或超过3个", "group_by repeats a field or has more than 3")
    for name in group_by:
        f = table.field(name)
        if f is None:
            raise _refuse("分组字段不在授权范围内", "a group_by field is not granted", field=name)
        if f.rule >= FieldRule.SENSITIVE:
            raise DomainError(
                "R04.1", "直接标识或敏感字段不得作为分组", "an identifier or sensitive field cannot be a key"
            )
    bounds = None
    if statistic in ("sum", "mean"):
        f = table.field(measure) if isinstance(measure, str) else None
        if f is None or not f.type.numeric:
            raise _refuse("度量字段须为授权的数值字段", "the measure must be a granted numeric field")
        raw = spec.get("bounds")
        if not isinstance(raw, list | tuple) or len(raw) != 2:
            raise _refuse(
                "求和与均值须声明裁剪上下界（不得取自数据）",
                "sum and mean need declared clamping bounds (never taken from the data)",
            )
        lower, upper = _number(raw[0], "下界 / lower bound"), _number(raw[1], "上界 / upper bound")
        if not lower < upper:
            raise _refuse("裁剪下界须小于上界", "the lower bound must be below the upper bound")
        bounds = (lower, upper)
    elif statistic == "histogram":
        f = table.field(measure) if isinstance(measure, str) else None
        if f is None or f.rule >= FieldRule.SENSITIVE or measure in group_by:
            raise _refuse(
                "直方图字段须为授权的非敏感字段", "the histogram field must be a granted, non-sensitive field"
            )
    elif measure is not None:
        raise _refuse("计数不取度量字段", "a count takes no measure")
    elif spec.get("bounds") is not None:
        raise _refuse("计数不取裁剪界", "a count takes no bounds")
    query_keys = spec.get("keys") or {}
    if not isinstance(query_keys, dict):
        raise _refuse("键集须为 字段→取值列表", "keys must map a field to its declared values")
    key_columns = tuple(group_by) + ((measure,) if statistic == "histogram" else ())
    if set(query_keys) - set(key_columns):
        raise _refuse("键集含非分组字段", "keys name a field that is not grouped on")
    keys = []
    for name in key_columns:
        values = query_keys.get(name)
        if values is None:
            values = table.field(name).code_list  # the catalog's public code list
        if (
            not isinstance(values, list | tuple)
            or not values
            or not all(isinstance(v, str) and 0 < len(v) <= 100 for v in values)
            or len(set(values)) != len(values)
        ):
            raise _refuse(
                "分组须声明公开的键集（或使用目录的代码表），不得取自数据",
                "grouping needs a declared public key set (or the catalog's code list), never the data's",
                field=name,
            )
        keys.append(tuple(values))
    if math.prod(len(k) for k in keys) > MAX_CELLS:
        raise _refuse("单元格过多", "too many cells", limit=MAX_CELLS)
    k = spec.get("contributions", 1)
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_CONTRIBUTIONS:
        raise _refuse(
            "每个披露单元的贡献上限须为1到100的整数", "contributions must be an integer from 1 to 100"
        )
    epsilon = _number(spec.get("epsilon"), "ε")
    if not 0 < epsilon <= MAX_EPSILON:
        raise _refuse("单次发布的 ε 须在 (0, 10] 之内", "ε of one release must be in (0, 10]")
    mechanism, delta = _mechanism(spec)
    precision = spec.get("precision", 2)
    if isinstance(precision, bool) or not isinstance(precision, int) or not 0 <= precision <= MAX_PRECISION:
        raise _refuse("精度须为0到4位小数", "precision must be 0 to 4 decimals")
    if bounds and table.field(measure).type == FieldType.INTEGER:
        precision = 0
    return DpQuery(
        table=table.name,
        statistic=statistic,
        measure=measure if statistic != "count" else None,
        group_by=tuple(group_by),
        keys=tuple(keys),
        bounds=bounds,
        contributions=k,
        epsilon=epsilon,
        precision=precision if bounds else 0,
        unit=table.unit,
        mechanism=mechanism,
        delta=delta,
    )


def _mechanism(spec: dict) -> tuple[str, float]:
    """The declared mechanism and its δ: Laplace takes none (δ = 0); Gaussian needs 0 < δ < MAX_DELTA."""
    mechanism = spec.get("mechanism", "laplace")
    if mechanism is None:
        mechanism = "laplace"
    if not isinstance(mechanism, str) or mechanism not in MECHANISMS:
        raise _refuse(
            "机制须为 laplace 或 gaussian",
            "the mechanism must be laplace or gaussian",
            mechanism=str(mechanism)[:40],
        )
    raw = spec.get("delta")
    if mechanism == "laplace":
        if raw is not None and (isinstance(raw, bool) or raw != 0):
            raise _refuse("拉普拉斯机制为纯 ε，δ 须为 0", "the Laplace mechanism is pure ε: δ must be 0")
        return mechanism, 0.0
    delta = _number(raw, "δ")
    if not 0 < delta < MAX_DELTA:
        raise _refuse(
            f"高斯机制单次发布的 δ 须在 (0, {MAX_DELTA:g}) 之内",
            f"δ of one Gaussian release must be in (0, {MAX_DELTA:g})",
            limit=MAX_DELTA,
        )
    return mechanism, delta


# --- the SQL run inside the jail ------------------------------------------------------------------------


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def aggregate_sql(q: DpQuery) -> str:
    """Truncate to k rows per disclosure unit, then count and sum (clamped, in integer units) per cell.

    Built from validated names ([a-z][a-z0-9_]*) and escaped declared literals only; rows whose keys are
    outside the declared key set are dropped before truncation.
    """
    keys = [f'CAST("{c}" AS VARCHAR)' for c in q.key_columns]
    key_alias = [f"k{i}" for i in range(len(keys))]
    select_keys = "".join(f"{e} AS {a}, " for e, a in zip(keys, key_alias, strict=True))
    # A semi-join on the declared list (`IN (SELECT unnest([...]))`), not an IN-list of literals: with
    # 10,000 declared keys DuckDB's hash semi-join is ~10× faster than the literal list.
    where = " AND ".join(
        f"{e} IN (SELECT unnest([{', '.join(_literal(v) for v in values)}]))"
        for e, values in zip(keys, q.keys, strict=True)
    )
    if q.bounds:
        lo, hi = q.bounds
        factor = 10**q.precision
        value = (
            f'CAST(round(least(greatest(coalesce(CAST("{q.measure}" AS DOUBLE), {lo!r}), {lo!r}), {hi!r})'
            f" * {factor}) AS BIGINT)"
        )
    else:
        value = "0"
    group = ", ".join(key_alias)
    return (
        f'WITH src AS (SELECT "{q.unit}" AS u, {select_keys}{value} AS v FROM {q.table}'
        f"{' WHERE ' + where if where else ''}), "
        "shuffled AS (SELECT *, random() AS r FROM src), "
        "bounded AS (SELECT *, row_number() OVER (PARTITION BY u ORDER BY r) AS rn FROM shuffled) "
        f"SELECT {group + ', ' if group else ''}count(*) AS n, CAST(coalesce(sum(v), 0) AS BIGINT) AS s "
        f"FROM bounded WHERE rn <= {q.contributions}{' GROUP BY ' + group if group else ''}"
    )


# --- the mechanism --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One noised vector: "count" or "sum", its sensitivity (integer units) and its noise scale.

    The sensitivity is the L1 bound for Laplace and the L2 bound for Gaussian (the same number: one
    unit's k rows may all fall in one cell, so L2 = L1 in the worst case).
    """

    name: str
    sensitivity: int
    scale: float
    epsilon: float  # from the privacy map of the measurement built with `scale`
    delta: float = 0.0  # likewise (Gaussian only)
    mechanism: str = MECHANISM

    def as_dict(self) -> dict:
        """What the jailed worker needs to rebuild and re-check the measurement (and what is recorded)."""
        return {
            "name": self.name,
            "mechanism": self.mechanism,
            "sensitivity": self.sensitivity,
            "scale": self.scale,
            "epsilon": self.epsilon,
            "delta": self.delta,
        }


@dataclass(frozen=True)
class Plan:
    parts: tuple[Part, ...]
    epsilon: float
    delta: float
    mechanism: str = MECHANISM

    def as_dict(self) -> dict:
        return {
            "mechanism": self.mechanism,
            "epsilon": self.epsilon,
            "delta": self.delta,
            "parts": [p.as_dict() for p in self.parts],
        }


def opendp():
    import opendp.prelude as dp

    # "contrib" only: OpenDP's vetted-in-progress constructors (make_laplace over integer vectors) sit
    # behind it. "floating-point" and "honest-but-curious" stay off: sums are noised as integers, and
    # no user-supplied function runs inside a measurement.
    dp.enable_features("contrib")
    return dp


def measurement(dp, scale: float, mechanism: str = MECHANISM, delta: float = 0.0):
    """The noise over a vector of 64-bit integers, built once with a fixed scale.

    discrete_laplace: L1 sensitivity in, ε out. discrete_gaussian: L2 sensitivity in, ρ-zCDP converted
    to approximate DP by OpenDP and fixed at `delta`, so the map gives (ε, δ). The jailed worker carries
    the same construction (`jailed/dp_worker.py`); the tests hold the two together.
    """
    space = dp.vector_domain(dp.atom_domain(T="i64"))
    if mechanism == MECHANISMS["gaussian"]:
        zcdp = dp.m.make_gaussian(space, dp.l2_distance(T="i64"), scale=float(scale))
        return dp.c.make_fix_delta(dp.c.make_zCDP_to_approxDP(zcdp), float(delta))
    return dp.m.make_laplace(space, dp.l1_distance(T="i64"), scale=float(scale))


def gaussian_scale(sensitivity: int, epsilon: float, delta: float) -> float:
    """σ in closed form from the classic conversion ε = ρ + 2·sqrt(ρ·ln(1/δ)), ρ = Δ²/(2σ²).

    No search: OpenDP's conversion is tighter than this one, so its map of σ gives ε' ≤ ε (checked).
    """
    log = math.log(1 / delta)
    rho = (math.sqrt(log + epsilon) - math.sqrt(log)) ** 2
    return sensitivity / math.sqrt(2 * rho)


def spent(meas, sensitivity: int) -> tuple[float, float]:
    """(ε, δ) from the privacy map; pure-DP maps give ε alone."""
    out = meas.map(int(sensitivity))
    if isinstance(out, tuple):
        return float(out[0]), float(out[1])
    return float(out), 0.0


def plan(q: DpQuery) -> Plan:
    """Sensitivities and fixed scales; each part's ε is what OpenDP's privacy map says, not our formula."""
    dp = opendp()
    k = q.contributions
    wanted: list[tuple[str, int]] = []
    if q.statistic in ("count", "histogram", "mean"):
        wanted.append(("count", k))
    if q.bounds:
        bound = max(abs(q.bounds[0]), abs(q.bounds[1]))
        wanted.append(("sum", max(1, math.ceil(k * bound * 10**q.precision))))
    # A mean splits (ε, δ) evenly between its count and its sum (basic composition).
    share, delta_share = q.epsilon / len(wanted), q.delta / len(wanted)
    mechanism = MECHANISMS[q.mechanism]
    parts = []
    for name, sensitivity in wanted:
        if q.mechanism == "gaussian":
            scale = gaussian_scale(sensitivity, share, delta_share)
        else:
            scale = sensitivity / share
        eps, delta = spent(measurement(dp, scale, mechanism, delta_share), sensitivity)
        if eps > share * (1 + 1e-9) or delta > delta_share * (1 + 1e-9):
            raise _refuse("隐私损失核验未通过", "the privacy map exceeds the declared (ε, δ)")
        parts.append(Part(name, sensitivity, scale, eps, delta, mechanism))
    if q.statistic == "sum":
        parts = [p for p in parts if p.name == "sum"]  # a sum releases no count
    elif q.statistic in ("count", "histogram"):
        parts = [p for p in parts if p.name == "count"]
    return Plan(
        tuple(parts),
        epsilon=sum(p.epsilon for p in parts),
        delta=sum(p.delta for p in parts),
        mechanism=mechanism,
    )


def release_rows(q: DpQuery, noisy: dict[str, list[int]]) -> tuple[list[str], list[list]]:
    """Post-processing of the noised vectors (no privacy cost): the table the operator receives."""
    columns = list(q.key_columns) + [q.statistic if q.statistic != "histogram" else "count"]
    rows = []
    factor = 10**q.precision
    for i, cell in enumerate(q.cells):
        count = max(0, int(noisy["count"][i])) if "count" in noisy else None
        if q.statistic in ("count", "histogram"):
            value = count
        elif q.statistic == "sum":
            value = round(noisy["sum"][i] / factor, q.precision)
        else:
            lo, hi = q.bounds
            mean = noisy["sum"][i] / factor / max(count, 1)
            value = round(min(max(mean, lo), hi), q.precision)
        rows.append([*cell, value])
    return columns, rows
