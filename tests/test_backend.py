import os

import pytest
from django.db import connection


@pytest.mark.django_db
def test_suite_runs_on_the_requested_database_backend():
    wanted = "postgresql" if os.environ.get("SHUYU_REQUIRE_POSTGRES") == "1" else connection.vendor
    assert connection.vendor == wanted
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
        assert cur.fetchone()[0] == 1
