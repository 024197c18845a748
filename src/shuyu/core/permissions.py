"""What each role may do (R07.1, R22.1). `authorize()` raises; templates use `can()`.

Permissions are `"<app>:<resource>:<action>"`, kept alphabetical. The table below is the only place that
says which role holds which permission; scope (own organization, own region) is checked by `authorize`.
"""

from enum import StrEnum

from .actors import Actor
from .errors import PermissionDenied
from .regions import region_covers
from .roles import Role


class Perm(StrEnum):
    AUTHORIZATION_AGREEMENT_ACTIVATE = "authorization:agreement:activate"
    AUTHORIZATION_AGREEMENT_COSIGN = "authorization:agreement:cosign"  # 分领域授权 (R09.1)
    AUTHORIZATION_AGREEMENT_CREATE = "authorization:agreement:create"
    AUTHORIZATION_AGREEMENT_FILE = "authorization:agreement:file"  # 备案 (R15.1)
    AUTHORIZATION_AGREEMENT_RECEIVE_FILING = "authorization:agreement:receive_filing"
    AUTHORIZATION_AGREEMENT_SIGN = "authorization:agreement:sign"
    AUTHORIZATION_AGREEMENT_SUSPEND = "authorization:agreement:suspend"  # R29.1
    AUTHORIZATION_AGREEMENT_TERMINATE = "authorization:agreement:terminate"
    AUTHORIZATION_AGREEMENT_VIEW = "authorization:agreement:view"
    AUTHORIZATION_DESIGNATION_CREATE = "authorization:designation:create"  # R08.1
    AUTHORIZATION_DESIGNATION_FILE = "authorization:designation:file"
    AUTHORIZATION_PLAN_APPROVE = "authorization:plan:approve"  # 三重一大 (R13.1)
    AUTHORIZATION_PLAN_CREATE = "authorization:plan:create"
    AUTHORIZATION_PLAN_FILE = "authorization:plan:file"  # R13.2
    AUTHORIZATION_PLAN_RECEIVE_FILING = "authorization:plan:receive_filing"
    AUTHORIZATION_PLAN_SUBMIT = "authorization:plan:submit"
    AUTHORIZATION_PLAN_VIEW = "authorization:plan:view"
    AUTHORIZATION_SELECTION_DECIDE = "authorization:selection:decide"  # R14.1
    AUTHORIZATION_SELECTION_MANAGE = "authorization:selection:manage"
    AUTHORIZATION_SELECTION_VIEW = "authorization:selection:view"
    CATALOG_POLICY_SET = "catalog:policy:set"  # N-REG.9 code-first switch, N-REG.16 code format
    CATALOG_RESOURCE_CLASSIFY = "catalog:resource:classify"  # R07.1
    CATALOG_RESOURCE_CONSENT = "catalog:resource:consent"  # R05.3
    CATALOG_RESOURCE_CREATE = "catalog:resource:create"
    CATALOG_RESOURCE_INGEST = "catalog:resource:ingest"
    CATALOG_RESOURCE_RISK_APPROVE = "catalog:resource:risk_approve"  # N-CLS.7
    CATALOG_RESOURCE_VIEW = "catalog:resource:view"
    CATALOG_REGISTRATION_APPLY = "catalog:registration:apply"  # R17.1
    CATALOG_REGISTRATION_PROCESS = "catalog:registration:process"
    CORE_CALENDAR_LOAD = "core:calendar:load"  # N-CAL.1
    LEDGER_CHECKPOINT_SIGN = "ledger:checkpoint:sign"
    LEDGER_ENTRY_VIEW = "ledger:entry:view"
    LEDGER_EVIDENCE_EXPORT = "ledger:evidence:export"
    ORGS_CREDIT_RECORD = "orgs:credit:record"  # 失信 (R14.2, R29.1)
    ORGS_ORGANIZATION_CREATE = "orgs:organization:create"
    ORGS_PERSON_CREATE = "orgs:person:create"
    ORGS_TOKEN_ISSUE = "orgs:token:issue"
    ORGS_TOKEN_REVOKE_ANY = "orgs:token:revoke_any"
    SANDBOX_ASSOCIATION_APPROVE = "sandbox:association:approve"  # R23.5 关联汇聚风险事前审批
    SANDBOX_DP_BUDGET_SET = "sandbox:dp_budget:set"  # R18.2
    SANDBOX_JOB_SUBMIT = "sandbox:job:submit"  # R19.1
    SANDBOX_OUTPUT_REVIEW = "sandbox:output:review"  # R19.2 四眼原则
    SANDBOX_WORKSPACE_CREATE = "sandbox:workspace:create"


