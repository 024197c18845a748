"""Use cases for loading data into the vault and measuring its quality (第四条, 第二十三条).

`ingest_file` is not one transaction end to end on purpose: a load of millions of rows would hold the
database's write lock for its whole duration. The file is loaded and checked into the vault first (nothing
in the catalog changes); the version is then recorded in one short transaction with its ledger entry. If
that transaction fails, the new part file is removed, so the vault and the catalog stay unchanged.
"""

import contextlib
import uuid
from pathlib import Path

from django.db import transaction

from shuyu import ledger
from shuyu.core import clock
from shuyu.core.actors import Actor
from shuyu.core.errors import DomainError, NotFound
from shuyu.core.permissions import Perm, authorize

from .. import quality, vault
from ..models import DataResource, QualityReport, ResourceVersion, VersionMode
from .refusals import logs_refusal


def _columns(resource: DataResource) -> list[vault.ColumnSpec]:
    return [
        vault.ColumnSpec(
            name=f.name, label=f.label, type=f.type, scale=f.scale, required=f.required, is_key=f.is_key
        )
        for f in resource.fields.all()
    ]


def _resource_for_ingest(actor: Actor, resource_id: int) -> DataResource:
    authorize(actor, Perm.CATALOG_RESOURCE_INGEST)  # the role before the lookup: ids cannot be probed
    resource = DataResource.objects.filter(pk=resource_id).first()
    if resource is None:
        raise NotFound("resource")
    authorize(actor, Perm.CATALOG_RESOURCE_INGEST, org_id=resource.provider_id)  # 第七条: the provider loads
    return resource


@logs_refusal("version")  # 第七条: ingest by anyone but the provider
def ingest_file(
    actor: Actor,
    *,
    resource_id: int,
    path: str | Path,
    mode: str = VersionMode.FULL,
    fmt: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    progress=None,
    memory_limit: str = vault.DEFAULT_MEMORY_LIMIT,
    threads: int | None = None,
    source_name: str | None = None,
) -> ResourceVersion:
    """Load a CSV (UTF-8 or GBK/GB18030), .xlsx or Parquet file as a new immutable version."""
    resource = _resource_for_ingest(actor, resource_id)
    if mode not in VersionMode.values:
        raise DomainError("R23.1", "加载方式须为全量更新或增量追加", "mode must be full or append")
    columns = _columns(resource)
    if not columns:
        raise DomainError("R23.1", "资源尚未登记字段", "the resource has no fields")
    latest = resource.versions.order_by("-number").first()
    if mode == VersionMode.APPEND and latest is None:
        mode = VersionMode.FULL  # the first load of an append-only resource is its base
    previous = list(latest.parts) if (latest and mode == VersionMode.APPEND) else []
    part = vault.load(
        source=Path(path),
        resource_code=resource.code,
        columns=columns,
        fmt=fmt,
        encoding=encoding,
        sheet=sheet,
        previous_parts=[p["path"] for p in previous],
        progress=progress,
        memory_limit=memory_limit,
        threads=threads,
    )
    parts = previous + [{"path": part.path, "sha256": part.sha256, "rows": part.rows}]
    try:
        counts = _counts(resource, parts, memory_limit)  # a read of the vault: outside the lock
        return _record_version(
            actor,
            resource_id=resource.pk,
            based_on=latest.number if latest else 0,
            mode=mode,
            parts=parts,
            part=part,
            source_name=source_name or Path(path).name,
            counts=counts,
        )
    except BaseException:
        with contextlib.suppress(OSError):
            p = vault.absolute(part.path)
            p.chmod(0o644)
            p.unlink()
        raise


