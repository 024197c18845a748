"""Fixtures for the sandbox's real-jail tests: a raw 'vault' with canary records and projected inputs."""

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from shuyu.sandbox import engine, jail

from .factories import JOBS, PERSONS

CANARY = "CANARY-5f1c9e"  # planted in raw data; must never appear in anything an operator sees


def jail_ready() -> bool:
    try:
        jail.check_available()
    except jail.JailUnavailable:
        return False
    return True


requires_jail = pytest.mark.skipif(
    os.geteuid() != 0, reason="the jail runner needs root to drop to a fresh uid (CI runs as root)"
)


def write_raw(path: Path, sql: str) -> None:
    import duckdb

    con = duckdb.connect(":memory:")
    con.execute(f"COPY ({sql}) TO '{path}' (FORMAT parquet)")
    con.close()


PERSONS_SQL = f"""
SELECT
  printf('51010419%02d0101%04d', (i % 80) + 10, i) AS id_no,
  CASE WHEN i = 0 THEN '{CANARY}-name' ELSE 'name-' || i END AS name,
  ['510104', '510105', '510106'][(i % 3) + 1] AS region,
  18 + (i % 60) AS age,
  DATE '1960-01-01' + INTERVAL (i) DAY AS born_on,
  CAST(1000 + (i * 37) % 9000 AS DECIMAL(18,2)) AS income,
  ['agri', 'industry', 'services'][(i % 3) + 1] AS sector,
  '{CANARY}-ungranted' AS secret_note
FROM range(300) t(i)
"""

JOBS_SQL = """
SELECT printf('51010419%02d0101%04d', (i % 80) + 10, i) AS person_id,
       printf('91510100MA%08d', i % 40) AS uscc,
       CAST(3000 + i AS DECIMAL(18,2)) AS wage,
       ['agri', 'industry', 'services'][(i % 3) + 1] AS sector
FROM range(200) t(i)
"""


