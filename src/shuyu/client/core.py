"""The client proper: one `Client` over the HTTP API, and small objects for workspaces, jobs and outputs.

Only the standard library is required. pandas (for DataFrames) and pyarrow or duckdb (to read the mock
Parquet files) are used when they are installed, never required.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

API = "/api"
WORKER_STATES = ("queued", "running")  # the worker has not finished with the job yet
OPEN_STATES = (*WORKER_STATES, "gated")  # a reviewer may still change what the job produced
STATUS_ZH = {
    "queued": "排队中",
    "running": "运行中",
    "gated": "待审查",
    "released": "已放行",
    "blocked": "已拦截",
    "failed": "失败",
    "cancelled": "已取消",
    "pending": "待审查",
}


class ShuyuError(Exception):
    """A refusal by the platform, as the API gave it: the requirement, its article, and the reason in
    Chinese and English (never the query's or the data's own text: the server does not echo them)."""

    def __init__(self, status: int, code: str, article: str, zh: str, en: str) -> None:
        super().__init__(f"{code} {article}：{zh} / {en}".replace("  ", " ").strip())
        self.status, self.code, self.article, self.zh, self.en = status, code, article, zh, en

    @property
    def requirement(self) -> str:
        """The requirement id the refusal enforces (e.g. `R19.2`), the same as `code` for rule refusals."""
        return self.code

    @classmethod
    def from_body(cls, status: int, body: bytes) -> ShuyuError:
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            data = None
        if not isinstance(data, dict) or "code" not in data:
            # Not the API's error body (a proxy's page, say): say so, without repeating what it held.
            return cls(status, "HTTP", "", f"服务器返回 HTTP {status}", f"the server answered HTTP {status}")
        return cls(
            status,
            str(data.get("code", "")),
            str(data.get("article", "")),
            str(data.get("message_zh", "")),
            str(data.get("message_en", "")),
        )


class IntegrityMismatch(ShuyuError):
    """A downloaded table does not match the SHA-256 the platform recorded for the released output."""

    def __init__(self, output_id: int) -> None:
        super().__init__(
            0,
            "R19.2",
            "第十九条",
            f"下载的成果 {output_id} 与平台记录的哈希不符",
            f"the download of output {output_id} does not match its recorded SHA-256",
        )


@dataclasses.dataclass(frozen=True)
class Reason:
    """Why the output gate decided as it did for one rule (cell and measure when the rule names one)."""

    requirement: str
    code: str
    verdict: str
    zh: str
    en: str
    cell: int | None = None
    measure: str | None = None
    facts: dict = dataclasses.field(default_factory=dict)

    def __str__(self) -> str:
        where = f" [cell {self.cell}]" if self.cell is not None else ""
        return f"{self.requirement} {self.verdict}{where}: {self.zh} / {self.en}"

    @classmethod
    def from_api(cls, d: dict) -> Reason:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


def _want_pandas(as_: str):
    if as_ not in ("auto", "pandas", "pyarrow", "dicts"):
        raise ValueError("as_ must be 'auto', 'pandas', 'pyarrow' or 'dicts'")
    if as_ in ("auto", "pandas"):
        try:
            import pandas
        except ImportError:
            if as_ == "pandas":
                raise
            return None
        return pandas
    return None


def table_from_rows(columns: list[str], rows: list[list], as_: str = "auto"):
    """A released table as a pandas DataFrame when pandas is installed (or asked for), else a list of dicts."""
    pandas = _want_pandas(as_)
    if pandas is not None:
        return pandas.DataFrame(rows, columns=columns)
    if as_ == "pyarrow":
        import pyarrow

        return pyarrow.Table.from_pylist([dict(zip(columns, r, strict=True)) for r in rows])
    return [dict(zip(columns, r, strict=True)) for r in rows]


def table_from_parquet(data: bytes, as_: str = "auto"):
    """Mock rows: a DataFrame (pandas), else a pyarrow Table (pyarrow), else a list of dicts (duckdb)."""
    pandas = _want_pandas(as_)
    if pandas is not None:
        try:
            return pandas.read_parquet(io.BytesIO(data))
        except ImportError:  # pandas without a Parquet engine
            if as_ == "pandas":
                raise
    if as_ in ("auto", "pyarrow"):
        try:
            import pyarrow.parquet as pq
        except ImportError:
            if as_ == "pyarrow":
                raise
        else:
            return pq.read_table(io.BytesIO(data))
    try:
        import duckdb
    except ImportError as exc:
        raise ImportError(
            "读取 Parquet 需要 pandas、pyarrow 或 duckdb 之一；也可用 mock_bytes() 保存文件 / "
            "reading Parquet needs pandas, pyarrow or duckdb; or save the file with mock_bytes()"
        ) from exc
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".parquet") as f:
        f.write(data)
        f.flush()
        con = duckdb.connect(":memory:")
        try:
            cur = con.execute("SELECT * FROM read_parquet(?)", [f.name])
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        finally:
            con.close()


class Client:
    """One connection to a shuyu server, authenticated by an API token (`Authorization: Bearer …`).

    `token` defaults to the environment variable `SHUYU_TOKEN`, so a notebook need not hold it in a cell.
    """

    def __init__(self, base_url: str, token: str | None = None, *, timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token if token is not None else os.environ.get("SHUYU_TOKEN", "")
        self.timeout = timeout

    def __repr__(self) -> str:  # never the token
        return f"Client({self.base_url!r})"

    @classmethod
    def login(cls, base_url: str, username: str, password: str, *, label: str = "notebook", **kw) -> Client:
        """Sign in with username and password; the server issues a token for this client (shown once)."""
        anonymous = cls(base_url, token="", **kw)
        issued = anonymous._json(
            "POST", "/orgs/tokens", {"username": username, "password": password, "label": label}
        )
        return cls(base_url, token=issued["token"], **kw)

    # -- HTTP -------------------------------------------------------------------------------------------

    def _request(self, method: str, path: str, body: Any = None, query: dict | None = None) -> bytes:
        url = self.base_url + API + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        headers = {"Accept": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.read()
        except urllib.error.HTTPError as exc:
            raise ShuyuError.from_body(exc.code, exc.read()) from None
        except urllib.error.URLError as exc:
            raise ShuyuError(
                0,
                "CONNECTION",
                "",
                f"无法连接服务器 {self.base_url}",
                f"cannot reach {self.base_url}: {exc.reason}",
            ) from None

    def _json(self, method: str, path: str, body: Any = None, query: dict | None = None) -> Any:
        return json.loads(self._request(method, path, body, query).decode("utf-8"))

    # -- entry points ------------------------------------------------------------------------------------

    def me(self) -> dict:
        """Who the token acts for (person, organization, roles)."""
        return self._json("GET", "/orgs/me")

    def workspaces(self) -> list[Workspace]:
        return [Workspace(self, w) for w in self._json("GET", "/sandbox/workspaces")]

    def workspace(self, workspace_id: int) -> Workspace:
        """One of your workspaces; someone else's is refused as not found (the server decides)."""
        for w in self._json("GET", "/sandbox/workspaces"):
            if w["id"] == workspace_id:
                return Workspace(self, w)
        # Let the server say why, in its own words (its 404 does not tell "missing" from "not yours").
        self._json("GET", f"/sandbox/workspaces/{int(workspace_id)}/schema")
        raise ShuyuError(404, "NOT_FOUND", "", "工作区不存在", "no such workspace")  # pragma: no cover

    def create_workspace(self, agreement_id: int, name: str) -> Workspace:
        w = self._json("POST", "/sandbox/workspaces", {"agreement_id": agreement_id, "name": name})
        return Workspace(self, w)

    def job(self, job_id: int) -> Job:
        return Job(self, self._json("GET", f"/sandbox/jobs/{int(job_id)}"))

    def output(self, output_id: int) -> Output:
        return Output(self, self._json("GET", f"/sandbox/outputs/{int(output_id)}"))

    def review_queue(self) -> list[Output]:
        """Outputs waiting for a reviewer (implementing agency's reviewers only)."""
        return [Output(self, o) for o in self._json("GET", "/sandbox/outputs/review-queue")]


