"""Pytest plugin: the suite-wide canary net (issue #6, "canary scan").

Tests and the demo plant canary records (unique strings) in raw data. Nothing a person can receive may
carry one, so for every test this plugin watches, in the test's process (and the live server's thread):

- every HTTP response Django produces (test client and live server alike): headers and body, streaming
  and file responses included (a file response is read from its file, a streamed one as it is consumed);
- every log record at INFO and above (message and exception text);
- every mail in `django.core.mail.outbox`;
- every command run through typer's or click's `CliRunner`: its output and its exception;
- for a test with database access, at the end of the test: the ledger's payloads and every job's error
  and log fields and every output's reasons (and rows, once released).

A test that produced a leak fails, naming the channel. At the end the terminal summary counts what was
scanned (summed over pytest-xdist workers).

Needles are ASCII on purpose: they survive JSON's `\\uXXXX` escaping of Chinese, HTML escaping, URL
encoding and GBK. A canary written only into a compressed file (Parquet pages) cannot be seen here;
those paths keep their own assertions. Loaded by the root conftest (`pytest_plugins`).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field

import pytest

# The canaries planted in raw data, as their ASCII part (the Chinese prefix of 金丝雀Canary… is escaped
# in JSON bodies; the suffix is not). Where each is planted:
CANARIES: tuple[str, ...] = (
    "CANARY-5f1c9e",  # sandbox vault and people CSV (src/shuyu/sandbox/tests/conftest.py)
    "CANARY_5f1c9e",  # the same, as a jailed attack rewrites it (sandbox/tests/test_jail.py)
    "Canary9c1e",  # catalog uploads, 金丝雀Canary9c1e (src/shuyu/catalog/tests/conftest.py)
    "Canary7f3a",  # catalog API uploads, 金丝雀Canary7f3a (src/shuyu/catalog/tests/test_api.py)
    "Canary5e2b",  # the demo world's planted version, 金丝雀Canary5e2b (tests/security/conftest.py)
    "Canary3d7a",  # the demo's synthetic 社保 data, 金丝雀Canary3d7a (shuyu.catalog.synthetic.CANARY)
)
_NEEDLES: list[bytes] = [c.encode() for c in CANARIES]
MIN_PLANTED = 8  # a shorter planted value would match by chance


def plant(*values: str) -> None:
    """Add canaries made at run time (e.g. the direct identifiers of a generated file) for the rest of
    this process's session. Each must be at least 8 characters; ASCII survives every encoding best."""
    global _OVERLAP
    for v in values:
        if len(v) < MIN_PLANTED:
            raise ValueError(f"a canary needs at least {MIN_PLANTED} characters")
        needle = v.encode("utf-8")
        if needle not in _NEEDLES:
            _NEEDLES.append(needle)
    _OVERLAP = max(len(n) for n in _NEEDLES) - 1


_OVERLAP = max(len(n) for n in _NEEDLES) - 1
FILE_SCAN_LIMIT = 64 * 1024**2  # a file response larger than this is scanned in its first 64 MiB only
LOG_LEVEL = logging.INFO


def found_in(data: bytes | str) -> str | None:
    """The first canary in `data`, or None."""
    if isinstance(data, str):
        data = data.encode("utf-8", "replace")
    for needle in _NEEDLES:
        if needle in data:
            return needle.decode()
    return None


@dataclass
class Counts:
    tests: int = 0
    responses: int = 0
    response_bytes: int = 0
    log_records: int = 0
    mails: int = 0
    cli_runs: int = 0
    ledger_entries: int = 0
    job_records: int = 0
    leaks: int = 0
    seconds: float = 0.0  # spent by the net itself (an upper bound on its overhead)

    def add(self, other: dict) -> None:
        for k, v in other.items():
            if hasattr(self, k):
                setattr(self, k, getattr(self, k) + v)


