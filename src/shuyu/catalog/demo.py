"""Seed the demo's six Sichuan resources through the services: create, grade, load, measure, register.

    from shuyu.catalog.demo import seed_resources, SPECS
    resources = seed_resources(
        actor_by_provider={"market": 市场监管局 person, "tax": …, "hrss": …, "medical": …, "utility": …, "court": …},
        agency=实施机构 person, registrar=登记机构 person, data_admin=数据局 person,
        rows=100_000,
    )

Keys of `actor_by_provider` are those of `SPECS` (synthetic.SPECS); each actor is a data_source_unit person
of the organization that provides that resource (`SPECS[key].provider` suggests its name). Missing keys are
skipped. The registration procedure needs 公示 of 10 working days, so it is replayed on past dates with
`clock.frozen`, starting `start` (default: 45 working days before today), and every step is in the ledger.
"""

import datetime as dt
import tempfile
from pathlib import Path

from shuyu.core import clock
from shuyu.core.actors import Actor
from shuyu.core.calendar import is_workday

from . import services
from .models import DataResource
from .rules import FIRST_MATERIALS
from .synthetic import SPECS, write_csv

__all__ = ["SPECS", "seed_resources"]


def _workdays_before(day: dt.date, n: int) -> dt.date:
    while n:
        day -= dt.timedelta(days=1)
        n -= is_workday(day)
    return day


def seed_resources(
    *,
    actor_by_provider: dict[str, Actor],
    agency: Actor,
    registrar: Actor,
    data_admin: Actor | None = None,
    rows: int = 100_000,
    seed: int = 20260301,
    register: bool = True,
    start: dt.date | None = None,
    workdir: Path | None = None,
) -> dict[str, DataResource]:
    """Create, classify, ingest, quality-score and (if `register`) register each resource; return them by key.

    重要数据 (the medical resource) gets its risk assessment recorded and, when `data_admin` is given, the
    data administration's approval, so it can enter a scope. Idempotent per resource code: an existing
    resource is returned unchanged.
    """
    start = start or _workdays_before(clock.today(), 45)
    out: dict[str, DataResource] = {}
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        for key, provider in actor_by_provider.items():
            spec = SPECS[key]
            existing = DataResource.objects.filter(code=spec.code).first()
            if existing is not None:
                out[key] = existing
                continue
            with clock.frozen(start):
                out[key] = _seed_one(spec, provider, data_admin, Path(tmp), rows, seed)
            if register:
                _register(out[key], agency, registrar, start)
    return out


def _seed_one(
    spec, provider: Actor, data_admin: Actor | None, tmp: Path, rows: int, seed: int
) -> DataResource:
    r = services.create_resource(
        provider,
        code=spec.code,
        name=spec.name,
        region_code=provider.region_code if spec.region_code == "510000" else spec.region_code,
        fields=spec.fields,
        description=spec.description,
        update_frequency=spec.update_frequency,
        open_attribute=spec.open_attribute,
        sector=spec.sector,
    )
    decision = services.classify_resource(
        provider,
        resource_id=r.pk,
        sector=spec.sector,
        impacts=spec.impacts,
        business_attributes=[spec.name],
        grading_factors=spec.grading_factors,
    )
    if decision.level == "important":
        services.record_risk_assessment(
            provider, resource_id=r.pk, report_ref=f"{spec.provider}数据安全风险评估报告（2026）"
        )
        if data_admin is not None:
            services.approve_important_data(data_admin, resource_id=r.pk)
    for left, op, right in spec.consistency:
        services.add_consistency_rule(provider, resource_id=r.pk, left=left, op=op, right=right)
    path = write_csv(spec.key, tmp / f"{spec.key}.csv", rows=rows, seed=seed)
    services.ingest_file(provider, resource_id=r.pk, path=path)
    path.unlink()
    r.refresh_from_db()
    return r


def _register(resource: DataResource, agency: Actor, registrar: Actor, start: dt.date) -> None:
    materials = {k: f"{resource.name}·{label}（附件）" for k, label in FIRST_MATERIALS.items()}
    with clock.frozen(start):
        deposit = services.deposit_evidence(agency, resource_id=resource.pk)
        reg = services.apply_registration(
            agency, resource_id=resource.pk, materials=materials, evidence_id=deposit.pk
        )
    with clock.frozen(reg.accept_due_on):
        services.accept_registration(registrar, registration_id=reg.pk)
        reg = services.complete_review(registrar, registration_id=reg.pk)
    with clock.frozen(reg.publicity_ends_on + dt.timedelta(days=1)):
        services.issue_code(registrar, registration_id=reg.pk)
