"""Helpers shared by the authorization use cases: inputs, resource checks, scoped authorization."""

import dataclasses
from dataclasses import dataclass

from shuyu.catalog.rules import check_resource_may_enter_scope
from shuyu.catalog.selectors import resource_facts
from shuyu.core.actors import Actor
from shuyu.core.errors import DomainError, NotFound, PermissionDenied
from shuyu.core.permissions import Perm, authorize
from shuyu.core.roles import Role

from .. import rules


@dataclass(frozen=True)
class PlanDraft(rules.PlanFacts):
    """Input for creating or editing a plan version: the 12 items of 第十一条 plus tags (R05.4)."""

    priority_fields: tuple[str, ...] = ()
    change_summary: str = ""  # for a new version: what the major change is (R13.1)


@dataclass(frozen=True)
class AgreementDraft(rules.AgreementFacts):
    """Input for an agreement: the 13 items of 第十六条 and the no-re-development clause."""

    title: str = ""


# The plan's free-text items: its name, every amendable item (rules.AMENDABLE_FIELDS) and the mode fields.
PLAN_TEXT_FIELDS = ("name", *rules.AMENDABLE_FIELDS, "mode", "scenario", "change_summary")

AGREEMENT_TEXT_FIELDS = (
    "technical_platform",
    "asset_ownership",
    "disclosure_duties",
    "accounting_revenue",
    "security_measures",
    "evaluation_renewal_exit",
    "liability",
    "dispute_resolution",
    "change_termination",
    "other_matters",
)


def products_json(products) -> list[dict]:
    return [dataclasses.asdict(p) if not isinstance(p, dict) else dict(p) for p in products]


def products_of(products) -> tuple[rules.ProductItem, ...]:
    return tuple(p if isinstance(p, rules.ProductItem) else rules.ProductItem(**p) for p in products)


def check_resources(resource_ids) -> None:
    """R05.1–R05.3 for every resource of a scope; unknown ids are refused too."""
    ids = list(dict.fromkeys(resource_ids))
    facts = resource_facts(ids)
    unknown = [i for i in ids if i not in facts]
    if unknown:
        raise DomainError("R05.1", "数据资源不在目录中", "unknown data resource(s) in scope", unknown=unknown)
    for i in ids:
        check_resource_may_enter_scope(facts[i])


def authorize_owner_or_admin(actor: Actor, perm: Perm, *, org_id: int, region_code: str) -> None:
    """The owning organization's person, or the data administration of the same region (本级)."""
    if actor.org_id == org_id and not actor.has_role(Role.DATA_ADMIN):
        authorize(actor, perm, org_id=org_id)
        return
    if actor.has_role(Role.DATA_ADMIN) and actor.region_code == region_code:
        authorize(actor, perm, region_code=region_code)
        return
    if actor.org_id == org_id:
        authorize(actor, perm, org_id=org_id)
        return
    raise PermissionDenied(
        "R22.1", "只能由本单位或本级数据管理部门办理", "only the owner or the same-level data administration"
    )


def not_found(kind: str, **ctx) -> NotFound:
    return NotFound(kind, **ctx)
