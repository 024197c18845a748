"""Attacks on the jail with real bubblewrap and a real Python job (R04.1, R18.1, R19.1).

Each job tries to get data or privilege out; each test asserts that nothing arrived outside, that the
operator's view carries no canary, and that the vault and inputs are byte-identical afterwards.
"""

import contextlib
import json
import os
import socket
import stat
import subprocess
import textwrap
import threading

import pytest

from shuyu.sandbox import engine, jail, seccomp

from .conftest import CANARY, digest_tree, requires_jail

pytestmark = requires_jail


def run_job(code: str, inputs, limits, jail_root):
    return engine.run_python(textwrap.dedent(code).encode(), inputs=inputs, limits=limits, workroot=jail_root)


def probe(run) -> dict:
    return json.loads(run.files["probe.json"])


@pytest.fixture
def untouched(vault, inputs):
    """Assert after the test that the vault and the projected inputs did not change by one byte."""
    before = digest_tree(vault), digest_tree(next(iter(inputs.values())).parent)
    yield
    assert (digest_tree(vault), digest_tree(next(iter(inputs.values())).parent)) == before


class _Listener:
    """A host-side server a jailed job tries to reach; records every byte it receives."""

    def __init__(self, family, address):
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.bind(address)
        self.sock.listen(5)
        self.sock.settimeout(0.2)
        self.received = b""
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                with contextlib.suppress(OSError):
                    self.received += conn.recv(65536)

    def close(self):
        self.stop = True
        self.thread.join()
        self.sock.close()


def test_r04_1_jail_has_no_network_inet_socket(inputs, small_limits, jail_root, untouched):
    listener = _Listener(socket.AF_INET, ("127.0.0.1", 0))
    port = listener.sock.getsockname()[1]
    try:
        run, _ = run_job(
            f"""
            import json, socket
            from shuyu_sdk import load
            row = load("persons").limit(1).fetchall()
            outcome = "connected"
            for target in [("127.0.0.1", {port}), ("10.0.0.1", 80), ("1.1.1.1", 443)]:
                try:
                    s = socket.create_connection(target, timeout=1)
                    s.sendall(repr(row).encode())
                except OSError as exc:
                    outcome = type(exc).__name__
            json.dump({{"outcome": outcome}}, open("/out/probe.json", "w"))
            """,
            inputs,
            small_limits,
            jail_root,
        )
    finally:
        listener.close()
    assert probe(run)["outcome"] != "connected"
    assert listener.received == b""


def test_r04_1_jail_cannot_reach_a_host_abstract_unix_socket(inputs, small_limits, jail_root, untouched):
    name = f"\0shuyu-test-{os.getpid()}"
    listener = _Listener(socket.AF_UNIX, name)
    try:
        run, _ = run_job(
            f"""
            import json, socket
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect({name!r})
                s.sendall(b"{CANARY}")
                outcome = "connected"
            except OSError as exc:
                outcome = type(exc).__name__
            json.dump({{"outcome": outcome}}, open("/out/probe.json", "w"))
            """,
            inputs,
            small_limits,
            jail_root,
        )
    finally:
        listener.close()
    assert probe(run)["outcome"] != "connected"
    assert listener.received == b""


def test_r19_1_jail_sees_no_host_files_secrets_or_environment(
    inputs, vault, small_limits, jail_root, untouched
):
    os.environ["SHUYU_TEST_HOST_SECRET"] = CANARY
    try:
        run, raw = run_job(
            f"""
            import json, os
            seen = {{}}
            for path in ["/etc/shadow", "/etc/passwd", "{vault}/db.sqlite3", "{vault}/persons.parquet",
                         "/root/.bash_history", "/work/main/var/db.sqlite3", "/in/jobs.parquet.bak"]:
                try:
                    seen[path] = open(path, "rb").read(64).hex()
                except OSError as exc:
                    seen[path] = type(exc).__name__
            env = dict(os.environ)
            procs = {{}}
            for pid in os.listdir("/proc"):
                if pid.isdigit():
                    try:
                        procs[pid] = open(f"/proc/{{pid}}/environ", "rb").read().decode(errors="replace")
                    except OSError:
                        pass
            json.dump({{"seen": seen, "env": env, "procs": procs, "uid": os.getuid(),
                        "root": sorted(os.listdir("/")), "in": sorted(os.listdir("/in"))}},
                      open("/out/probe.json", "w"))
            """,
            inputs,
            small_limits,
            jail_root,
        )
    finally:
        del os.environ["SHUYU_TEST_HOST_SECRET"]
    found = probe(run)
    assert all(v in ("FileNotFoundError", "PermissionError") for v in found["seen"].values())
    assert CANARY not in json.dumps(found)
    assert set(found["env"]) <= {"PATH", "HOME", "LANG", "PYTHONDONTWRITEBYTECODE", "PWD"}
    assert found["uid"] != 0
    assert found["root"] == sorted(
        ["bin", "dev", "in", "job", "lib", "lib64", "opt", "out", "proc", "tmp", "usr"]
    )
    assert found["in"] == ["jobs.parquet", "persons.parquet"]


