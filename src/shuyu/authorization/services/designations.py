"""R08.1 graded authorization: a city government designates its implementing agency and the designation
is filed with the provincial data_admin. The province's agency (省大数据中心) needs no designation."""

import datetime as dt

from django.db import transaction

from shuyu import ledger
from shuyu.core import clock
from shuyu.core.actors import Actor
from shuyu.core.errors import DomainError, NotFound
from shuyu.core.permissions import Perm, authorize
from shuyu.orgs.models import Organization, Region

from .. import rules
from ..models import Designation


@transaction.atomic
def designate_agency(
    actor: Actor, *, agency_org_id: int, decision_ref: str, designated_on: dt.date
) -> Designation:
    """城市人民政府确定本级实施机构 (R08.1). Government role, city level, agency of the same city."""
    authorize(actor, Perm.AUTHORIZATION_DESIGNATION_CREATE)
    agency = Organization.objects.filter(pk=agency_org_id).first()
    if agency is None:
        raise NotFound("organization", org_id=agency_org_id)
    rules.check_designation(
        government_region=actor.region_code or "", agency_region=agency.region_id, agency_kind=agency.kind
    )
    if not (decision_ref or "").strip():
        raise DomainError("R08.1", "须记录确定实施机构的文件", "record the designation document")
    if designated_on > clock.today():
        raise DomainError("R08.1", "确定日期不能晚于今天", "the designation date cannot be in the future")
    previous = list(
        Designation.objects.select_for_update().filter(region_id=agency.region_id, revoked_at__isnull=True)
    )
    now = clock.now()
    for d in previous:  # one agency per city: a new designation replaces the old one
        d.revoked_at = now
        d.save(update_fields=["revoked_at"])
    designation = Designation.objects.create(
        region=Region.objects.get(pk=agency.region_id),
        agency=agency,
        government_id=actor.org_id,
        decision_ref=decision_ref.strip(),
        designated_on=designated_on,
        designated_at=now,
        designated_by_person_id=actor.person_id,
    )
    ledger.append(
        actor,
        "authorization.designation.created",
        designation,
        {
            "region": agency.region_id,
            "agency": agency.pk,
            "decision_ref": designation.decision_ref,
            "designated_on": designated_on,
            "replaced": [d.pk for d in previous],
        },
    )
    return designation


@transaction.atomic
def file_designation(actor: Actor, *, designation_id: int) -> Designation:
    """The provincial data_admin records the filing (备案) of a city's designation (R08.1)."""
    authorize(actor, Perm.AUTHORIZATION_DESIGNATION_FILE)
    designation = Designation.objects.select_for_update().filter(pk=designation_id).first()
    if designation is None:
        raise NotFound("designation", designation_id=designation_id)
    rules.check_designation_filer(filer_region=actor.region_code or "")
    authorize(actor, Perm.AUTHORIZATION_DESIGNATION_FILE, region_code=designation.region_id)
    if designation.filed_at is not None or designation.revoked_at is not None:
        raise DomainError("R08.1", "该确定已备案或已被撤销", "the designation is already filed or revoked")
    designation.filed_at = clock.now()
    designation.filed_by_person_id = actor.person_id
    designation.save(update_fields=["filed_at", "filed_by_person_id"])
    ledger.append(actor, "authorization.designation.filed", designation, {"region": designation.region_id})
    return designation
