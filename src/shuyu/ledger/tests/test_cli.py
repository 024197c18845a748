"""`shuyu ledger …`: checkpoint, export, verify a bundle offline (no database) and the whole store (R18.1)."""

import json
import os
import subprocess
import sys

import pytest
from django.db import connection, transaction
from typer.testing import CliRunner

from shuyu import ledger
from shuyu.cli.main import app
from shuyu.core.actors import Actor
from shuyu.ledger import signing
from shuyu.ledger.models import Checkpoint, LedgerEntry

runner = CliRunner()
SYSTEM = Actor.system("ledger-test")


@pytest.fixture
def agreement_history(db):
    with transaction.atomic():
        ledger.append_many(SYSTEM, [("test.thing.made", ("test.thing", i), {"i": i}) for i in range(30)])
        ledger.append(SYSTEM, "authorization.agreement.signed", ("authorization.agreement", 42), {"term": 5})
        ledger.append_many(SYSTEM, [("test.thing.made", ("test.thing", i), {"i": i}) for i in range(7)])
        ledger.append(SYSTEM, "authorization.agreement.filed", ("authorization.agreement", 42), {})


@pytest.fixture
def bundle_file(agreement_history, auditor, token_for, tmp_path):
    path = tmp_path / "agreement-42.json"
    result = runner.invoke(
        app,
        ["ledger", "export", "--subject", "authorization.agreement/42", "-o", str(path)],
        env={"SHUYU_TOKEN": token_for(auditor)},
    )
    assert result.exit_code == 0, result.output
    return path


def _offline_verify(tmp_path, *args: str) -> subprocess.CompletedProcess:
    """A second machine: fresh data directory, and a database that does not exist."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "SHUYU_DATA_DIR": str(elsewhere / "var"),
        "SHUYU_DATABASE_URL": "postgres://nobody:nothing@127.0.0.1:9/no_such_database",
        "SHUYU_LEDGER_KEY": str(elsewhere / "no-key.pem"),
    }
    code = "from shuyu.cli.main import app; app(prog_name='shuyu')"
    return subprocess.run(
        [sys.executable, "-c", code, "ledger", "verify", *args],
        env=env,
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_r18_1_checkpoint_command_signs_the_current_head(agreement_history):
    result = runner.invoke(app, ["ledger", "checkpoint"])
    assert result.exit_code == 0, result.output
    assert Checkpoint.objects.get().tree_size == ledger.size() == 39


def test_r18_1_exported_bundle_verifies_offline_without_a_database(bundle_file, tmp_path):
    bundle = json.loads(bundle_file.read_text())
    assert [e["action"] for e in bundle["entries"]] == [
        "authorization.agreement.signed",
        "authorization.agreement.filed",
        "ledger.evidence.exported",
    ]
    done = _offline_verify(tmp_path, str(bundle_file), "--public-key", signing.fingerprint())
    assert done.returncode == 0, done.stderr
    assert "OK" in done.stdout and not (tmp_path / "elsewhere" / "no-key.pem").exists()


def test_r18_1_forged_bundle_fails_offline_naming_the_entry(bundle_file, tmp_path):
    bundle = json.loads(bundle_file.read_text())
    bundle["entries"][1]["payload"] = '{"note":"never filed"}'
    bundle_file.write_text(json.dumps(bundle))
    done = _offline_verify(tmp_path, str(bundle_file))
    assert done.returncode == 1
    assert f"seq {bundle['entries'][1]['seq']}" in done.stderr and "R18.1" in done.stderr


def test_r18_1_bundle_under_another_key_fails_when_the_key_is_pinned(bundle_file, tmp_path):
    done = _offline_verify(tmp_path, str(bundle_file), "--public-key", "ab" * 32)
    assert done.returncode == 1 and "trusted key" in done.stderr


def test_r22_1_export_without_a_token_is_refused(agreement_history, tmp_path):
    result = runner.invoke(
        app,
        ["ledger", "export", "--subject", "authorization.agreement/42", "-o", str(tmp_path / "x")],
        env={},
    )
    assert result.exit_code == 2 and not (tmp_path / "x").exists()


def test_r18_1_store_verify_passes_then_names_the_first_bad_seq(agreement_history):
    runner.invoke(app, ["ledger", "checkpoint"])
    assert runner.invoke(app, ["ledger", "verify"]).exit_code == 0
    table = connection.ops.quote_name(LedgerEntry._meta.db_table)
    with connection.cursor() as c:
        c.execute(f"UPDATE {table} SET payload = %s WHERE seq = 30", ['{"term":50}'])
    result = runner.invoke(app, ["ledger", "verify"])
    assert result.exit_code == 1 and "seq 30" in result.output