class Workspace:
    """An operator's workspace on one agreement: its tables, mock data, and the jobs run in it."""

    def __init__(self, client: Client, data: dict) -> None:
        self._c, self._data = client, data
        self.id: int = data["id"]
        self.name: str = data["name"]
        self.agreement_id: int = data["agreement_id"]

    def __repr__(self) -> str:
        return f"<Workspace {self.id} {self.name!r} agreement={self.agreement_id}>"

    @property
    def agreement_status(self) -> str:
        return self._data.get("agreement_status", "")

    def tables(self) -> list[str]:
        """The table names a job may read (one per authorized resource)."""
        return [t["name"] for t in self._data["tables"]]

    def table_info(self) -> list[dict]:
        """Each table with its resource code and name."""
        return [dict(t) for t in self._data["tables"]]

    def schema(self) -> dict:
        """The schema document: every field with its type and the rule the gate applies to it."""
        return self._c._json("GET", f"/sandbox/workspaces/{self.id}/schema")

    def mock_bytes(self, table: str, rows: int = 200, *, seed: int = 0) -> bytes:
        """Mock rows of `table` as a Parquet file, generated from the schema alone (never a raw value)."""
        return self._c._request(
            "GET",
            f"/sandbox/workspaces/{self.id}/mock/{urllib.parse.quote(table)}",
            query={"rows": rows, "seed": seed},
        )

    def mock(self, table: str, rows: int = 200, *, seed: int = 0, as_: str = "auto"):
        """Mock rows to develop a query against: a DataFrame with pandas, else a pyarrow Table, else dicts."""
        return table_from_parquet(self.mock_bytes(table, rows, seed=seed), as_)

    def submit_sql(self, sql: str) -> Job:
        """Submit a SQL job. A query the policy refuses raises ShuyuError at once (R04.1/R19.x)."""
        return self._submit("sql", sql)

    def submit_python(self, code: str) -> Job:
        """Submit a Python script run in the jail (`from shuyu_sdk import load, emit`)."""
        return self._submit("python", code)

    def _submit(self, kind: str, code: str) -> Job:
        return Job(
            self._c,
            self._c._json("POST", f"/sandbox/workspaces/{self.id}/jobs", {"kind": kind, "code": code}),
        )

    def jobs(self) -> list[Job]:
        """The latest jobs of this workspace (newest first, at most 100)."""
        return [Job(self._c, j) for j in self._c._json("GET", f"/sandbox/workspaces/{self.id}/jobs")]

    # -- differential privacy (R18.2) ------------------------------------------------------------------

    def dp_budget(self) -> list[dict]:
        """The privacy budget of each resource: total, spent and remaining (ε, δ)."""
        return self._c._json("GET", f"/sandbox/workspaces/{self.id}/dp/budget")

    @staticmethod
    def _dp_spec(
        table, statistic, *, epsilon, measure, group_by, keys, bounds, contributions, precision, **extra
    ):
        spec = {k: v for k, v in extra.items() if v is not None}  # mechanism, delta (servers that know them)
        spec |= {
            "table": table,
            "statistic": statistic,
            "epsilon": epsilon,
            "group_by": list(group_by),
            "keys": dict(keys or {}),
            "contributions": contributions,
            "precision": precision,
        }
        if measure is not None:
            spec["measure"] = measure
        if bounds is not None:
            spec["bounds"] = list(bounds)
        return spec

    def dp_estimate(
        self,
        table: str,
        statistic: str,
        *,
        epsilon: float,
        measure: str | None = None,
        group_by=(),
        keys: dict | None = None,
        bounds=None,
        contributions: int = 1,
        precision: int = 2,
        mechanism: str | None = None,
        delta: float | None = None,
    ) -> dict:
        """The privacy cost of a declared query and the budget left after it; spends nothing."""
        spec = self._dp_spec(
            table,
            statistic,
            epsilon=epsilon,
            measure=measure,
            group_by=group_by,
            keys=keys,
            bounds=bounds,
            contributions=contributions,
            precision=precision,
            mechanism=mechanism,
            delta=delta,
        )
        return self._c._json("POST", f"/sandbox/workspaces/{self.id}/dp/estimate", spec)

    def submit_dp(
        self,
        table: str,
        statistic: str,
        *,
        epsilon: float,
        measure: str | None = None,
        group_by=(),
        keys: dict | None = None,
        bounds=None,
        contributions: int = 1,
        precision: int = 2,
        mechanism: str | None = None,
        delta: float | None = None,
    ) -> Job:
        """Submit a declared DP query (count, sum, mean, histogram); it spends budget when it runs."""
        spec = self._dp_spec(
            table,
            statistic,
            epsilon=epsilon,
            measure=measure,
            group_by=group_by,
            keys=keys,
            bounds=bounds,
            contributions=contributions,
            precision=precision,
            mechanism=mechanism,
            delta=delta,
        )
        return Job(self._c, self._c._json("POST", f"/sandbox/workspaces/{self.id}/dp/jobs", spec))


