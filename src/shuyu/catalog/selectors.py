"""Read queries for the catalog."""

from .models import DataResource
from .rules import ResourceFacts


def facts_of(r: DataResource) -> ResourceFacts:
    return ResourceFacts(
        id=r.pk,
        code=r.code,
        name=r.name,
        grading_level=r.grading_level,
        forbidden=r.involves_state_secrets or r.affects_public_security or r.legally_not_open,
        shared_from_other=r.shared_from_id is not None,
        sharing_consented=r.sharing_consent_at is not None,
        important_approved=bool(r.risk_assessment_ref) and r.important_approved_at is not None,
    )


def resource_facts(ids) -> dict[int, ResourceFacts]:
    """Facts for the given resource ids; unknown ids are simply absent (callers report them)."""
    return {r.pk: facts_of(r) for r in DataResource.objects.filter(pk__in=list(ids))}
