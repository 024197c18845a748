"""Ledger fixtures: every test signs with its own throw-away key."""

import pytest


@pytest.fixture(autouse=True)
def ledger_key(tmp_path, settings):
    path = tmp_path / "keys" / "ledger_ed25519.pem"
    settings.SHUYU = {**settings.SHUYU, "LEDGER_KEY_PATH": path}
    return path


@pytest.fixture
def auditor(make_actor):
    return make_actor("auditor")


@pytest.fixture
def bearer(admin):
    """bearer(actor) → HTTP headers carrying a fresh token for that actor (issued by the administrator)."""
    from shuyu.orgs import tokens

    def _bearer(actor) -> dict:
        return {"Authorization": f"Bearer {tokens.issue_token(admin, person_id=actor.person_id).raw}"}

    return _bearer


@pytest.fixture
def token_for(admin):
    from shuyu.orgs import tokens

    return lambda actor: tokens.issue_token(admin, person_id=actor.person_id).raw
