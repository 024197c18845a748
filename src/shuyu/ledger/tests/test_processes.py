"""Several processes and a killed one against a real database file or server (R18.1: one gap-free,
verifiable sequence). Runs on SQLite (IMMEDIATE transactions + WAL) and PostgreSQL (row lock)."""

import os
import signal
import subprocess
import sys

import pytest
from django.db import connection, transaction

from shuyu import ledger
from shuyu.core.actors import Actor
from shuyu.ledger import services
from shuyu.ledger.models import LedgerEntry

# serialized_rollback: the flush after each test must not leave an empty database (regions, content
# types) behind for the browser tests that run after it in the same worker.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _database_url() -> str:
    """The URL of the test database this process uses (pytest-xdist gives each worker its own)."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{os.path.abspath(s['NAME'])}"
    if connection.vendor == "postgresql":
        return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}"
    pytest.fail(f"no subprocess URL for {connection.vendor}")


def _worker(*args: str, ledger_key) -> subprocess.Popen:
    env = {**os.environ, "SHUYU_DATABASE_URL": _database_url(), "SHUYU_LEDGER_KEY": str(ledger_key)}
    return subprocess.Popen(
        [sys.executable, "-m", "shuyu.ledger.tests.ledger_worker", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _seed() -> None:
    with transaction.atomic():
        ledger.append(Actor.system("ledger-test"), "test.thing.made", ("test.thing", 0), {})


def test_r18_1_concurrent_appends_from_several_processes_leave_no_gap(ledger_key):
    _seed()
    workers = [_worker("12", "1", ledger_key=ledger_key) for _ in range(2)] + [
        _worker("4", "5", ledger_key=ledger_key) for _ in range(2)
    ]
    for w in workers:
        out, err = w.communicate(timeout=120)
        assert w.returncode == 0, err
    expected = 1 + 2 * 12 + 2 * 4 * 5
    assert ledger.size() == expected
    assert list(LedgerEntry.objects.values_list("seq", flat=True)) == list(range(expected))
    report = services.verify_store()
    assert report.ok, report.en


def test_r18_1_process_killed_mid_append_leaves_a_verifiable_ledger(ledger_key):
    _seed()
    w = _worker("3", "40", "--hang", ledger_key=ledger_key)
    lines = []
    for line in w.stdout:
        lines.append(line.strip())
        if line.strip() == "uncommitted":
            w.send_signal(signal.SIGKILL)  # inside the transaction, after its rows were written
            break
    w.wait(timeout=60)
    w.stdout.close()
    w.stderr.close()
    assert lines == ["committed 0", "committed 1", "uncommitted"] and w.returncode == -signal.SIGKILL
    assert ledger.size() == 1 + 2 * 40
    assert services.verify_store().ok
    _seed()  # the killed writer's lock is gone: the ledger goes on
    assert ledger.size() == 2 + 2 * 40 and services.verify_store().ok