class Job:
    """A submitted job. `status` and `outputs` are fetched again while the job may still change."""

    def __init__(self, client: Client, data: dict) -> None:
        self._c = client
        self._set(data)

    def _set(self, data: dict) -> None:
        self._data = data
        self.id: int = data["id"]
        self.kind: str = data["kind"]
        self.workspace_id: int = data["workspace_id"]

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self._data['status']}>"

    def refresh(self) -> Job:
        self._set(self._c._json("GET", f"/sandbox/jobs/{self.id}"))
        return self

    def _fresh(self) -> dict:
        if self._data["status"] in OPEN_STATES:
            self.refresh()
        return self._data

    @property
    def status(self) -> str:
        """queued, running, gated (waiting for review), released, blocked, failed or cancelled."""
        return self._fresh()["status"]

    @property
    def outputs(self) -> list[Output]:
        return [Output(self._c, o) for o in self._fresh()["outputs"]]

    @property
    def log(self) -> str:
        """The job's redacted log (never a data value; the platform redacts it)."""
        return self._fresh()["log"]

    @property
    def error(self) -> ShuyuError | None:
        """Why the job failed, as a ShuyuError (not raised), or None."""
        d = self._fresh()
        if not d.get("error_code"):
            return None
        return ShuyuError(0, d.get("error_requirement") or d["error_code"], "", d["error_zh"], d["error_en"])

    def cancel(self) -> Job:
        self._set(self._c._json("POST", f"/sandbox/jobs/{self.id}/cancel"))
        return self

    def wait(self, timeout: float | None = None, *, progress: bool = False, poll: float = 0.5) -> Job:
        """Block until the worker is done with the job (gated, released, blocked, failed or cancelled).

        With `progress=True` each change of status is printed on one line. Raises TimeoutError after
        `timeout` seconds (the job keeps running on the server).
        """
        started = time.monotonic()
        last = None
        while True:
            status = self.refresh()._data["status"]
            if progress and status != last:
                label = f"{STATUS_ZH.get(status, status)} {status}"
                sys.stdout.write(f"作业 job {self.id}: {label}" if last is None else f" → {label}")
                sys.stdout.flush()
                last = status
            if status not in WORKER_STATES:
                if progress:
                    sys.stdout.write(f" ({time.monotonic() - started:.1f} s)\n")
                    sys.stdout.flush()
                return self
            if timeout is not None and time.monotonic() - started > timeout:
                if progress:
                    sys.stdout.write("\n")
                raise TimeoutError(f"job {self.id} still {status} after {timeout} s")
            time.sleep(poll)
            poll = min(poll * 1.5, 5.0)


