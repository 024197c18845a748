"""R22.1 authorization matrix, enumerated from the OpenAPI schema so new endpoints are covered automatically.

Anonymous callers get 401; a person without the permission gets 401/403/404 (or 422 for a body that does not
parse, before any rule is consulted); nobody's refused call changes the ledger. IDOR: a person of another
organization cannot read, revoke or change objects by id, and "missing" looks like "not yours" (404).
"""

from security_helpers import (
    assert_error_shape,
    call_with_example,
    fill_path,
    is_protected,
    operations,
    required_query,
    writes_other_than_refusals,
)

from shuyu import ledger

REFUSED = {401, 403, 404}


def test_r22_1_every_protected_operation_refuses_anonymous_callers_and_writes_nothing(client, world):
    protected = [(m, p, op) for m, p, op in operations() if is_protected(op)]
    assert len(protected) > 50  # the schema really was enumerated
    for method, path, op in protected:
        url = fill_path(world, path, op)
        before = ledger.size()
        for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": "Bearer shuyu_forged"}):
            r = call_with_example(client, method, url, op, headers, required_query(op))
            where = f"anonymous {method} {url} {headers}"
            assert r.status_code == 401, (where, r.status_code, r.content[:200])
            assert_error_shape(where, r)
        assert not writes_other_than_refusals(before), (
            f"{method} {url}: a refused anonymous call wrote the ledger"
        )


# GET operations that any authenticated person may use: their own identity and tokens, the calendar, the
# register of organizations (names and 统一社会信用代码 are public facts).
OPEN_TO_EVERY_PERSON = {
    "/api/orgs/me",
    "/api/orgs/tokens",
    "/api/orgs/organizations",
    "/api/core/calendar/{year}",
    "/api/core/workdays",
}


# Refusals that name a rule before the caller's scope was checked, so they reveal a fact about an object
# that is not the caller's. Reported to their owners (docs/traceability.md, API security tests); no data value leaks and
# nothing is written. Remove a line once its operation authorizes first.
RULE_BEFORE_SCOPE = {
    ("POST", "/api/ledger/evidence"): "R18.1",  # subject syntax checked before LEDGER_EVIDENCE_EXPORT
    (
        "POST",
        "/api/catalog/resources/{resource_id}/consent",
    ): "R05.3",  # a data source unit learns "not shared"
}


# Acts open to every authenticated person by design: an interested party (利害关系人) may ask for the
# correction of a registration result, which is public once coded (N-REG.11); a bare request is refused on
# its merits (reason, evidence) and writes nothing.
OPEN_ACTS = {("POST", "/api/catalog/registrations/{registration_id}/corrections"): "N-REG.11"}


def _refused_or_empty(method, path, op, r) -> bool:
    if r.status_code in REFUSED or (r.status_code == 422 and r.json().get("code") == "INPUT"):
        return True
    if r.status_code == 422 and r.json().get("code") in (
        RULE_BEFORE_SCOPE.get((method, path)),
        OPEN_ACTS.get((method, path)),
    ):
        return True
    if method == "GET" and r.status_code == 200:
        return not is_protected(op) or path in OPEN_TO_EVERY_PERSON or r.json() in ([], {})
    return False


def _matrix(client, world, bearer, actor, name, *, reads=True):
    headers = bearer(actor)
    failures = []
    for method, path, op in operations():
        if not is_protected(op) or (method == "GET" and not reads):
            continue
        url = fill_path(world, path, op)
        before = ledger.size()
        r = call_with_example(client, method, url, op, headers, required_query(op))
        assert_error_shape(f"{name} {method} {url}", r)
        if not _refused_or_empty(method, path, op, r):
            failures.append(f"{name} {method} {url} → {r.status_code} {r.content[:160]!r}")
        elif writes_other_than_refusals(before):
            failures.append(f"{name} {method} {url} → refused but wrote the ledger")
    assert not failures, "\n".join(failures)


def test_r22_1_a_person_without_any_permission_is_refused_everywhere(client, world, bearer, person_of):
    nobody = person_of("public")
    _matrix(client, world, bearer, nobody, "public")


def test_r22_1_idor_another_operator_cannot_touch_the_authorized_operators_objects(client, world, bearer):
    # operator2 holds the operator role but none of the world's objects are its own.
    _matrix(client, world, bearer, world.actors["operator2"], "operator2", reads=False)


def test_r22_1_idor_a_data_source_unit_cannot_act_on_another_units_objects(client, world, bearer):
    _matrix(client, world, bearer, world.actors["court"], "court", reads=False)
