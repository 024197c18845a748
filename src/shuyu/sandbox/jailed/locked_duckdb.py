"""The one locked-down DuckDB connection of the jailed SQL and DP workers.

Defence in depth under the jail: only the projected inputs in /in become views, then external access is
switched off, reads are limited to /in and the jail's tmpfs, spilling goes to that tmpfs, memory and
threads are capped, and the configuration is locked before any query runs.
"""

import duckdb


def connect(*, tables, memory_limit: str, threads: int, unit_tables=()) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(
        ":memory:",
        config={
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "temp_directory": "/tmp/duckdb",
            "memory_limit": memory_limit,
            "threads": int(threads),
        },
    )
    for name in tables:
        # names come from the host's table specs ([a-z][a-z0-9_]*), never from the operator
        if name in unit_tables:
            # the gate's keyed projection: the key `__unit` only in the gate's own view, never in the
            # operator's table (gate/rewrite.py)
            source = f"read_parquet('/in/{name}.units.parquet')"
            con.execute(f"CREATE VIEW {name} AS SELECT * EXCLUDE (__unit) FROM {source}")
            con.execute(f"CREATE VIEW __u_{name} AS SELECT * FROM {source}")
        else:
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('/in/{name}.parquet')")
    con.execute("SET allowed_directories = ['/in/', '/tmp/duckdb/']")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con
