"""The demo seed: six resources created, graded, loaded, measured and registered through the services."""

from shuyu.catalog import rules, selectors, synthetic
from shuyu.catalog.demo import SPECS, seed_resources


def test_seed_resources_registers_everything_through_the_services(
    make_actor, agency, registrar, data_admin, tmp_path
):
    providers = {
        key: make_actor("data_source_unit", "510000", name=spec.provider) for key, spec in SPECS.items()
    }
    resources = seed_resources(
        actor_by_provider=providers, agency=agency, registrar=registrar, data_admin=data_admin, rows=300
    )
    assert set(resources) == set(SPECS)
    facts = selectors.resource_facts([r.pk for r in resources.values()])
    for key, r in resources.items():
        rules.check_resource_may_enter_scope(facts[r.pk])  # graded, approved where important, registered
        assert facts[r.pk].registered
        q = selectors.latest_quality(r)
        assert q.version.row_count == 300 and q.validity == 1.0 and q.uniqueness == 1.0, key
    assert resources["medical"].grading_level == "important"
    # Idempotent
    again = seed_resources(actor_by_provider=providers, agency=agency, registrar=registrar, rows=300)
    assert {k: r.pk for k, r in again.items()} == {k: r.pk for k, r in resources.items()}


def test_synthetic_data_is_deterministic(tmp_path):
    a = synthetic.write_csv("hrss", tmp_path / "a.csv", rows=500, seed=7)
    b = synthetic.write_csv("hrss", tmp_path / "b.csv", rows=500, seed=7)
    c = synthetic.write_csv("hrss", tmp_path / "c.csv", rows=500, seed=8)
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()


def test_synthetic_gbk_output(tmp_path):
    p = synthetic.write_csv("market", tmp_path / "g.csv", rows=50, encoding="gbk")
    assert "有限公司" in p.read_bytes().decode("gbk")


def test_r04_1_the_demo_data_plants_one_canary_record(tmp_path):
    rows = synthetic.write_csv("hrss", tmp_path / "hrss.csv", rows=50).read_text(encoding="utf-8")
    assert rows.count(synthetic.CANARY) == 1  # the canary net looks for it everywhere data could leak
    others = synthetic.write_csv("market", tmp_path / "market.csv", rows=50).read_text(encoding="utf-8")
    assert synthetic.CANARY not in others
