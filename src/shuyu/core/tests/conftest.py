import pytest

from shuyu.orgs import tokens


@pytest.fixture
def bearer(admin):
    """bearer(actor) → HTTP headers carrying a fresh token for that actor (issued by the administrator)."""

    def _bearer(actor) -> dict:
        return {"Authorization": f"Bearer {tokens.issue_token(admin, person_id=actor.person_id).raw}"}

    return _bearer
