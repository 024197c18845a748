"""DP worker, run inside the jail: the bounded aggregate is computed and noised here (R18.2).

/job/request.json carries the host-built aggregate SQL (from a validated declaration, no operator
text), the declared cells in release order and, per part, the L1 sensitivity, the fixed noise scale
and the ε it may cost. The worker builds each OpenDP measurement once with that scale, checks it with
its privacy map, and writes only the noised vectors to /out/result.json: the true aggregate never
leaves this process. Errors are reported by class name only.
"""

import json
import sys

sys.path += ["/opt/shuyu", "/opt/site"]  # python -I leaves both out: our helpers, then duckdb

import locked_duckdb  # noqa: E402


def main() -> int:
    with open("/job/request.json", encoding="utf-8") as fh:
        request = json.load(fh)
    try:
        import opendp.prelude as dp

        # "contrib": the integer-vector Laplace constructor sits behind it; nothing else is enabled.
        dp.enable_features("contrib")
        con = locked_duckdb.connect(
            tables=request["tables"], memory_limit=request["memory_limit"], threads=request["threads"]
        )
        width = int(request["key_width"])
        true = {}
        for row in con.execute(request["sql"]).fetchall():
            true[tuple(row[:width])] = (int(row[width]), int(row[width + 1]))
        cells = [tuple(c) for c in request["cells"]]
        noisy = {}
        for part in request["parts"]:
            meas = dp.m.make_laplace(
                dp.vector_domain(dp.atom_domain(T="i64")),
                dp.l1_distance(T="i64"),
                scale=float(part["scale"]),
            )
            if meas.map(int(part["sensitivity"])) > float(part["epsilon"]) * (1 + 1e-9):
                raise ValueError("privacy map exceeds the declared epsilon")
            index = 0 if part["name"] == "count" else 1
            vector = [true.get(cell, (0, 0))[index] for cell in cells]
            noisy[part["name"]] = [int(v) for v in meas(vector)]
        del true
    except Exception as exc:  # report the class only, never the message
        with open("/out/error.json", "w", encoding="utf-8") as fh:
            json.dump({"class": type(exc).__name__}, fh)
        return 3
    with open("/out/result.json", "w", encoding="utf-8") as fh:
        json.dump({"noisy": noisy}, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