def test_r19_1_projected_input_has_only_granted_fields(inputs, small_limits, jail_root, untouched):
    run, _ = run_job(
        """
        import json
        from shuyu_sdk import load
        json.dump({"columns": load("persons").columns}, open("/out/probe.json", "w"))
        """,
        inputs,
        small_limits,
        jail_root,
    )
    assert "secret_note" not in probe(run)["columns"]


def test_r04_1_jail_cannot_write_outside_its_output_folder(inputs, small_limits, jail_root, untouched):
    run, _ = run_job(
        """
        import json, os
        results = {}
        for path in ["/x", "/usr/x", "/opt/site/x", "/opt/shuyu/x", "/in/x", "/in/persons.parquet",
                     "/job/main.py", "/proc/x", "/dev/x"]:
            try:
                with open(path, "ab") as fh:
                    fh.write(b"tamper")
                results[path] = "written"
            except OSError as exc:
                results[path] = type(exc).__name__
        open("/out/ok.json", "w").write("{}")
        json.dump(results, open("/out/probe.json", "w"))
        """,
        inputs,
        small_limits,
        jail_root,
    )
    results = probe(run)
    assert "written" not in results.values()
    assert "ok.json" in run.files


def test_r18_1_fork_bomb_is_contained_and_cleaned_up(inputs, small_limits, jail_root, untouched):
    run, raw = run_job(
        """
        import os
        while True:
            try:
                os.fork()
            except OSError:
                pass
        """,
        inputs,
        jail.Limits(**{**small_limits.__dict__, "wall_seconds": 4}),
        jail_root,
    )
    assert run.status in ("timeout", "killed", "error")
    # nothing of the run is left on the host (other tests' jails may run at the same time: only this uid)
    assert jail.UID_RANGE[0] <= raw.uid < jail.UID_RANGE[1]
    assert not [p for p in os.listdir("/proc") if p.isdigit() and _live_with_uid(p, raw.uid)]


