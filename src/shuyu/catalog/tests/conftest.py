"""Fixtures of the catalog tests. States are reached through the services (docs/STYLE.md)."""

import datetime as dt
import itertools

import pytest

from shuyu.catalog import services
from shuyu.catalog.rules import FieldSpec
from shuyu.core import clock

_codes = itertools.count(1)

# A Monday in 2026 whose following weeks have no holidays (the calendar knows 2026).
START = dt.date(2026, 3, 2)

PEOPLE_FIELDS = [
    FieldSpec(
        name="id_no",
        label="公民身份号码",
        format="cn_id",
        sensitivity="direct",
        is_key=True,
        is_disclosure_unit=True,
    ),
    FieldSpec(name="name", label="姓名", sensitivity="direct"),
    FieldSpec(name="district", label="区县", format="region", sensitivity="quasi"),
    FieldSpec(name="amount", label="缴费金额", type="decimal", unit="元", scale=2),
    FieldSpec(name="paid_on", label="缴费日期", type="date"),
    FieldSpec(name="months", label="缴费月数", type="integer"),
]


@pytest.fixture(autouse=True)
def _vault(settings, tmp_path):
    """Each test gets its own data directory, hence its own empty vault."""
    settings.SHUYU = dict(settings.SHUYU) | {"DATA_DIR": tmp_path}
    return tmp_path / "vault"


@pytest.fixture
def frozen_start():
    with clock.frozen(START):
        yield START


@pytest.fixture
def provider(make_actor):
    return make_actor("data_source_unit", "510100", name="成都市人力资源和社会保障局")


@pytest.fixture
def authority(make_actor):
    return make_actor("industry_authority", "510000", name="四川省人力资源和社会保障厅")


@pytest.fixture
def agency(make_actor):
    return make_actor("implementing_agency", "510000", name="四川省大数据中心（实施机构）")


@pytest.fixture
def registrar(make_actor):
    return make_actor("registrar", "510000", name="四川省数据资源登记中心")


@pytest.fixture
def data_admin(make_actor):
    return make_actor("data_admin", "510000", name="四川省数据局")


@pytest.fixture
def make_resource(provider, authority):
    def _make(actor=None, *, fields=PEOPLE_FIELDS, **kw):
        actor = actor or provider
        kw.setdefault("industry_authority_id", authority.org_id)
        return services.create_resource(
            actor,
            code=kw.pop("code", f"R-{next(_codes):04d}"),
            name=kw.pop("name", "社会保险缴费记录"),
            region_code=kw.pop("region_code", "510100"),
            fields=fields,
            description="成都市参保人员社会保险缴费明细",
            sector="人力资源和社会保障",
            **kw,
        )

    return _make


def id_number(i: int, region: str = "510104") -> str:
    from shuyu.catalog.rules import cn_id_check_char

    body = f"{region}{1960 + i % 40}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"
    return body + cn_id_check_char(body)


def people_csv(path, n=20, *, encoding="utf-8", header=None, bad=None, names=None):
    """A CSV of n people; `bad` = {row_index: (column, value)} plants a bad value in a data row."""
    header = header or ["id_no", "name", "district", "amount", "paid_on", "months"]
    lines = [",".join(header)]
    for i in range(n):
        row = [
            id_number(i + 1),
            (names or ["张三", "李四", "王五"])[i % len(names or "123")] + str(i),
            "510104",
            f"{100 + i}.50",
            "2026-01-15",
            str(i % 12 + 1),
        ]
        if bad and i in bad:
            col, value = bad[i]
            row[header.index(col)] = value
        lines.append(",".join(row))
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


@pytest.fixture
def graded(make_resource, provider):
    """A general-data resource graded by its provider."""
    r = make_resource()
    services.classify_resource(
        provider,
        resource_id=r.pk,
        sector="人力资源和社会保障",
        impacts=[("individual_rights", "serious")],
        grading_factors={"规模": "全市参保人员"},
    )
    return r


CANARY = "金丝雀Canary9c1e"
