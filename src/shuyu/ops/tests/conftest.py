"""The sandbox fixtures give the sweeps a real agreement, workspace and ledger."""

from shuyu.sandbox.tests.conftest import data_dir, fast_limits, jail_root, workspace, world  # noqa: F401
