"""Every refusal is {code, article, message_zh, message_en} with a 4xx status; our own bugs answer 500 without
a stack trace or an engine's message, in DEBUG too (R04.1, R22.1). The API's schema declares them."""

import json

from django.db.utils import DataError
from django.test import RequestFactory
from security_helpers import openapi

from shuyu.api import main

SECRET = "金丝雀Canary-engine-message"
KEYS = {"code", "article", "message_zh", "message_en"}


def _request():
    return RequestFactory().get("/api/orgs/me")


def test_r04_1_an_unexpected_error_is_a_plain_json_500_even_in_debug(settings):
    settings.DEBUG = True  # ninja's default handler would answer with the traceback as text
    try:
        raise RuntimeError(SECRET)
    except RuntimeError as exc:
        response = main._internal_error(_request(), exc)
    body = json.loads(response.content)
    assert response.status_code == 500 and set(body) == KEYS and body["code"] == "INTERNAL"
    assert SECRET not in response.content.decode() and "Traceback" not in response.content.decode()


def test_r04_1_a_value_the_database_refuses_is_422_without_the_engine_message():
    response = main._data_error(_request(), DataError(f"invalid byte sequence near '{SECRET}'"))
    body = json.loads(response.content)
    assert response.status_code == 422 and set(body) == KEYS and body["code"] == "INPUT"
    assert SECRET not in response.content.decode()


def test_r22_1_an_unparseable_body_is_400_in_the_error_shape(client, bearer, person_of):
    r = client.post(
        "/api/orgs/people", b"{", content_type="application/json", headers=bearer(person_of("public"))
    )
    assert r.status_code == 400 and set(r.json()) == KEYS and r.json()["code"] == "INPUT"


def test_r22_1_the_schema_declares_the_refusals_every_operation_can_give():
    for path, ops in openapi()["paths"].items():
        for method, op in ops.items():
            declared = {int(s) for s in op["responses"]}
            if op.get("requestBody"):
                assert {400, 422} <= declared, (method, path)
            if op.get("security"):
                assert {401, 403} <= declared, (method, path)


def test_r04_1_a_malformed_field_is_named_but_its_value_is_not_echoed(client, bearer, person_of):
    body = {"org_id": SECRET, "kind": SECRET, "source": 1, "recorded_on": SECRET}
    r = client.post(
        "/api/orgs/credit-records", body, content_type="application/json", headers=bearer(person_of("public"))
    )
    assert r.status_code == 422 and r.json()["code"] == "INPUT" and "org_id" in r.json()["message_en"]
    assert SECRET not in r.content.decode("unicode_escape") and SECRET not in r.content.decode()


def test_r22_1_pages_and_api_answers_carry_the_protective_headers(client, db):
    for url in ("/", "/login/", "/catalog/", "/api/orgs/regions"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert r["X-Content-Type-Options"] == "nosniff", url
        if url != "/api/orgs/regions":
            assert r["X-Frame-Options"] == "DENY", url
