"""The shipped Sichuan GB/T 2260 list (R02.1, N-GEO.1/2), loaded by migration 0002."""

import json
from pathlib import Path

import pytest

from shuyu.core.regions import parent_code, region_level
from shuyu.orgs.models import Region

DATA = json.loads((Path(__file__).resolve().parents[1] / "data" / "regions_sichuan.json").read_text())

CITIES = {
    "510100": "成都市", "510300": "自贡市", "510400": "攀枝花市", "510500": "泸州市", "510600": "德阳市",
    "510700": "绵阳市", "510800": "广元市", "510900": "遂宁市", "511000": "内江市", "511100": "乐山市",
    "511300": "南充市", "511400": "眉山市", "511500": "宜宾市", "511600": "广安市", "511700": "达州市",
    "511800": "雅安市", "511900": "巴中市", "512000": "资阳市", "513200": "阿坝藏族羌族自治州",
    "513300": "甘孜藏族自治州", "513400": "凉山彝族自治州",
}  # fmt: skip


def test_n_geo_1_data_file_names_its_source_and_version():
    assert DATA["version"] and "modood/Administrative-divisions-of-China" in DATA["source"]
    assert DATA["counts"] == {"province": 1, "city": 21, "county": len(DATA["regions"]) - 22}


@pytest.mark.django_db
def test_n_geo_1_migration_loads_the_province_and_its_21_cities():
    assert Region.objects.get(code="510000").name == "四川省"
    cities = dict(Region.objects.filter(level="city").values_list("code", "name"))
    assert cities == CITIES
    assert set(Region.objects.filter(level="city").values_list("parent_id", flat=True)) == {"510000"}


@pytest.mark.django_db
def test_n_geo_2_every_county_has_its_city_as_parent_and_level_follows_the_code():
    regions = list(Region.objects.all())
    assert len(regions) == len(DATA["regions"]) == 1 + 21 + 183
    for r in regions:
        assert r.level == region_level(r.code)
        assert r.parent_id == parent_code(r.code)
    counties = [r for r in regions if r.level == "county"]
    assert {r.parent_id for r in counties} == set(CITIES)  # every city has counties
    assert Region.objects.get(code="510104").name == "锦江区"
    assert Region.objects.get(code="513401").parent_id == "513400"  # 西昌市 in 凉山州


@pytest.mark.django_db
def test_n_geo_3_regions_api_lists_children(client):
    assert [r["code"] for r in client.get("/api/orgs/regions").json()] == ["510000"]
    cities = client.get("/api/orgs/regions", {"parent": "510000"}).json()
    assert len(cities) == 21 and cities[0] == {
        "code": "510100",
        "name": "成都市",
        "level": "city",
        "parent": "510000",
    }
    counties = client.get("/api/orgs/regions", {"parent": "510100"}).json()
    assert len(counties) == 20 and all(c["level"] == "county" for c in counties)
