"""DP worker, run inside the jail: the bounded aggregate is computed and noised here (R18.2).

/job/request.json carries the host-built aggregate SQL (from a validated declaration, no operator
text), the declared cells in release order and, per part, the mechanism (discrete Laplace or discrete
Gaussian), the sensitivity (L1 or L2), the fixed noise scale and the (ε, δ) it may cost. The worker
builds each OpenDP measurement once with that scale — the same construction as `dp.measurement` on the
host — checks it with its privacy map, and writes only the noised vectors to /out/result.json: the true
aggregate never leaves this process. Errors are reported by class name only.
"""

import json
import sys
from concurrent.futures import ThreadPoolExecutor

sys.path += ["/opt/shuyu", "/opt/site"]  # python -I leaves both out: our helpers, then duckdb

import locked_duckdb  # noqa: E402

SLACK = 1 + 1e-9  # float slack on the declared (ε, δ), as on the host


def measurement(dp, part: dict):
    """Discrete Laplace (L1 → ε) or discrete Gaussian (L2 → ρ-zCDP → (ε, δ) at the fixed δ)."""
    space = dp.vector_domain(dp.atom_domain(T="i64"))
    mechanism = part.get("mechanism", "discrete_laplace")
    if mechanism == "discrete_gaussian":
        zcdp = dp.m.make_gaussian(space, dp.l2_distance(T="i64"), scale=float(part["scale"]))
        return dp.c.make_fix_delta(dp.c.make_zCDP_to_approxDP(zcdp), float(part["delta"]))
    if mechanism == "discrete_laplace":
        return dp.m.make_laplace(space, dp.l1_distance(T="i64"), scale=float(part["scale"]))
    raise ValueError("unknown mechanism")


def within(meas, part: dict) -> bool:
    out = meas.map(int(part["sensitivity"]))
    epsilon, delta = (out[0], out[1]) if isinstance(out, tuple) else (out, 0.0)
    return epsilon <= float(part["epsilon"]) * SLACK and delta <= float(part.get("delta", 0.0)) * SLACK


def main() -> int:
    with open("/job/request.json", encoding="utf-8") as fh:
        request = json.load(fh)
    try:
        import opendp.prelude as dp

        # "contrib": the integer-vector Laplace and Gaussian constructors and the zCDP → approximate-DP
        # combinators sit behind it; nothing else is enabled.
        dp.enable_features("contrib")
        con = locked_duckdb.connect(
            tables=request["tables"], memory_limit=request["memory_limit"], threads=request["threads"]
        )
        width = int(request["key_width"])
        true = {}
        for row in con.execute(request["sql"]).fetchall():
            true[tuple(row[:width])] = (int(row[width]), int(row[width + 1]))
        con.close()
        cells = [tuple(c) for c in request["cells"]]
        jobs = []
        for part in request["parts"]:
            meas = measurement(dp, part)
            if not within(meas, part):
                raise ValueError("privacy map exceeds the declared epsilon or delta")
            index = 0 if part["name"] == "count" else 1
            jobs.append((part["name"], meas, [true.get(cell, (0, 0))[index] for cell in cells]))
        del true
        # OpenDP's exact samplers cost ~10-50 µs a value; its calls release the GIL, so the parts (count,
        # sum) are sampled side by side. Each part is one measurement over its whole vector, as checked.
        with ThreadPoolExecutor(max_workers=max(1, len(jobs))) as pool:
            noised = pool.map(lambda job: [int(v) for v in job[1](job[2])], jobs)
            noisy = {name: values for (name, _, _), values in zip(jobs, noised, strict=True)}
    except Exception as exc:  # report the class only, never the message
        with open("/out/error.json", "w", encoding="utf-8") as fh:
            json.dump({"class": type(exc).__name__}, fh)
        return 3
    with open("/out/result.json", "w", encoding="utf-8") as fh:
        json.dump({"noisy": noisy}, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
