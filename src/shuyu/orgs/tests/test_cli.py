"""CLI for tokens, organizations, people (R22.1, N-USCC.*): same services, same refusals."""

import pytest
from typer.testing import CliRunner

from shuyu import ledger
from shuyu.cli.main import app
from shuyu.orgs.models import ApiToken, Organization, Person
from shuyu.orgs.rules import uscc_check_char

pytestmark = pytest.mark.django_db
runner = CliRunner()


def _run(*args, input=None, token=None):
    env = {"SHUYU_TOKEN": token} if token else {}
    return runner.invoke(app, list(args), input=input, env=env)


@pytest.fixture
def admin_token(admin):
    from shuyu.orgs import tokens

    return tokens.issue_token(admin, person_id=admin.person_id).raw


def test_r22_1_token_issue_prompts_for_the_password_and_prints_the_token_once(admin):
    r = _run("token", "issue", "--username", "root-admin", input="Adm1n-pass-2026\n")
    assert r.exit_code == 0, r.output
    raw = r.output.strip().splitlines()[-1]
    assert raw.startswith("shuyu_") and ApiToken.objects.count() == 1
    r = _run("whoami", token=raw)
    assert r.exit_code == 0 and "admin" in r.output and "510000" in r.output


def test_r22_1_token_issue_with_wrong_password_fails_naming_the_article(admin):
    r = _run("token", "issue", "--username", "root-admin", input="wrong-wrong\n")
    assert r.exit_code == 1 and "R22.1" in r.output and not ApiToken.objects.exists()


def test_r22_1_revoked_token_no_longer_works(admin, admin_token):
    token_id = ApiToken.objects.get().pk
    r = _run("token", "revoke", str(token_id), token=admin_token)
    assert r.exit_code == 0, r.output
    r = _run("whoami", token=admin_token)
    assert r.exit_code == 1 and "R22.1" in r.output


def test_r22_1_org_and_person_add_with_admin_token(admin_token):
    uscc = "91510100MA6CL0001"
    uscc += uscc_check_char(uscc)
    before = ledger.size()
    r = _run(
        "org", "add", "--uscc", uscc, "--name", "成都测试运营公司", "--kind", "operator", "--region", "510100",
        token=admin_token,
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    org = Organization.objects.get(uscc=uscc)
    r = _run(
        "person", "add", "--username", "op-clerk", "--name", "运营经办", "--org", str(org.pk), "--role", "operator",
        input="Operator-2026-pw\nOperator-2026-pw\n", token=admin_token,
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert Person.objects.get(user__username="op-clerk").roles == ["operator"]
    assert ledger.size() == before + 2


def test_n_uscc_3_cli_refuses_an_individual_business_as_operator(admin_token):
    uscc = "92510100MA6CL0002"
    uscc += uscc_check_char(uscc)
    before = ledger.size()
    r = _run(
        "org", "add", "--uscc", uscc, "--name", "个体户", "--kind", "operator", "--region", "510100",
        token=admin_token,
    )  # fmt: skip
    assert r.exit_code == 1 and "N-USCC.3" in r.output
    assert ledger.size() == before


def test_r22_1_org_add_without_permission_is_refused(make_actor):
    from shuyu.orgs import tokens

    agency = make_actor("implementing_agency")
    raw = tokens.issue_token_with_password(
        username=Person.objects.get(pk=agency.person_id).user.username, password="Test-pass-2026"
    ).raw
    before = ledger.size()
    r = _run(
        "org", "add", "--uscc", "x", "--name", "n", "--kind", "operator", "--region", "510100", token=raw
    )
    assert r.exit_code == 1 and "R22.1" in r.output and ledger.size() == before


def test_r22_1_admin_create_refuses_a_second_bootstrap(admin):
    before = ledger.size()
    r = _run("admin", "create", "--username", "second", input="Second-pass-2026\nSecond-pass-2026\n")
    assert r.exit_code == 1 and "R22.1" in r.output
    assert ledger.size() == before


def test_admin_create_bootstraps_the_first_administrator(db):
    r = _run("admin", "create", "--username", "first-admin", input="First-pass-2026\nFirst-pass-2026\n")
    assert r.exit_code == 0, r.output
    assert Person.objects.get(user__username="first-admin").roles == ["admin"]


def test_cli_without_token_asks_for_one(db, monkeypatch):
    monkeypatch.delenv("SHUYU_TOKEN", raising=False)
    r = _run("whoami")
    assert r.exit_code == 2
