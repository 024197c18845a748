"""The sandbox fixtures give the sweeps a real agreement, workspace and ledger."""

from shuyu.sandbox.tests.conftest import data_dir, jail_root, world  # noqa: F401 — shared fixtures
