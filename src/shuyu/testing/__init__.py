"""Test support shared by all apps (pytest plugins loaded from the root conftest)."""
