"""`shuyu resource …` and `shuyu registration …` through the real CLI, with bearer tokens."""

import json

import pytest
from typer.testing import CliRunner

from shuyu.catalog.models import DataResource
from shuyu.cli.main import app

from .conftest import CANARY, people_csv


@pytest.fixture
def token_of(admin):
    from shuyu.orgs import tokens

    return lambda actor: tokens.issue_token(admin, person_id=actor.person_id).raw


def _run(*args, token):
    return CliRunner().invoke(app, [*args, "--token", token])


def test_resource_add_ingest_classify_quality_register(provider, agency, token_of, tmp_path):
    data = people_csv(tmp_path / "p.csv", 40, names=[CANARY])
    t = token_of(provider)
    suggested = CliRunner().invoke(app, ["resource", "suggest", str(data)])
    assert suggested.exit_code == 0, suggested.output
    assert "cn_id" in suggested.output and CANARY not in suggested.output and "510104" not in suggested.output
    fields = tmp_path / "fields.json"
    fields.write_text(
        json.dumps(
            [
                {
                    "name": "id_no",
                    "format": "cn_id",
                    "sensitivity": "direct",
                    "is_key": True,
                    "is_disclosure_unit": True,
                },
                {"name": "name", "sensitivity": "direct"},
                {"name": "district", "format": "region", "sensitivity": "quasi"},
                {"name": "amount", "type": "decimal"},
                {"name": "paid_on", "type": "date"},
                {"name": "months", "type": "integer"},
            ]
        )
    )
    out = _run(
        "resource",
        "add",
        "SC-CLI-1",
        "--name",
        "社保",
        "--region",
        "510100",
        "--fields",
        str(fields),
        token=t,
    )
    assert out.exit_code == 0, out.output
    rid = DataResource.objects.get(code="SC-CLI-1").pk
    out = _run("resource", "ingest", str(rid), str(data), token=t)
    assert out.exit_code == 0, out.output
    assert "40 行" in out.output
    out = _run(
        "resource",
        "classify",
        str(rid),
        "--sector",
        "人社",
        "--impact",
        "individual_rights:serious",
        "--factor",
        "规模=全市",
        token=t,
    )
    assert out.exit_code == 0 and "一般数据" in out.output, out.output
    out = _run("resource", "quality", str(rid), token=t)
    assert out.exit_code == 0 and "得分" in out.output and CANARY not in out.output
    out = _run("resource", "list", token=t)
    assert "SC-CLI-1" in out.output and "v1 40行" in out.output
    materials = [
        "--material",
        *[
            f"{k}=附件"
            for k in (
                "applicant",
                "lawful_source",
                "resource",
                "evidence",
                "products",
                "scenarios",
                "risk_assessment",
            )
        ],
    ]
    args = ["resource", "register", str(rid)]
    for m in materials[1:]:
        args += ["--material", m]
    out = _run(*args, token=token_of(agency))
    assert out.exit_code == 0 and "已申请" in out.output, out.output


def test_cli_refusal_names_its_article(make_actor, graded, token_of):
    out = _run(
        "resource",
        "classify",
        str(graded.pk),
        "--sector",
        "x",
        "--impact",
        "individual_rights:general",
        token=token_of(make_actor("data_source_unit", "510100")),
    )
    assert out.exit_code == 1 and "R07.1" in out.output


def test_cli_bad_file_error_names_row_and_column(provider, graded, token_of, tmp_path):
    bad = people_csv(tmp_path / "b.csv", 10, bad={6: ("amount", CANARY)})
    out = _run("resource", "ingest", str(graded.pk), str(bad), token=token_of(provider))
    assert (
        out.exit_code == 1
        and "第7条数据" in out.output
        and "amount" in out.output
        and CANARY not in out.output
    )