@logs_refusal("version")
def ingest_postgres(
    actor: Actor,
    *,
    resource_id: int,
    url: str,
    table: str,
    mode: str = VersionMode.FULL,
    progress=None,
    memory_limit: str = vault.DEFAULT_MEMORY_LIMIT,
) -> ResourceVersion:
    """Load a table of a PostgreSQL database (streamed with COPY) as a new version."""
    _resource_for_ingest(actor, resource_id)
    tmp = vault.root() / ".tmp" / f"pg-{uuid.uuid4().hex}.csv"
    tmp.parent.mkdir(parents=True, exist_ok=True)
    try:
        vault.export_postgres_table(url, table, tmp)
        version = ingest_file(
            actor,
            resource_id=resource_id,
            path=tmp,
            mode=mode,
            fmt="csv",
            encoding="utf-8",
            progress=progress,
            memory_limit=memory_limit,
        )
    finally:
        tmp.unlink(missing_ok=True)
    return version


@transaction.atomic
def _record_version(
    actor: Actor,
    *,
    resource_id: int,
    based_on: int,
    mode: str,
    parts: list[dict],
    part: vault.LoadedPart,
    source_name: str,
    counts: dict,
) -> ResourceVersion:
    resource = DataResource.objects.select_for_update().get(pk=resource_id)
    latest = resource.versions.order_by("-number").first()
    if (latest.number if latest else 0) != based_on:
        raise DomainError(
            "R23.1", "加载期间该资源已有新版本，请重新加载", "another load finished meanwhile; load again"
        )
    now = clock.now()
    version = ResourceVersion.objects.create(
        resource=resource,
        number=based_on + 1,
        mode=mode,
        parts=parts,
        row_count=sum(p["rows"] for p in parts),
        manifest_sha256=vault.manifest_hash(parts),
        schema=[[f.name, f.type] for f in resource.fields.all()],
        source_name=source_name[:200],
        source_format=part.source_format,
        source_encoding=part.encoding,
        loaded_at=now,
        loaded_by_person_id=actor.person_id,
    )
    ledger.append(
        actor,
        "catalog.version.loaded",
        version,
        {
            "resource": resource.code,
            "number": version.number,
            "mode": mode,
            "rows": version.row_count,
            "part_sha256": part.sha256,
            "manifest_sha256": version.manifest_sha256,
        },
    )
    _store_report(actor, version, latest, counts)
    return version


def _counts(resource: DataResource, parts: list[dict], memory_limit: str) -> dict:
    fields = [
        quality.FieldInfo(
            name=f.name, type=f.type, format=f.format, code_list=tuple(f.code_list), is_key=f.is_key
        )
        for f in resource.fields.all()
    ]
    rule_list = [(r.left, r.op, r.right) for r in resource.consistency_rules.all()]
    return quality.measure([str(vault.absolute(p["path"])) for p in parts], fields, rule_list, memory_limit)


def _store_report(actor: Actor, version: ResourceVersion, previous: ResourceVersion | None, counts: dict):
    resource = version.resource
    # Timeliness of a load: was it made within the update period after the previous one?
    age = (version.loaded_at - previous.loaded_at).total_seconds() / 86400 if previous else 0.0
    dims = quality.ratios(counts, quality.timeliness(resource.update_frequency, age))
    report = QualityReport.objects.create(
        version=version,
        computed_at=clock.now(),
        details=counts | {"update_gap_days": round(age, 3)},
        **dims,
    )
    ledger.append(
        actor, "catalog.quality.measured", version, {"score": dims["score"], "rows": counts["rows"]}
    )
    return report


@transaction.atomic
def assess_quality(actor: Actor, *, version_id: int) -> QualityReport:
    """Measure a version again (e.g. after the unit added a consistency rule)."""
    authorize(actor, Perm.CATALOG_RESOURCE_INGEST)  # the role before the lookup: ids cannot be probed
    version = ResourceVersion.objects.select_related("resource").filter(pk=version_id).first()
    if version is None:
        raise NotFound("version")
    authorize(actor, Perm.CATALOG_RESOURCE_INGEST, org_id=version.resource.provider_id)
    previous = version.resource.versions.filter(number__lt=version.number).order_by("-number").first()
    counts = _counts(version.resource, version.parts, vault.DEFAULT_MEMORY_LIMIT)
    return _store_report(actor, version, previous, counts)
