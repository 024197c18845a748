"""Sensitivity suggestions from a sample of the vault (R07.1): the detector runs here, inside the domain.

Who may classify a resource may ask: its data source unit or its industry authority (R07.1). A reservoir
sample of up to 10,000 rows of the latest version is read by DuckDB, the detector (`detect.suggest`) reads
the values and returns, per field, a suggestion with counts and shares — never a value. The suggestion is
stored on the field (`suggested_sensitivity`) and the act is in the ledger with the same counts; a person of
the data source unit then confirms or corrects it (`confirm_field_sensitivity`).
"""

from dataclasses import dataclass

from django.db import transaction

from shuyu import ledger
from shuyu.core.actors import Actor
from shuyu.core.errors import DomainError, NotFound, PermissionDenied
from shuyu.core.permissions import Perm, authorize

from .. import detect, vault
from ..models import DataResource, ResourceField
from .refusals import logs_refusal
from .resources import _grader


@dataclass(frozen=True)
class FieldSuggestion:
    field: str
    label: str
    sensitivity: str  # the field's current (declared or confirmed) sensitivity
    confirmed: bool
    suggested: str  # direct | quasi | sensitive | none
    format: str
    type: str
    is_disclosure_unit: bool
    sampled: int  # non-empty sampled values
    passed: int  # of which passed the format's check
    share: float
    reason_zh: str
    reason_en: str


@dataclass(frozen=True)
class Suggestions:
    resource_id: int
    version: int
    rows: int  # sampled rows
    fields: list[FieldSuggestion]


def may_suggest(actor: Actor, resource: DataResource) -> bool:
    """For pages: whether the actor may ask for (and see) suggestions on this resource (R07.1)."""
    try:
        _grader(actor, resource)
    except PermissionDenied:
        return False
    return True


@logs_refusal("suggestion")  # R07.1: only who may classify the resource
def suggest_field_sensitivity(
    actor: Actor, *, resource_id: int, rows: int = vault.SAMPLE_ROWS
) -> Suggestions:
    """Run the detector over a sample of the latest version; per-field suggestions with counts only."""
    authorize(actor, Perm.CATALOG_RESOURCE_CLASSIFY)  # the role before the lookup: ids cannot be probed
    resource = DataResource.objects.filter(pk=resource_id).first()
    if resource is None:
        raise NotFound("resource")
    _grader(actor, resource)  # R07.1
    version = resource.versions.order_by("-number").first()
    if version is None:
        raise DomainError("R23.1", "该资源尚未入库，无法抽样建议", "nothing is loaded yet to sample")
    fields = list(resource.fields.all())
    # A read of the vault, outside any lock: the sample is taken before the short write below.
    n, columns = vault.sample_parts(
        [vault.absolute(p["path"]) for p in version.parts], [f.name for f in fields], rows=rows
    )
    out = []
    for f in fields:
        s = detect.suggest(f.name, f.label, columns[f.name])
        out.append(
            FieldSuggestion(
                field=f.name,
                label=f.label,
                sensitivity=f.sensitivity,
                confirmed=f.sensitivity_confirmed_at is not None,
                suggested=s.sensitivity,
                format=s.format,
                type=s.type,
                is_disclosure_unit=s.is_disclosure_unit,
                sampled=s.sampled,
                passed=s.passed,
                share=s.share,
                reason_zh=s.reason_zh,
                reason_en=s.reason_en,
            )
        )
    del columns
    _record(actor, resource.pk, version.number, n, out)
    return Suggestions(resource_id=resource.pk, version=version.number, rows=n, fields=out)


@transaction.atomic
def _record(actor: Actor, resource_id: int, version: int, rows: int, out: list[FieldSuggestion]) -> None:
    resource = DataResource.objects.select_for_update().get(pk=resource_id)
    for s in out:
        ResourceField.objects.filter(resource=resource, name=s.field).update(
            suggested_sensitivity=s.suggested
        )
    ledger.append(
        actor,
        "catalog.fields.suggested",
        resource,
        {
            "version": version,
            "rows": rows,
            "fields": [
                {
                    "field": s.field,
                    "suggested": s.suggested,
                    "format": s.format,
                    "sampled": s.sampled,
                    "passed": s.passed,
                }
                for s in out
            ],
        },
    )
