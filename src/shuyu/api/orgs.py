"""API routes for organizations, people, tokens and 失信 records (R02.1, R14.2, R22.1)."""

import datetime as dt

from ninja import Router, Schema, Status

from shuyu.orgs import selectors, services, tokens

from .schemas import ErrorOut

router = Router(tags=["orgs"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class TokenIn(Schema):
    username: str
    password: str
    label: str = ""


class TokenOut(Schema):
    id: int
    prefix: str
    label: str
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class IssuedTokenOut(TokenOut):
    token: str  # shown once; only its SHA-256 is stored


class MeOut(Schema):
    person_id: int
    display_name: str
    org_id: int
    org_name: str
    org_uscc: str
    roles: list[str]
    region_code: str
    region_name: str


class OrganizationIn(Schema):
    uscc: str
    name: str
    kind: str
    region_code: str


class OrganizationOut(Schema):
    id: int
    uscc: str
    name: str
    kind: str
    region_code: str
    uscc_warnings: list[str]


class PersonIn(Schema):
    username: str
    password: str | None = None
    display_name: str
    org_id: int
    roles: list[str]


class PersonOut(Schema):
    id: int
    display_name: str
    org_id: int
    roles: list[str]


class CreditRecordIn(Schema):
    org_id: int
    kind: str
    source: str
    document: str = ""
    recorded_on: dt.date
    expires_on: dt.date | None = None


class CreditRecordOut(Schema):
    id: int
    org_id: int
    kind: str
    source: str
    document: str
    recorded_on: dt.date
    expires_on: dt.date | None


def _token_out(t) -> dict:
    return {
        "id": t.pk,
        "prefix": t.prefix,
        "label": t.label,
        "created_at": t.created_at,
        "expires_at": t.expires_at,
        "last_used_at": t.last_used_at,
        "revoked_at": t.revoked_at,
    }


def _org_out(o) -> dict:
    return {
        "id": o.pk,
        "uscc": o.uscc,
        "name": o.name,
        "kind": o.kind,
        "region_code": o.region_id,
        "uscc_warnings": o.uscc_warnings,
    }


@router.post("/tokens", auth=None, response={201: IssuedTokenOut, **ERRORS})
def issue_token(request, payload: TokenIn):
    """签发令牌（仅显示一次）/ issue a token with username and password; it is shown only once."""
    issued = tokens.issue_token_with_password(
        username=payload.username, password=payload.password, label=payload.label
    )
    return Status(201, {**_token_out(issued.token), "token": issued.raw})


@router.get("/tokens", response={200: list[TokenOut], **ERRORS})
def list_tokens(request):
    """本人的令牌 / one's own tokens (never the token itself)."""
    return [_token_out(t) for t in tokens.tokens_for(request.actor)]


@router.delete("/tokens/{token_id}", response={200: TokenOut, **ERRORS})
def revoke_token(request, token_id: int):
    """吊销令牌（本人的；管理员可吊销任何人的）/ revoke a token (one's own; an administrator any)."""
    return _token_out(tokens.revoke_token(request.actor, token_id=token_id))


@router.get("/me", response={200: MeOut, **ERRORS})
def me(request):
    """当前身份 / who am I: person, organization, roles, region."""
    return selectors.whoami(request.actor)


@router.post("/organizations", response={201: OrganizationOut, **ERRORS})
def create_organization(request, payload: OrganizationIn):
    """登记单位 / create an organization (platform administrator)."""
    org = services.create_organization(
        request.actor,
        uscc=payload.uscc,
        name=payload.name,
        kind=payload.kind,
        region_code=payload.region_code,
    )
    return Status(201, _org_out(org))


@router.get("/organizations", response={200: list[OrganizationOut], **ERRORS})
def list_organizations(request, kind: str | None = None, region: str | None = None):
    """已登记单位 / registered organizations, optionally by kind and region (with the regions below it)."""
    return [_org_out(o) for o in selectors.organizations(kind=kind, region_code=region)]


@router.post("/people", response={201: PersonOut, **ERRORS})
def create_person(request, payload: PersonIn):
    """创建人员账户 / create a person's account (platform administrator)."""
    person = services.create_person(
        request.actor,
        username=payload.username,
        password=payload.password,
        display_name=payload.display_name,
        org_id=payload.org_id,
        roles=payload.roles,
    )
    return Status(
        201,
        {
            "id": person.pk,
            "display_name": person.display_name,
            "org_id": person.organization_id,
            "roles": person.roles,
        },
    )


@router.post("/credit-records", response={201: CreditRecordOut, **ERRORS})
def record_dishonesty(request, payload: CreditRecordIn):
    """登记失信记录 / record a dishonesty (失信) fact about an organization (R14.2)."""
    r = services.record_dishonesty(
        request.actor,
        org_id=payload.org_id,
        kind=payload.kind,
        source=payload.source,
        document=payload.document,
        recorded_on=payload.recorded_on,
        expires_on=payload.expires_on,
    )
    return Status(
        201,
        {
            "id": r.pk,
            "org_id": r.organization_id,
            "kind": r.kind,
            "source": r.source,
            "document": r.document,
            "recorded_on": r.recorded_on,
            "expires_on": r.expires_on,
        },
    )


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent: str | None


@router.get("/regions", auth=None, response={200: list[RegionOut]})
def list_regions(request, parent: str | None = None):
    """行政区划（GB/T 2260，四川省）/ regions: the province, or the children of `parent` (public)."""
    return [
        {"code": r.code, "name": r.name, "level": r.level, "parent": r.parent_id}
        for r in selectors.regions(parent)
    ]