@dataclass
class Net:
    """What the current test has leaked so far; the live server's thread writes here too."""

    counts: Counts = field(default_factory=Counts)
    leaks: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def leak(self, channel: str, where: str, canary: str) -> None:
        with self.lock:
            self.leaks.append(f"{channel}: {where} carries the canary {canary!r}")

    def drain(self) -> list[str]:
        """Take (and forget) the leaks recorded so far: the net's own tests use it."""
        with self.lock:
            leaks, self.leaks = self.leaks, []
        return leaks

    # -- channels -------------------------------------------------------------------------------------

    def response(self, request, response) -> None:
        where = f"{getattr(request, 'method', '?')} {getattr(request, 'path', '?')} → {response.status_code}"
        self.counts.responses += 1
        canary = found_in(response.serialize_headers())
        if canary:
            self.leak("response header", where, canary)
        if not getattr(response, "streaming", False):
            body = response.content
            self.counts.response_bytes += len(body)
            canary = found_in(body)
            if canary:
                self.leak("response", where, canary)
            return
        stream = getattr(response, "file_to_stream", None)
        path = getattr(stream, "name", None)
        if isinstance(path, str) and os.path.isfile(path):
            # A FileResponse may be sent by wsgi.file_wrapper without touching streaming_content.
            with open(path, "rb") as f:
                body = f.read(FILE_SCAN_LIMIT)
            self.counts.response_bytes += len(body)
            canary = found_in(body)
            if canary:
                self.leak("download", where, canary)
            return
        if getattr(response, "is_async", False):
            response.streaming_content = self._scanned_async(response.streaming_content, where)
        else:
            response.streaming_content = self._scanned(response.streaming_content, where)

    def _scanned(self, chunks, where: str):
        tail = [b""]
        for chunk in chunks:
            self._chunk(chunk, tail, where)
            yield chunk

    async def _scanned_async(self, chunks, where: str):
        tail = [b""]
        async for chunk in chunks:
            self._chunk(chunk, tail, where)
            yield chunk

    def _chunk(self, chunk, tail: list[bytes], where: str) -> None:
        # `tail` keeps the last bytes of the previous chunk: a canary split across two chunks is still seen.
        data = chunk if isinstance(chunk, bytes) else bytes(chunk)
        self.counts.response_bytes += len(data)
        canary = found_in(tail[0] + data)
        if canary:
            self.leak("streamed response", where, canary)
            tail[0] = b""
        else:
            tail[0] = (tail[0] + data)[-_OVERLAP:]

    def cli(self, args, result) -> None:
        """What a command printed (click/typer's CliRunner: stdout and stderr) and its exception."""
        self.counts.cli_runs += 1
        text = str(getattr(result, "output", ""))
        if getattr(result, "exception", None) is not None and not isinstance(result.exception, SystemExit):
            text += "\n" + str(result.exception)
        canary = found_in(text)
        if canary:
            self.leak("cli output", "shuyu " + " ".join(map(str, args or []))[:80], canary)

    def log(self, record: logging.LogRecord) -> None:
        self.counts.log_records += 1
        try:
            text = record.getMessage()
        except Exception:  # a broken format string is the logging call's problem, not a leak
            text = str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        canary = found_in(text)
        if canary:
            self.leak("log", f"{record.name} {record.levelname}", canary)

    def mail(self) -> None:
        from django.core import mail

        for i, m in enumerate(getattr(mail, "outbox", [])):
            self.counts.mails += 1
            parts = [m.subject, m.body, *map(str, m.to), *map(str, getattr(m, "cc", []))]
            parts += [str(content) for content, _ in getattr(m, "alternatives", [])]
            for a in getattr(m, "attachments", []):
                parts += [str(x) for x in (a if isinstance(a, tuple) else (a.filename, a.content))]
            canary = found_in("\n".join(parts))
            if canary:
                self.leak("mail", f"outbox[{i}] {m.subject[:40]!r}", canary)

    def database(self) -> None:
        """The ledger and the jobs' stored errors, logs and outputs, if this test may use the database."""
        from django.db import DatabaseError, connection

        try:
            connection.ensure_connection()
        except RuntimeError:  # pytest-django blocks database access in this test: nothing stored
            return
        if connection.needs_rollback:  # the test left its transaction broken; nothing can be read
            return
        try:
            self._stored()
        except DatabaseError:  # e.g. PostgreSQL's aborted transaction after a test's own refused write
            return

    def _stored(self) -> None:
        from shuyu.ledger.models import LedgerEntry
        from shuyu.sandbox.models import Job, Output

        for seq, action, payload in LedgerEntry.objects.values_list("seq", "action", "payload").iterator():
            self.counts.ledger_entries += 1
            canary = found_in(payload)
            if canary:
                self.leak("ledger", f"entry {seq} {action}", canary)
        for pk, *texts in Job.objects.values_list(
            "pk", "error_code", "error_zh", "error_en", "log"
        ).iterator():
            self.counts.job_records += 1
            canary = found_in("\n".join(map(str, texts)))
            if canary:
                self.leak("job error/log", f"job {pk}", canary)
        for pk, status, reasons, rows in Output.objects.values_list(
            "pk", "status", "reasons", "rows"
        ).iterator():
            self.counts.job_records += 1
            canary = found_in(str(reasons) + (str(rows) if status == "released" else ""))
            if canary:
                self.leak("output", f"output {pk} ({status})", canary)


