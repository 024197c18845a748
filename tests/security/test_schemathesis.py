"""Property-based fuzzing of every operation of the API's own OpenAPI schema (schemathesis, in-process WSGI).

As the platform administrator and as a person of the public role: no 5xx, and every response conforms to the
schema (declared status code, content type and body). Bounded (few examples per operation) so CI stays fast;
one test per operation, so pytest-xdist spreads them (`-m fuzz -n auto`).
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from security_helpers import openapi

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _application(environ, start_response):
    """Django's WSGI handler, made on first use; every request of schemathesis (probes too) goes here."""
    from django.core.handlers.wsgi import WSGIHandler

    return WSGIHandler()(environ, start_response)


schema = schemathesis.openapi.from_dict(openapi())
schema.app = _application  # in-process only: no socket is ever opened


@pytest.fixture
def callers(wsgi_app, bearer, person_of):
    from conftest import an_admin

    return {"admin": bearer(an_admin()), "public": bearer(person_of("public"))}


@pytest.mark.fuzz
@schema.parametrize()
@settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_r22_1_every_operation_conforms_to_its_schema_and_never_fails_with_5xx(case, callers, wsgi_app):
    for headers in callers.values():
        response = case.call(headers=headers, app=wsgi_app)
        case.validate_response(response, checks=CHECKS, headers=headers)
