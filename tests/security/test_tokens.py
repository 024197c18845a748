"""R22.1 tokens and sessions: expired, revoked and forged tokens, tokens in the wrong place, CSRF on
session-authenticated unsafe calls, logins that do not reveal whether an account exists, and ids that
cannot be probed ("missing" and "not yours" answer alike)."""

import datetime as dt
import re

from django.test import Client
from security_helpers import (
    assert_error_shape,
    call_with_example,
    fill_path,
    ledger_text,
    operations,
    writes_other_than_refusals,
)

from shuyu import ledger
from shuyu.core import clock
from shuyu.orgs import tokens
from shuyu.orgs.models import Person

ME = "/api/orgs/me"


def _issue(actor) -> tokens.IssuedToken:
    from conftest import an_admin

    return tokens.issue_token(an_admin(), person_id=actor.person_id)


def _auth(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}"}


def test_r22_1_a_valid_token_works_and_an_expired_one_is_401(client, person_of):
    raw = _issue(person_of("operator")).raw
    assert client.get(ME, headers=_auth(raw)).status_code == 200
    with clock.frozen(clock.now() + dt.timedelta(days=3650)):
        r = client.get(ME, headers=_auth(raw))
    assert r.status_code == 401 and r.json()["code"] == "R22.1"
    assert_error_shape("expired", r)


def test_r22_1_a_revoked_token_is_401_and_revoking_is_in_the_ledger(client, person_of):
    issued = _issue(person_of("operator"))
    before = ledger.size()
    r = client.delete(f"/api/orgs/tokens/{issued.token.pk}", headers=_auth(issued.raw))
    assert r.status_code == 200 and ledger.size() == before + 1
    r = client.get(ME, headers=_auth(issued.raw))
    assert r.status_code == 401 and r.json()["code"] == "R22.1"


def test_r22_1_a_token_of_a_deactivated_person_is_401(client, person_of):
    actor = person_of("operator")
    raw = _issue(actor).raw
    user = Person.objects.get(pk=actor.person_id).user
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert client.get(ME, headers=_auth(raw)).status_code == 401


def test_r22_1_a_token_is_accepted_only_in_the_authorization_header(client, person_of):
    raw = _issue(person_of("operator")).raw
    for name in ("token", "access_token", "api_key", "bearer", "auth"):
        r = client.get(ME, {name: raw})
        assert r.status_code == 401, name
    client.cookies["sessionid"] = raw  # a token is not a session
    assert client.get(ME).status_code == 401
    for header in (f"Token {raw}", f"Basic {raw}", raw, f"Bearer  {raw}x"):
        assert client.get(ME, headers={"Authorization": header}).status_code == 401, header


def test_r22_1_forged_tokens_are_401_never_500(client, db):
    for raw in ("shuyu_", "shuyu_" + "A" * 5000, "\u0000", "é" * 64, "shuyu_../../etc/passwd"):
        r = client.get(ME, headers=_auth(raw))
        assert r.status_code == 401, raw[:20]
        assert_error_shape("forged", r)


def test_r22_1_session_unsafe_api_call_without_csrf_token_is_403_and_changes_nothing(person_of):
    actor = person_of("operator")
    issued = _issue(actor)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(Person.objects.get(pk=actor.person_id).user)
    assert browser.get(ME).status_code == 200  # the session authenticates reads
    before = ledger.size()
    r = browser.delete(f"/api/orgs/tokens/{issued.token.pk}")
    assert r.status_code == 403 and r.json()["code"] == "R22.1"
    assert_error_shape("csrf", r)
    assert ledger.size() == before and client_token_is_live(issued.raw)
    # With the CSRF token, the same call is done and recorded.
    browser.get("/login/")
    csrf = browser.cookies["csrftoken"].value
    r = browser.delete(f"/api/orgs/tokens/{issued.token.pk}", headers={"X-CSRFToken": csrf})
    assert r.status_code == 200 and ledger.size() == before + 1


def client_token_is_live(raw: str) -> bool:
    return Client().get(ME, headers=_auth(raw)).status_code == 200


def test_r22_1_login_failure_does_not_reveal_whether_the_account_exists(client, person_of):
    actor = person_of("operator")
    username = Person.objects.get(pk=actor.person_id).user.username
    answers = []
    for name, password in ((username, "wrong-password"), ("nobody-such-4711", "wrong-password")):
        r = client.post(
            "/api/orgs/tokens", {"username": name, "password": password}, content_type="application/json"
        )
        answers.append((r.status_code, r.json()))
    assert answers[0] == answers[1] and answers[0][0] == 401
    # Both failures are in the ledger, with the username hashed, never in clear (R22.1, PI).
    text = ledger_text()
    assert username not in text and "nobody-such-4711" not in text
    # The login page answers alike too.
    pages = []
    for name in (username, "nobody-such-4711"):
        r = client.post("/login/", {"username": name, "password": "wrong-password"})
        pages.append((r.status_code, re.sub(r"[A-Za-z0-9]{64}", "", r.content.decode())))
    assert pages[0][0] == pages[1][0] and pages[0][1].replace(username, "nobody-such-4711") == pages[1][1]


def test_r22_1_revoking_someone_elses_token_looks_like_a_missing_one(client, person_of):
    mine, theirs = _issue(person_of("operator")), _issue(person_of("operator"))
    before = ledger.size()
    other = client.delete(f"/api/orgs/tokens/{theirs.token.pk}", headers=_auth(mine.raw))
    missing = client.delete("/api/orgs/tokens/987654321", headers=_auth(mine.raw))
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    assert ledger.size() == before and client_token_is_live(theirs.raw)


# Resources are listed by the public catalog (R24.1), so their existence is no secret; the registration
# rule that names who may apply (N-REG.1) stays informative for them.
PUBLIC_EXISTENCE = {
    ("POST", "/api/catalog/resources/{resource_id}/evidence"): "N-REG.1",
    # only coded registrations (public results, N-REG.16) can be corrected, by any interested party
    ("POST", "/api/catalog/registrations/{registration_id}/corrections"): "N-REG.11",
}
# Operations whose different answers for a real and a missing id are accepted (none at present).
KNOWN_ORACLES: set[tuple[str, str]] = set()


def test_r22_1_ids_cannot_be_probed_missing_and_not_yours_answer_alike(client, world, bearer):
    """For every operation with an id in its path, a stranger gets the same answer for a real id of
    someone else's object as for an id that does not exist."""
    headers = bearer(world.actors["operator2"])
    probed, oracles = 0, []
    for method, path, op in operations():
        if not re.search(r"\{\w+_id\}", path) or "/orgs/tokens/" in path:
            continue
        real = fill_path(world, path, op)
        missing = re.sub(r"\{\w+_id\}", "987654321", path)
        missing = fill_path(world, missing, op)
        before = ledger.size()
        a = call_with_example(client, method, real, op, headers)
        b = call_with_example(client, method, missing, op, headers)
        assert not writes_other_than_refusals(before), real
        if a.status_code in (200, 201) and method == "GET":
            continue  # visible to this person (public or within its scope): nothing to probe
        if a.status_code == 422 and a.json().get("code") == "INPUT":
            continue  # the body was refused before any lookup
        if PUBLIC_EXISTENCE.get((method, path)) == a.json().get("code") or (method, path) in KNOWN_ORACLES:
            continue
        if (a.status_code, a.json()) != (b.status_code, b.json()):
            oracles.append(
                f"{method} {path}: real id → {a.status_code} {a.json()['code']}, missing → {b.status_code}"
            )
        probed += 1
    assert probed > 10
    assert not oracles, "\n".join(oracles)