def _live_with_uid(pid: str, uid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as fh:
            fields = dict(line.split(":", 1) for line in fh if ":" in line)
    except OSError:
        return False
    return int(fields["Uid"].split()[0]) == uid and not fields["State"].strip().startswith("Z")


def test_r18_1_allocating_50_gb_fails_inside_the_jail(inputs, small_limits, jail_root, untouched):
    run, _ = run_job(
        """
        import json
        try:
            block = bytearray(50 * 1024**3)
            outcome = "allocated"
        except MemoryError:
            outcome = "MemoryError"
        json.dump({"outcome": outcome}, open("/out/probe.json", "w"))
        """,
        inputs,
        small_limits,
        jail_root,
    )
    assert probe(run)["outcome"] == "MemoryError"


def test_r18_1_filling_the_disk_stops_at_the_runs_own_limits(inputs, small_limits, jail_root, untouched):
    free_before = os.statvfs(jail_root).f_bavail
    run, _ = run_job(
        """
        import json

        def fill(path):
            written = 0
            try:
                with open(path, "wb") as fh:
                    while written < 10 * 1024**3:
                        fh.write(b"x" * 1024 * 1024)
                        written += 1024 * 1024
            except OSError as exc:
                return [type(exc).__name__, written]
            return ["filled", written]

        outcome = {"tmp": fill("/tmp/fill")}
        json.dump(outcome, open("/out/probe.json", "w"))
        fill("/out/fill.json")
        """,
        inputs,
        small_limits,
        jail_root,
    )
    error, written = probe(run)["tmp"]
    assert error == "OSError" and written <= small_limits.file_bytes  # EFBIG / ENOSPC, inside the run
    assert "fill.json" not in run.files  # over the output size: refused by the collector
    assert sum(len(v) for v in run.files.values()) <= small_limits.output_bytes
    # the job tried to write 20 GB; the host's disk (shared with other work, hence the slack) did not fill
    stats = os.statvfs(jail_root)
    assert (free_before - stats.f_bavail) * stats.f_frsize < 2 * 1024**3


def test_r18_1_a_million_files_stop_at_the_inode_limit(inputs, small_limits, jail_root, untouched):
    run, _ = run_job(
        """
        import json, os
        made = 0
        try:
            for i in range(1_000_000):
                open(f"/tmp/f{i}", "w").close()
                made += 1
        except OSError:
            pass
        for i in range(made):
            os.unlink(f"/tmp/f{i}")
        json.dump({"made": made}, open("/out/probe.json", "w"))
        for i in range(1000):
            try:
                open(f"/out/z{i}.json", "w").close()
            except OSError:
                break
        """,
        inputs,
        small_limits,
        jail_root,
    )
    assert probe(run)["made"] <= small_limits.inodes + 8  # the mount adds a few for its own folders
    assert len(run.files) <= small_limits.output_files


def test_r04_1_printed_rows_and_exception_messages_never_reach_the_operator(inputs, small_limits, jail_root):
    run, raw = run_job(
        """
        from shuyu_sdk import load
        rows = load("persons").fetchall()
        print(rows)
        class Leak(Exception):
            pass
        raise ValueError(repr(rows[0]))
        """,
        inputs,
        small_limits,
        jail_root,
    )
    assert CANARY.encode() in raw.stdout + raw.stderr  # the attack really printed the record …
    assert CANARY not in run.log  # … and the operator sees none of it
    assert run.log.startswith("error: ValueError")


def test_r04_1_a_self_named_exception_class_cannot_carry_a_value(inputs, small_limits, jail_root):
    run, raw = run_job(
        """
        from shuyu_sdk import load
        name = load("persons").limit(1).fetchall()[0][1].replace("-", "_")
        raise type(name, (Exception,), {})()
        """,
        inputs,
        small_limits,
        jail_root,
    )
    assert CANARY.replace("-", "_").encode() in raw.stderr
    assert "CANARY" not in run.log


def test_r04_1_collector_accepts_only_regular_files_of_declared_kinds(inputs, small_limits, jail_root):
    run, _ = run_job(
        """
        import os
        os.symlink("/in/persons.parquet", "/out/link.json")
        os.mkfifo("/out/fifo.json")
        os.mkdir("/out/dir.json")
        open("/out/model.pkl", "wb").write(b"x")
        open("/out/Bad Name.json", "w").write("{}")
        open("/out/good.json", "w").write("{}")
        """,
        inputs,
        small_limits,
        jail_root,
    )
    assert set(run.files) == {"good.json"}
    assert run.rejected == 5


@pytest.mark.skipif(seccomp.program() is None, reason="the seccomp filter exists for x86-64 only")
def test_r18_1_seccomp_denies_kernel_interfaces_a_job_never_needs(inputs, small_limits, jail_root):
    run, _ = run_job(
        """
        import ctypes, errno, json, os, threading
        libc = ctypes.CDLL(None, use_errno=True)
        result = {}
        for name, nr, args in [("ptrace", 101, (0, 1, 0, 0)), ("keyctl", 250, (0, 0, 0, 0)),
                               ("io_uring_setup", 425, (1, 0, 0, 0)), ("bpf", 321, (0, 0, 0, 0)),
                               ("unshare", 272, (0x10000000, 0, 0, 0)), ("userfaultfd", 323, (0, 0, 0, 0)),
                               ("mount", 165, (0, 0, 0, 0)), ("clone_newuser", 56, (0x10000011, 0, 0, 0))]:
            ctypes.set_errno(0)
            result[name] = [libc.syscall(nr, *args), errno.errorcode.get(ctypes.get_errno())]
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
        worker = threading.Thread(target=lambda: None)
        worker.start()
        worker.join()
        result["fork_and_threads"] = "ok"
        json.dump(result, open("/out/probe.json", "w"))
        """,
        inputs,
        small_limits,
        jail_root,
    )
    result = probe(run)
    assert result.pop("fork_and_threads") == "ok"  # ordinary processes and threads still work
    assert all(value == [-1, "EPERM"] for value in result.values()), result


def test_r04_1_projected_inputs_are_unreadable_to_other_host_accounts(inputs):
    path = inputs["persons"]
    info = os.stat(path)
    assert info.st_gid == jail.JAIL_GID and stat.S_IMODE(info.st_mode) == 0o640
    # another account on the host (not in the jail's group) cannot read the real data
    denied = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "cat", str(path)],
        capture_output=True,
        env={},
    )
    assert denied.returncode != 0 and denied.stdout == b""


@requires_jail
def test_r18_1_sources_behind_a_folder_the_jail_cannot_cross_are_bound_read_only_and_left_intact(
    tmp_path, inputs, small_limits, monkeypatch
):
    """A checkout under /root or a 0700 home: root binds what the run needs, read-only, into the run's
    own folder; the sources stay untouched and no mount is left behind."""
    import shutil
    import tempfile
    from pathlib import Path

    from shuyu.sandbox import sqlpolicy
    from shuyu.sandbox.tests.factories import TABLES

    hidden = tmp_path / "home"
    hidden.mkdir(mode=0o700)
    data = hidden / "persons.parquet"
    shutil.copy(inputs["persons"], data)
    jail.restrict_to_jail(data)
    helpers = hidden / "jailed"
    shutil.copytree(jail.JAILED_DIR, helpers)
    monkeypatch.setattr(jail, "JAILED_DIR", helpers)
    assert not jail._jail_readable(data) and not jail._jail_readable(helpers)
    workroot = Path(tempfile.mkdtemp(prefix="stage-test-"))  # this run's folder, apart from other runs
    os.chmod(workroot, 0o755)
    try:
        checked = sqlpolicy.check_sql("select region, count(*) n from persons group by region", TABLES)
        result = engine.run_sql(checked, inputs={"persons": data}, limits=small_limits, workroot=workroot)
        assert sum(row[1] for row in result.rows) == 300
        assert data.stat().st_size > 0 and (helpers / "duckdb_worker.py").exists()
        with open("/proc/mounts", encoding="utf-8") as fh:
            assert not [line for line in fh if str(workroot) in line]  # every bind was removed
        assert list(workroot.iterdir()) == []  # and the run's folder with them
    finally:
        shutil.rmtree(workroot, ignore_errors=True)
