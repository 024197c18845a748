"""The client's tests run against a real server (pytest-django's `live_server`) on the sandbox's world:
an operator's workspace on an active agreement over a vault with canaries. Its fixtures are the sandbox's,
imported here rather than copied."""

import pytest

from shuyu.sandbox.tests.conftest import (  # noqa: F401 — fixtures, registered by being imported here
    bearer,
    data_dir,
    fast_limits,
    jail_root,
    workspace,
    world,
)


@pytest.fixture
def connect(live_server, admin):
    """connect(actor) → a Client on the live server with a fresh token of that person."""
    from shuyu.client import Client
    from shuyu.orgs import tokens

    def _connect(actor):
        return Client(
            live_server.url, token=tokens.issue_token(admin, person_id=actor.person_id).raw, timeout=60
        )

    return _connect