@pytest.fixture(scope="session")
def jail_root():
    root = Path(tempfile.mkdtemp(prefix="shuyu-sandbox-test-"))
    os.chmod(root, 0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def vault(jail_root):
    """Raw files as the catalog's vault holds them (with an ungranted column and canaries)."""
    folder = jail_root / "vault"
    folder.mkdir(mode=0o755)
    write_raw(folder / "persons.parquet", PERSONS_SQL)
    write_raw(folder / "jobs.parquet", JOBS_SQL)
    secret = folder / "db.sqlite3"
    secret.write_text(f"{CANARY}-database")
    for f in folder.iterdir():
        os.chmod(f, 0o644)  # readable to any uid on the host: only the jail's mounts keep it out
    return folder


@pytest.fixture(scope="session")
def inputs(jail_root, vault):
    folder = jail_root / "projected"
    return {
        "persons": engine.project_parquet(vault / "persons.parquet", PERSONS, folder / "persons.parquet"),
        "jobs": engine.project_parquet(vault / "jobs.parquet", JOBS, folder / "jobs.parquet"),
    }


@pytest.fixture
def small_limits():
    return jail.Limits(
        wall_seconds=20,
        cpu_seconds=15,
        memory_bytes=1024**3,
        processes=16,
        file_bytes=4 * 1024**2,
        tmp_bytes=8 * 1024**2,
        output_bytes=1024**2,
        output_files=16,
        inodes=256,
        duckdb_memory="128MB",
        duckdb_threads=1,
    )


def digest_tree(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()
    }


# ---- the Django integration: an operator's workspace on an active agreement, a vault with canaries ------

PEOPLE_CSV_ROWS = 240  # 3 districts × 80 people; person 0's name is the canary


def _people_csv(path: Path) -> Path:
    import datetime as dt

    from shuyu.catalog.rules import cn_id_check_char

    lines = ["id_no,name,district,amount,paid_on,months"]
    for i in range(PEOPLE_CSV_ROWS):
        body = f"510104{1960 + i % 40}{1 + i % 12:02d}{1 + i % 28:02d}{i:03d}"
        name = f"{CANARY}-name" if i == 0 else f"张{i}"
        district = ("510104", "510105", "510106")[i % 3]
        paid_on = dt.date(2026, 1, 1) + dt.timedelta(days=i)  # one person a day
        lines.append(f"{body + cn_id_check_char(body)},{name},{district},{100 + i}.50,{paid_on},{i % 12 + 1}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def data_dir(settings, jail_root):
    """A data directory the jail's uid can reach (pytest's tmp_path is 0700)."""
    folder = Path(tempfile.mkdtemp(prefix="data-", dir=jail_root))
    os.chmod(folder, 0o755)
    settings.SHUYU = dict(settings.SHUYU) | {"DATA_DIR": folder}
    return folder


@pytest.fixture
def world(db, admin, make_actor, data_dir):
    """An active agreement over one loaded people resource, its operator's people and the agency's."""
    import datetime as dt

    from shuyu.authorization import services as auth
    from shuyu.authorization.tests import factories as af
    from shuyu.catalog import services as cat
    from shuyu.catalog.rules import FieldSpec as CatalogField
    from shuyu.core import clock
    from shuyu.orgs.models import Organization
    from shuyu.orgs.services import PLATFORM_ORG_USCC

    with clock.frozen(dt.date(2026, 3, 2)):
        provider = make_actor("data_source_unit", "510000", name="四川省人力资源和社会保障厅")
        resource = cat.create_resource(
            provider,
            code="R-PEOPLE",
            name="社会保险缴费记录",
            region_code="510000",
            fields=[
                CatalogField(
                    name="id_no", format="cn_id", sensitivity="direct", is_key=True, is_disclosure_unit=True
                ),
                CatalogField(name="name", sensitivity="direct"),
                CatalogField(name="district", format="region", sensitivity="quasi"),
                CatalogField(name="amount", type="decimal", sensitivity="sensitive"),
                CatalogField(name="paid_on", type="date"),
                CatalogField(name="months", type="integer"),
            ],
            description="参保缴费明细",
            sector="人力资源和社会保障",
        )
        cat.classify_resource(
            provider,
            resource_id=resource.pk,
            sector="人力资源和社会保障",
            impacts=[("individual_rights", "serious")],
            grading_factors={"规模": "全省参保人员"},
        )
        cat.ingest_file(provider, resource_id=resource.pk, path=_people_csv(data_dir / "people.csv"))
        org = Organization.objects.get(uscc=PLATFORM_ORG_USCC)
        agency = make_actor("implementing_agency", "510000", org_id=org.pk)
        reviewer = make_actor("implementing_agency", "510000", org_id=org.pk)
        gov = make_actor("government", "510000", name="四川省人民政府")
        operators = [
            make_actor("operator", "510100", name="四川数据运营有限公司"),
            make_actor("operator", "510100", name="天府数智科技有限公司"),
        ]
        version = af.approved_plan(agency, gov, [resource.pk])
        selection = af.decided_selection(agency, version, operators)
        agreement = af.signed_agreement(agency, version, selection)
        auth.file_agreement(agency, agreement_id=agreement.pk)
        auth.activate_agreement(agency, agreement_id=agreement.pk)
    operator = operators[0]
    colleague = make_actor("operator", "510100", org_id=operator.org_id)
    stranger = make_actor("operator", "510100", name="别家运营公司")
    return type(
        "World",
        (),
        dict(
            agency=agency,
            reviewer=reviewer,
            operator=operator,
            colleague=colleague,
            stranger=stranger,
            agreement=agreement,
            resource=resource,
            table="r_people",
        ),
    )


@pytest.fixture
def workspace(world):
    from shuyu.sandbox import services

    return services.create_workspace(world.operator, agreement_id=world.agreement.pk, name="金融分析")


@pytest.fixture
def fast_limits():
    return jail.Limits(wall_seconds=30, duckdb_memory="128MB", duckdb_threads=1)


@pytest.fixture
def bearer(admin):
    """bearer(actor) → request headers with a fresh API token of that person (hashed at rest)."""
    from shuyu.orgs import tokens

    def _headers(actor):
        return {"Authorization": f"Bearer {tokens.issue_token(admin, person_id=actor.person_id).raw}"}

    return _headers


def assert_no_canary(*texts) -> None:
    """No canary in the given texts, the ledger, or anything stored about jobs and outputs."""
    from shuyu.ledger.models import LedgerEntry
    from shuyu.sandbox.models import Job, Output

    stored = [p for (p,) in LedgerEntry.objects.values_list("payload")]
    stored += [str(v) for v in Job.objects.values_list("error_zh", "error_en", "log", "error_code")]
    stored += [str(v) for v in Output.objects.values_list("rows", "reasons", "columns")]
    for text in [*texts, *stored]:
        body = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
        assert CANARY not in body


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """make_actor gives each person a password; PBKDF2 was 80 % of this app's fixture time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