class Output:
    """One output of a job, with the gate's verdict and reasons. Only a released one can be downloaded."""

    def __init__(self, client: Client, data: dict) -> None:
        self._c, self._data = client, data
        self.id: int = data["id"]
        self.job_id: int = data["job_id"]
        self.name: str = data["name"]
        self.sha256: str = data["sha256"]

    def __repr__(self) -> str:
        return f"<Output {self.id} {self.name!r} {self._data['verdict']}/{self._data['status']}>"

    def refresh(self) -> Output:
        self._data = self._c._json("GET", f"/sandbox/outputs/{self.id}")
        return self

    @property
    def status(self) -> str:
        """pending (waiting for a reviewer), released or blocked."""
        if self._data["status"] == "pending":
            self.refresh()
        return self._data["status"]

    @property
    def verdict(self) -> str:
        return self._data["verdict"]

    @property
    def reasons(self) -> list[Reason]:
        return [Reason.from_api(r) for r in self._data["reasons"]]

    def download_raw(self) -> dict:
        """{"name", "sha256", "columns", "rows"} of a released output, checked against its SHA-256.

        A refusal (not released, not yours) raises ShuyuError with the article from the server.
        """
        t = self._c._json("GET", f"/sandbox/outputs/{self.id}/download")
        digest = hashlib.sha256(
            json.dumps({"columns": t["columns"], "rows": t["rows"]}, sort_keys=True).encode()
        ).hexdigest()
        if digest != t["sha256"]:
            raise IntegrityMismatch(self.id)
        return t

    def download(self, *, as_: str = "auto"):
        """The released table: a DataFrame with pandas installed, else a list of dicts (or `as_`)."""
        t = self.download_raw()
        return table_from_rows(t["columns"], t["rows"], as_)

    @property
    def version(self) -> int:
        """The output's version (a new one follows a resubmission after a conditional approval)."""
        return self._data.get("version", 1)

    @property
    def reviews(self) -> list[dict]:
        """The current version's reviews (security and business), each with its decision and note."""
        return list(self._data.get("reviews", []))

    def review(self, kind: str, decision: str, note: str, changes=()) -> Output:
        """One of the two reviews (two people of the implementing agency, neither the submitter).

        kind: security | business; decision: approve | conditional | reject; `changes` (conditional only):
        dicts with action (suppress, round, remove, other), cell and detail.
        """
        body = {"kind": kind, "decision": decision, "note": note, "changes": [dict(c) for c in changes]}
        self._data = self._c._json("POST", f"/sandbox/outputs/{self.id}/review", body)
        return self

    def receipts(self) -> list[dict]:
        """The signed receipt of every review decision (verifiable offline)."""
        return self._c._json("GET", f"/sandbox/outputs/{self.id}/receipts")

    def resubmit(self, code: str) -> Job:
        """After a conditional approval, submit the changed SQL, script or DP declaration as a new version."""
        return Job(self._c, self._c._json("POST", f"/sandbox/outputs/{self.id}/resubmit", {"code": code}))
