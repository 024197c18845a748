"""Helpers of the security tests (imported by the test modules; conftest.py holds the fixtures)."""

import functools
import json


def assert_no_canary(world, where: str, *texts: str) -> None:
    for text in texts:
        for canary in world.canaries:
            assert canary not in text, f"R04.1: canary {canary!r} leaked in {where}"


def ledger_text() -> str:
    from shuyu.ledger.models import LedgerEntry

    return "\n".join(LedgerEntry.objects.values_list("payload", flat=True))


# Path parameter → the kind of object whose real id fills it (operations.py enumerates from the schema).
PARAM_KIND = {
    "token_id": "token",
    "resource_id": "resource",
    "registration_id": "registration",
    "objection_id": "objection",
    "plan_id": "plan",
    "selection_id": "selection",
    "candidate_id": "candidate",
    "agreement_id": "agreement",
    "designation_id": "designation",
    "workspace_id": "workspace",
    "job_id": "job",
    "output_id": "output",
}


@functools.cache
def openapi() -> dict:
    from shuyu.api.main import api

    return api.get_openapi_schema()


def operations() -> list[tuple[str, str, dict]]:
    """Every (METHOD, path, operation) of the API's own OpenAPI schema, so new endpoints are covered."""
    schema = openapi()
    return [
        (method.upper(), path, op)
        for path, ops in sorted(schema["paths"].items())
        for method, op in sorted(ops.items())
    ]


def fill_path(world, path: str, op: dict) -> str:
    """The path with every parameter filled by a real id (or a plausible value) from the world."""
    from shuyu.catalog.models import DataResource

    for p in op.get("parameters", []):
        if p["in"] != "path":
            continue
        name = p["name"]
        if name == "version_id":
            kind = "version" if "/catalog/" in path else "plan_version"
            value = world.ids.get(kind, 1)
        elif name == "code":
            value = DataResource.objects.get(pk=world.ids["resource"]).code
        elif name == "year":
            value = 2026
        elif name == "table":
            value = "t1"
        elif name == "name":
            value = "name"
        else:
            value = world.ids.get(PARAM_KIND.get(name, ""), 1)
        path = path.replace("{" + name + "}", str(value))
    return path


QUERY_DEFAULTS = {"date": "2026-03-02", "seq": "0", "old_size": "1"}


def required_query(op: dict) -> dict:
    return {
        p["name"]: QUERY_DEFAULTS.get(p["name"], "1")
        for p in op.get("parameters", [])
        if p["in"] == "query" and p.get("required")
    }


def is_protected(op: dict) -> bool:
    """The schema says the operation needs a bearer token or a session."""
    return bool(op.get("security"))


def assert_error_shape(where: str, response) -> None:
    """Every refusal is {code, article, message_zh, message_en} with a 4xx status (never a 500)."""
    assert response.status_code < 500, f"{where}: {response.status_code} {response.content[:300]!r}"
    assert "Traceback" not in response.content.decode("utf-8", "replace"), where
    if response.status_code >= 400:
        body = response.json()
        missing = {"code", "article", "message_zh", "message_en"} - set(body)
        assert not missing, f"{where}: error body lacks {missing}: {body}"


def _example(schema: dict, components: dict, depth: int = 0):
    """A minimal value valid against `schema`: required properties only, the first enum value, and so on."""
    if "$ref" in schema:
        return _example(components[schema["$ref"].rsplit("/", 1)[1]], components, depth)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return _example(schema[key][0], components, depth)
    if "enum" in schema:
        return schema["enum"][0]
    kind, fmt = schema.get("type"), schema.get("format")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {
            k: _example(props[k], components, depth + 1) for k in schema.get("required", []) if k in props
        }
    if kind == "array":
        return []
    if kind in ("integer", "number"):
        return max(1, schema.get("minimum", 1))
    if kind == "boolean":
        return False
    if fmt == "date":
        return "2026-03-02"
    if fmt == "date-time":
        return "2026-03-02T09:00:00+08:00"
    return "x" * max(1, schema.get("minLength", 1))


def example_body(op: dict):
    content = op.get("requestBody", {}).get("content", {})
    components = openapi()["components"]["schemas"]
    if "application/json" in content:
        return "json", _example(content["application/json"]["schema"], components)
    if content:
        return "multipart", {}
    return "json", None


def call_with_example(client, method, url, op, headers, query=None):
    kind, body = example_body(op)
    if method == "GET":
        return client.get(url, query or {}, headers=headers)
    if kind == "multipart":
        return client.generic(
            method, url, b"", content_type="multipart/form-data; boundary=x", headers=headers
        )
    data = json.dumps(body if body is not None else {})
    return client.generic(method, url, data, content_type="application/json", headers=headers)


def writes_other_than_refusals(before: int) -> list[str]:
    """Actions appended to the ledger since it had `before` entries, leaving out the `*.refused` records
    that refused sensitive acts must leave (STYLE.md) — and those may name only the act and the requirement,
    never a data value."""
    from shuyu.ledger.models import LedgerEntry

    written = []
    for entry in LedgerEntry.objects.filter(seq__gte=before).order_by("seq"):
        if entry.action.endswith(".refused"):
            assert set(json.loads(entry.payload)) <= {"act", "requirement"}, entry.payload
        else:
            written.append(entry.action)
    return written