P = Perm
_READ_ALL = {
    P.AUTHORIZATION_AGREEMENT_VIEW,
    P.AUTHORIZATION_PLAN_VIEW,
    P.AUTHORIZATION_SELECTION_VIEW,
    P.CATALOG_RESOURCE_VIEW,
    P.LEDGER_ENTRY_VIEW,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    # 第十三条: the same-level government approves plans through its 三重一大 decision.
    Role.GOVERNMENT: frozenset(
        {P.AUTHORIZATION_PLAN_APPROVE, P.AUTHORIZATION_DESIGNATION_CREATE, P.AUTHORIZATION_PLAN_VIEW}
    ),
    # 第七条、第十三条、第十五条、第二十九条: organizes and supervises, files plans, receives filings.
    Role.DATA_ADMIN: frozenset(
        _READ_ALL
        | {
            P.AUTHORIZATION_PLAN_SUBMIT,
            P.AUTHORIZATION_PLAN_FILE,
            P.AUTHORIZATION_PLAN_RECEIVE_FILING,
            P.AUTHORIZATION_AGREEMENT_RECEIVE_FILING,
            P.AUTHORIZATION_DESIGNATION_FILE,
            P.AUTHORIZATION_AGREEMENT_SUSPEND,
            P.CATALOG_RESOURCE_RISK_APPROVE,
            P.CATALOG_POLICY_SET,
            P.ORGS_CREDIT_RECORD,
        }
    ),
    # 第八条、第十一条、第十四条、第十五条: drafts plans, selects operators, signs and files agreements.
    Role.IMPLEMENTING_AGENCY: frozenset(
        _READ_ALL
        | {
            P.AUTHORIZATION_PLAN_CREATE,
            P.AUTHORIZATION_PLAN_SUBMIT,
            P.AUTHORIZATION_SELECTION_MANAGE,
            P.AUTHORIZATION_SELECTION_DECIDE,
            P.AUTHORIZATION_AGREEMENT_CREATE,
            P.AUTHORIZATION_AGREEMENT_SIGN,
            P.AUTHORIZATION_AGREEMENT_FILE,
            P.AUTHORIZATION_AGREEMENT_ACTIVATE,
            P.AUTHORIZATION_AGREEMENT_SUSPEND,
            P.AUTHORIZATION_AGREEMENT_TERMINATE,
            P.CATALOG_REGISTRATION_APPLY,
            P.SANDBOX_ASSOCIATION_APPROVE,
            P.SANDBOX_DP_BUDGET_SET,
            P.SANDBOX_OUTPUT_REVIEW,
        }
    ),
    # 第七条: provides resources, responsible for quality; grades its own data (R07.1).
    Role.DATA_SOURCE_UNIT: frozenset(
        {
            P.CATALOG_RESOURCE_CREATE,
            P.CATALOG_RESOURCE_INGEST,
            P.CATALOG_RESOURCE_CLASSIFY,
            P.CATALOG_RESOURCE_CONSENT,
            P.AUTHORIZATION_AGREEMENT_COSIGN,
            P.CATALOG_RESOURCE_VIEW,
            P.CATALOG_REGISTRATION_APPLY,
        }
    ),
    # 第七条: source governance, classification and grading of its sector (R07.1).
    Role.INDUSTRY_AUTHORITY: frozenset({P.CATALOG_RESOURCE_CLASSIFY, P.CATALOG_RESOURCE_VIEW}),
    # 第十四条、第十九条: develops inside the environment; registers its products (N-SPEC.4).
    Role.OPERATOR: frozenset(
        {
            P.AUTHORIZATION_AGREEMENT_VIEW,
            P.CATALOG_REGISTRATION_APPLY,
            P.SANDBOX_JOB_SUBMIT,
            P.SANDBOX_WORKSPACE_CREATE,
        }
    ),
    Role.DEVELOPER: frozenset(),  # 第二十条: re-develops delivered products, never raw data
    Role.REGISTRAR: frozenset({P.CATALOG_REGISTRATION_PROCESS, P.CATALOG_RESOURCE_VIEW}),  # 第十七条
    Role.ASSESSOR: frozenset({P.AUTHORIZATION_AGREEMENT_VIEW}),  # 第二十七条
    Role.PUBLIC: frozenset(),  # 第二十四条: the disclosure portal needs no permission
    Role.AUDITOR: frozenset(_READ_ALL | {P.LEDGER_EVIDENCE_EXPORT}),  # N-OPN.2: read-only, never data
    Role.PRICE_AUTHORITY: frozenset(),  # N-PRICE.*: the market issue adds its acts
    # Platform administration: accounts, calendar data, ledger keys; no business act of the rules.
    Role.ADMIN: frozenset(
        {
            P.CORE_CALENDAR_LOAD,
            P.LEDGER_CHECKPOINT_SIGN,
            P.LEDGER_ENTRY_VIEW,
            P.LEDGER_EVIDENCE_EXPORT,
            P.ORGS_ORGANIZATION_CREATE,
            P.ORGS_PERSON_CREATE,
            P.ORGS_TOKEN_ISSUE,
            P.ORGS_TOKEN_REVOKE_ANY,
        }
    ),
}


def has_perm(actor: Actor, perm: Perm) -> bool:
    return any(perm in ROLE_PERMISSIONS.get(role, frozenset()) for role in actor.roles)


def authorize(actor: Actor, perm: Perm, *, org_id: int | None = None, region_code: str | None = None) -> None:
    """Raise `PermissionDenied` unless the actor's role grants `perm` within the given scope.

    `org_id`: the act is on behalf of that organization, so the actor must belong to it.
    `region_code`: the act concerns that region, so the actor's organization must be there or above it.
    System actors (scheduled work) pass only permissions granted to them explicitly by the caller.
    """
    if not has_perm(actor, perm):
        raise PermissionDenied("R22.1", f"当前角色无权执行：{perm}", f"role does not grant {perm}", perm=perm)
    if org_id is not None and actor.org_id != org_id:
        raise PermissionDenied("R22.1", "只能代表本单位执行此操作", "may act only for one's own organization")
    if region_code is not None and not (actor.region_code and region_covers(actor.region_code, region_code)):
        raise PermissionDenied(
            "R07.1", "超出本行政区域的管理权限", "outside the actor's administrative region"
        )


def can(actor: Actor, perm: Perm, **scope) -> bool:
    """For templates only; derived from `authorize`, never written separately."""
    try:
        authorize(actor, perm, **scope)
    except PermissionDenied:
        return False
    return True