NET = Net()


def _install_response_tap() -> None:
    from django.core.handlers.base import BaseHandler

    if getattr(BaseHandler.get_response, "_canary_tap", False):
        return
    original = BaseHandler.get_response

    def get_response(self, request):
        response = original(self, request)
        started = time.perf_counter()
        NET.response(request, response)
        NET.counts.seconds += time.perf_counter() - started
        return response

    get_response._canary_tap = True
    BaseHandler.get_response = get_response


def _install_cli_tap() -> None:
    import importlib

    for module in ("click.testing", "typer.testing"):  # typer's CliRunner is not click's subclass
        try:
            runner = importlib.import_module(module).CliRunner
        except ImportError:  # pragma: no cover
            continue
        if not getattr(runner.invoke, "_canary_tap", False):
            runner.invoke = _tapped_invoke(runner.invoke)


def _tapped_invoke(original):
    def invoke(self, cli, args=None, *a, **kw):
        result = original(self, cli, args, *a, **kw)
        started = time.perf_counter()
        NET.cli([args] if isinstance(args, str) else args, result)
        NET.counts.seconds += time.perf_counter() - started
        return result

    invoke._canary_tap = True
    return invoke


def _install_log_tap() -> None:
    # Logger.handle, not a root handler: `django.setup()` (every CLI command runs it) re-applies LOGGING,
    # which replaces the root's handlers; and records of loggers that do not propagate are seen too.
    if not getattr(logging.Logger.handle, "_canary_tap", False):
        original = logging.Logger.handle

        def handle(self, record):
            if record.levelno >= LOG_LEVEL:
                started = time.perf_counter()
                NET.log(record)
                NET.counts.seconds += time.perf_counter() - started
            return original(self, record)

        handle._canary_tap = True
        logging.Logger.handle = handle
    _hear_info()


def _hear_info() -> None:
    """Let INFO records be made (the root logs WARNING by default), while every handler prints as before."""
    root = logging.getLogger()
    if root.level > LOG_LEVEL:
        for h in root.handlers:
            if h.level == logging.NOTSET:
                h.setLevel(root.level)
        root.setLevel(LOG_LEVEL)


# -- pytest hooks ---------------------------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "canary_net_off: the canary net records but does not fail this test (say why in the test)"
    )
    config.stash[_totals_key] = Counts()


_totals_key = pytest.StashKey[Counts]()


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    # After pytest-django has configured Django (its own pytest_configure / sessionstart).
    from django.conf import settings

    if settings.configured:
        _install_response_tap()
        _install_log_tap()
        _install_cli_tap()


def _judged(item: pytest.Item) -> bool:
    return item.get_closest_marker("canary_net_off") is None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    NET.drain()  # whatever happened between tests (collection, a previous teardown) is no one's
    _hear_info()  # again: a CLI test's django.setup() may have re-applied LOGGING
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    result = yield  # a failing test stays failed as it was; its leaks are dropped at the next setup
    started = time.perf_counter()
    NET.counts.tests += 1
    NET.mail()
    NET.database()
    leaks = NET.drain()
    NET.counts.seconds += time.perf_counter() - started
    if leaks and _judged(item):
        NET.counts.leaks += len(leaks)
        pytest.fail("canary leaked (issue #6 canary scan):\n  " + "\n  ".join(leaks), pytrace=False)
    return result


def pytest_sessionfinish(session: pytest.Session) -> None:
    totals = session.config.stash[_totals_key]
    totals.add(vars(NET.counts))
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: hand the counts to the controller
        workeroutput["canary_net"] = vars(NET.counts)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    counts = getattr(node, "workeroutput", {}).get("canary_net")
    if counts:
        node.config.stash[_totals_key].add(counts)


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    t = config.stash[_totals_key]
    if not t.tests:
        return
    terminalreporter.write_sep("-", "canary net (issue #6)")
    terminalreporter.write_line(
        f"{t.tests} tests: {t.responses} responses ({t.response_bytes / 1024**2:.1f} MiB), "
        f"{t.log_records} log records, {t.mails} mails, {t.cli_runs} CLI runs, {t.ledger_entries} ledger entries, "
        f"{t.job_records} job/output records scanned for {len(_NEEDLES)} canaries in {t.seconds:.2f} s; leaks: {t.leaks}"
    )
