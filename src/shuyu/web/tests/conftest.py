"""Fixtures for the page tests: the demo scenario, seeded through the services, and its people."""

import pytest

from shuyu.demo import scenario


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    """Each test gets its own data directory (vault, ledger key), so xdist workers never share files."""
    settings.SHUYU = dict(settings.SHUYU) | {"DATA_DIR": tmp_path, "LEDGER_KEY_PATH": tmp_path / "ledger.pem"}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The demo makes a dozen accounts per test; a fast hasher keeps page tests quick (tests only)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(db, monkeypatch):
    """The `make demo` scenario with few rows per resource."""
    monkeypatch.setenv("SHUYU_DEMO_ROWS", "50")
    assert scenario.seed() is True
    return scenario


@pytest.fixture
def demo_login(login):
    """demo_login("agency") logs a demo account in through the form."""

    def _login(username: str):
        return login(username, scenario.DEMO_PASSWORD)

    return _login
