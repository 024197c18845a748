"""Fixtures for the sandbox's real-jail tests: a raw 'vault' with canary records and projected inputs."""

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from shuyu.sandbox import engine, jail

from .factories import JOBS, PERSONS

CANARY = "CANARY-5f1c9e"  # planted in raw data; must never appear in anything an operator sees


def jail_ready() -> bool:
    try:
        jail.check_available()
    except jail.JailUnavailable:
        return False
    return True


requires_jail = pytest.mark.skipif(
    os.geteuid() != 0, reason="the jail runner needs root to drop to a fresh uid (CI runs as root)"
)


def write_raw(path: Path, sql: str) -> None:
    import duckdb

    con = duckdb.connect(":memory:")
    con.execute(f"COPY ({sql}) TO '{path}' (FORMAT parquet)")
    con.close()


PERSONS_SQL = f"""
SELECT
  printf('51010419%02d0101%04d', (i % 80) + 10, i) AS id_no,
  CASE WHEN i = 0 THEN '{CANARY}-name' ELSE 'name-' || i END AS name,
  ['510104', '510105', '510106'][(i % 3) + 1] AS region,
  18 + (i % 60) AS age,
  DATE '1960-01-01' + INTERVAL (i) DAY AS born_on,
  CAST(1000 + (i * 37) % 9000 AS DECIMAL(18,2)) AS income,
  ['agri', 'industry', 'services'][(i % 3) + 1] AS sector,
  '{CANARY}-ungranted' AS secret_note
FROM range(300) t(i)
"""

JOBS_SQL = """
SELECT printf('51010419%02d0101%04d', (i % 80) + 10, i) AS person_id,
       printf('91510100MA%08d', i % 40) AS uscc,
       CAST(3000 + i AS DECIMAL(18,2)) AS wage,
       ['agri', 'industry', 'services'][(i % 3) + 1] AS sector
FROM range(200) t(i)
"""


@pytest.fixture(scope="session")
def jail_root():
    root = Path(tempfile.mkdtemp(prefix="shuyu-sandbox-test-"))
    os.chmod(root, 0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def vault(jail_root):
    """Raw files as the catalog's vault holds them (with an ungranted column and canaries)."""
    folder = jail_root / "vault"
    folder.mkdir(mode=0o755)
    write_raw(folder / "persons.parquet", PERSONS_SQL)
    write_raw(folder / "jobs.parquet", JOBS_SQL)
    secret = folder / "db.sqlite3"
    secret.write_text(f"{CANARY}-database")
    for f in folder.iterdir():
        os.chmod(f, 0o644)  # readable to any uid on the host: only the jail's mounts keep it out
    return folder


@pytest.fixture(scope="session")
def inputs(jail_root, vault):
    folder = jail_root / "projected"
    return {
        "persons": engine.project_parquet(vault / "persons.parquet", PERSONS, folder / "persons.parquet"),
        "jobs": engine.project_parquet(vault / "jobs.parquet", JOBS, folder / "jobs.parquet"),
    }


@pytest.fixture
def small_limits():
    return jail.Limits(
        wall_seconds=20,
        cpu_seconds=15,
        memory_bytes=1024**3,
        processes=16,
        file_bytes=4 * 1024**2,
        tmp_bytes=8 * 1024**2,
        output_bytes=1024**2,
        output_files=16,
        inodes=256,
        duckdb_memory="128MB",
        duckdb_threads=1,
    )


def digest_tree(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()
    }
