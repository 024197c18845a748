"""R04.1 原始数据不出域: canaries planted in an authorized resource's rows never leave the vault.

Every GET operation of the API (enumerated from the OpenAPI schema) and the public pages are called as every
role of the demo scenario and anonymously; no canary may appear in a body, a header or a ledger payload.
"""

import itertools

from django.urls import URLPattern, URLResolver, get_resolver
from security_helpers import (
    assert_error_shape,
    assert_no_canary,
    fill_path,
    ledger_text,
    operations,
    required_query,
)

GET_OPERATIONS = [(m, p, op) for m, p, op in operations() if m == "GET"]


def _pages(resolver=None, prefix="") -> list[str]:
    """Every page without a path parameter (the web app's own, not the API or the admin)."""
    out = []
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith(("api/", "admin/")):
                continue
            out += _pages(entry, route)
        elif isinstance(entry, URLPattern) and not {"<", "("} & set(route) and route != "logout/":
            out.append("/" + route.lstrip("^").rstrip("$"))
    return sorted(set(out))


def _dump(response) -> str:
    headers = "\n".join(f"{k}: {v}" for k, v in response.items())
    return headers + "\n" + response.content.decode("utf-8", "replace")


def test_r04_1_no_get_operation_returns_a_canary_to_any_role(client, world, bearer):
    callers = {"anonymous": {}} | {name: bearer(actor) for name, actor in world.actors.items()}
    called = 0
    for method, path, op in GET_OPERATIONS:
        url = fill_path(world, path, op)
        for who, headers in callers.items():
            r = client.get(url, required_query(op), headers=headers)
            where = f"{method} {url} as {who}"
            assert_error_shape(where, r)
            assert_no_canary(world, where, _dump(r))
            called += 1
    assert called == len(GET_OPERATIONS) * len(callers)
    assert_no_canary(world, "the ledger", ledger_text())


def test_r04_1_no_page_shows_a_canary_to_any_role(client, world):
    from shuyu.orgs.models import Person

    pages = _pages()
    assert {"/", "/catalog/", "/login/"} <= set(pages)
    people = [None, *Person.objects.select_related("user").filter(user__username__in=world.actors)]
    for person in people:
        client.logout()
        if person is not None:
            client.force_login(person.user)
        for url in pages:
            r = client.get(url)
            who = person.user.username if person else "anonymous"
            assert r.status_code < 500, f"{url} as {who}"
            assert_no_canary(world, f"page {url} as {who}", _dump(r))


PATHISH = [
    "../../etc/passwd",
    "..%2F..%2Fsettings.py",
    "%00",
    "9" * 40,
    "-1",
    "0",
    "1e9",
    "null",
    "ｱ",
    "'; --",
]


def test_r04_1_junk_path_parameters_give_4xx_never_500_nor_a_canary(client, world, bearer):
    headers = bearer(world.actors["agency"])
    for junk, (method, path, op) in itertools.product(PATHISH, operations()):
        params = [p["name"] for p in op.get("parameters", []) if p["in"] == "path"]
        for name in params:
            url = path
            for other in params:
                url = url.replace("{" + other + "}", junk if other == name else "1")
            r = client.generic(method, url, b"{}", content_type="application/json", headers=headers)
            where = f"{method} {url}"
            assert r.status_code < 500, where
            if "json" in r.get("Content-Type", ""):
                assert_error_shape(where, r)
            else:  # a junk value with "/" matches no route at all: Django's plain 404
                assert r.status_code == 404, where
            assert_no_canary(world, where, _dump(r))


BODIES = [
    b"{",  # not JSON
    b"\xff\xfe\xfa not utf-8",  # non-UTF-8
    b"[]",
    b'{"name": 1, "org_id": "x", "resource_ids": "abc", "year": "MMXXVI"}',
    ('{"name": "' + "长" * 200_000 + '"}').encode(),
    b'{"org_id": 99999999999999999999999999999}',
]


def test_r04_1_malformed_bodies_give_4xx_never_500_nor_a_canary(client, world, bearer):
    headers = bearer(world.actors["agency"])
    for body, (method, path, op) in itertools.product(BODIES, operations()):
        if method == "GET":
            continue
        url = fill_path(world, path, op)
        r = client.generic(method, url, body, content_type="application/json", headers=headers)
        where = f"{method} {url}"
        assert_error_shape(where, r)
        assert_no_canary(world, where, _dump(r))
