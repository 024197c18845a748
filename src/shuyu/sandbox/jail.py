"""The jail: one bubblewrap sandbox per run, for DuckDB workers and Python jobs alike (R04.1, R18.1, R19.1).

Layers, outermost first (each is enough to stop something on its own; together they are the boundary):
- `prlimit`: CPU seconds, address space, processes, file size, open files, no core dumps;
- `setpriv`: a host uid that owns nothing (a fresh one per run from a reserved range), no groups, no
  capabilities, bounding set empty, no_new_privs — so even an escape from the namespaces is unprivileged;
- `bwrap`: every namespace unshared (no network, own pid/ipc/uts/mount/cgroup), a user namespace only
  because bubblewrap needs one without root, further user namespaces disabled, new session, dies with
  its parent; a root made of read-only binds of exactly /usr, the project's site-packages and our jailed
  helper scripts, a size-limited tmpfs /tmp, inputs bound read-only, one writable output folder (what
  the jail's uid cannot reach on the host — a checkout under /root — root first binds read-only into the
  run's own folder, `_stage`);
- /tmp and the output folder live on one tmpfs mounted on the host per run, limited in bytes and
  inodes, so filling the disk or creating a million files hits that mount and nothing else;
- a seccomp filter (x86-64) denying namespace, mount, keyring, tracing, BPF, io_uring, userfaultfd and
  module syscalls, and `clone` with namespace flags (`seccomp.py`);
- a clean environment: the jailed process and bubblewrap itself start with an empty environment (the
  sandbox's /proc/1/environ is bubblewrap's), so no host secret is visible in env or /proc;
- a wall-clock timeout that kills the whole process group, then any process left with the run's uid.

Nothing the jail writes is trusted: `collect` accepts only flat regular files of declared kinds and
sizes (never following links), and callers recompute what matters outside.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from . import seccomp

JAILED_DIR = Path(__file__).resolve().parent / "jailed"
UID_RANGE = (620_000, 680_000)  # host uids that own nothing; one per run
# The jail's group: projected inputs and job files are root:JAIL_GID 0640 in 0750 folders, so the jail
# can read them and no other account on the host can (they are real data).
JAIL_GID = 619_999
_OUTPUT_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
LOG_CAP = 64 * 1024


class JailUnavailable(RuntimeError):
    """The jail cannot be built on this machine; jobs must not run (fail closed)."""


@dataclass(frozen=True)
class Limits:
    """Per-run resource limits. Defaults suit an interactive query; the workspace may lower them."""

    wall_seconds: float = 120.0
    cpu_seconds: int = 120
    memory_bytes: int = 2 * 1024**3  # address space of each process
    processes: int = 32
    file_bytes: int = 256 * 1024**2  # largest single file a process may write
    open_files: int = 256
    tmp_bytes: int = 256 * 1024**2  # the jail's /tmp (DuckDB spills here)
    output_bytes: int = 64 * 1024**2  # the whole output folder
    output_files: int = 64  # files collected from the output folder
    inodes: int = 2048  # files and folders the jail may create in /tmp and /out together
    duckdb_memory: str = "512MB"
    duckdb_threads: int = 2


@dataclass
class JailResult:
    """What came back. `stdout`/`stderr` are raw and capped: never show them to an operator unredacted."""

    returncode: int
    timed_out: bool
    files: dict[str, bytes] = field(default_factory=dict)
    rejected: int = 0  # outputs refused by the collector (links, odd names, kinds, sizes)
    stdout: bytes = b""
    stderr: bytes = b""
    uid: int | None = None  # the run's host uid (audit and tests: no process of it may outlive the run)

    @property
    def killed(self) -> bool:
        return self.timed_out or self.returncode < 0 or self.returncode >= 128


def _jail_readable(path: Path) -> bool:
    """True if a uid that owns nothing, in group JAIL_GID, can reach `path` (search on every parent)."""
    path = path.resolve()

    def allowed(info: os.stat_result, other: int, group: int) -> bool:
        return bool(info.st_mode & other) or (info.st_gid == JAIL_GID and bool(info.st_mode & group))

    for parent in reversed(path.parents):
        if not allowed(os.stat(parent), stat.S_IXOTH, stat.S_IXGRP):
            return False
    return allowed(os.stat(path), stat.S_IROTH, stat.S_IRGRP)


def restrict_to_jail(path: Path, *, folder: bool = False) -> None:
    """root:JAIL_GID, 0750 for folders and 0640 for files: the jail reads it, other accounts do not."""
    os.chown(path, 0, JAIL_GID)
    os.chmod(path, 0o750 if folder else 0o640)


def interpreter() -> Path:
    """A Python of this version that the jail's uid can run: ours if reachable, else the system's."""
    own = Path(os.path.realpath(sys.executable))
    candidates = [own, Path(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}")]
    for candidate in candidates:
        if candidate.exists() and str(candidate).startswith("/usr/") and _jail_readable(candidate):
            return candidate
    raise JailUnavailable("no Python reachable by an unprivileged uid under /usr")


def site_packages() -> Path:
    return Path(sysconfig.get_paths()["purelib"]).resolve()


def check_available() -> None:
    """Raise JailUnavailable unless bubblewrap, setpriv, prlimit, root and mount are all here."""
    for tool in ("bwrap", "setpriv", "prlimit", "mount", "umount"):
        if shutil.which(tool) is None:
            raise JailUnavailable(f"{tool} is missing (apt-get install bubblewrap util-linux)")
    if os.geteuid() != 0:
        raise JailUnavailable("the jail runner must start as root to drop to a fresh uid")
    interpreter()
    # site-packages, the jailed helpers and the inputs may sit under a folder the jail's uid cannot cross
    # (a checkout in /root or a 0700 home): `run` then bind-mounts them, as root and read-only, into the
    # run's own folder before dropping privileges (`_stage`).


@dataclass
class _Run:
    workdir: Path
    uid: int
    mnt: Path
    out: Path
    tmp: Path
    job: Path
    logs: Path
    stage: Path  # read-only binds root makes of sources the jail's uid cannot reach (`_stage`)
    staged: list[Path] = field(default_factory=list)
    site: Path | None = None
    helpers: Path | None = None


def _mount_output(run: _Run, limits: Limits) -> None:
    opts = (
        f"size={limits.tmp_bytes + limits.output_bytes + 2 * LOG_CAP},nr_inodes={limits.inodes + 8},mode=0755,"
        "uid=0,gid=0,nosuid,nodev,noexec"
    )
    subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "shuyu-jail", str(run.mnt)], check=True, env={})
    for folder in (run.out, run.tmp):
        folder.mkdir(mode=0o700)
        os.chown(folder, run.uid, JAIL_GID)
    run.logs.mkdir(mode=0o700)


def _umount(path: Path) -> None:
    if subprocess.run(["umount", str(path)], env={}, capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", str(path)], env={}, capture_output=True)


def _kill_leftovers(uid: int) -> None:
    """Kill any process still running as the run's uid (only this run ever has that uid)."""
    for _ in range(20):
        alive = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            if int(fields.get("Uid", "-1").split()[0]) == uid and not fields.get(
                "State", ""
            ).strip().startswith("Z"):
                alive.append(int(entry.name))  # zombies hold nothing; their reaper is not ours
        if not alive:
            return
        for pid in alive:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)


def _bwrap_args(run: _Run, limits: Limits, inputs: Mapping[str, Path]) -> list[str]:
    args = [
        "bwrap",
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--assert-userns-disabled",
        "--uid",
        str(run.uid),
        "--gid",
        str(JAIL_GID),
        "--new-session",
        "--die-with-parent",
        "--cap-drop",
        "ALL",
        "--clearenv",
        "--setenv",
        "PATH",
        "/usr/bin",
        "--setenv",
        "HOME",
        "/tmp",
        "--setenv",
        "LANG",
        "C.UTF-8",
        "--setenv",
        "PYTHONDONTWRITEBYTECODE",
        "1",
        "--ro-bind",
        "/usr",
        "/usr",
        "--symlink",
        "usr/lib",
        "/lib",
        "--symlink",
        "usr/lib64",
        "/lib64",
        "--symlink",
        "usr/bin",
        "/bin",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--bind",
        str(run.tmp),
        "/tmp",
        "--ro-bind",
        str(run.site or site_packages()),
        "/opt/site",
        "--ro-bind",
        str(run.helpers or JAILED_DIR),
        "/opt/shuyu",
        "--ro-bind",
        str(run.job),
        "/job",
        "--bind",
        str(run.out),
        "/out",
        "--dir",
        "/in",
    ]
    for name, host_path in sorted(inputs.items()):
        if not _OUTPUT_NAME.match(name):
            raise ValueError(f"bad input name {name!r}")
        args += ["--ro-bind", str(host_path), f"/in/{name}"]
    args += ["--remount-ro", "/dev", "--remount-ro", "/", "--chdir", "/tmp"]
    return args


def _prlimit_args(limits: Limits) -> list[str]:
    return [
        "prlimit",
        f"--cpu={limits.cpu_seconds}",
        f"--as={limits.memory_bytes}",
        f"--nproc={limits.processes + 2}",  # + bubblewrap's own init
        f"--fsize={limits.file_bytes}",
        f"--nofile={limits.open_files}",
        "--core=0",
        "--",
    ]


def _stage(run: _Run, source: Path, name: str) -> Path:
    """`source` as the jail's uid can reach it: itself when it can, else a read-only bind mount of it that
    root makes inside the run's folder (root:JAIL_GID 0750) before privileges are dropped."""
    source = Path(source).resolve()
    if _jail_readable(source):
        return source
    target = run.stage / name
    if source.is_dir():
        target.mkdir(mode=0o750)
    else:
        target.touch(mode=0o640)
    restrict_to_jail(target, folder=source.is_dir())
    subprocess.run(["mount", "--bind", str(source), str(target)], check=True, env={}, capture_output=True)
    run.staged.append(target)
    subprocess.run(
        ["mount", "-o", "remount,bind,ro,nosuid,nodev", str(target)], check=True, env={}, capture_output=True
    )
    return target


def _unstage(run: _Run) -> bool:
    """Unmount every staged bind; True when none is left mounted (only then may the folder be removed:
    removing it with a bind still in place would delete the source's files)."""
    for target in reversed(run.staged):
        _umount(target)
    return not any(os.path.ismount(t) for t in run.staged)


def run(
    script: str,
    *,
    inputs: Mapping[str, Path],
    job_files: Mapping[str, bytes],
    limits: Limits,
    output_kinds: frozenset[str] = frozenset({".json"}),
    workroot: Path | None = None,
    args: tuple[str, ...] = (),
) -> JailResult:
    """Run `/opt/shuyu/<script>` in a fresh jail with `inputs` at /in and `job_files` at /job."""
    check_available()
    workdir = Path(tempfile.mkdtemp(prefix="shuyu-jail-", dir=workroot))
    restrict_to_jail(workdir, folder=True)
    run_ = _Run(
        workdir=workdir,
        uid=secrets.randbelow(UID_RANGE[1] - UID_RANGE[0]) + UID_RANGE[0],
        mnt=workdir / "mnt",
        out=workdir / "mnt" / "out",
        tmp=workdir / "mnt" / "tmp",
        job=workdir / "job",
        logs=workdir / "mnt" / "logs",
        stage=workdir / "stage",
    )
    run_.mnt.mkdir()
    run_.stage.mkdir()
    restrict_to_jail(run_.stage, folder=True)
    run_.job.mkdir()
    restrict_to_jail(run_.job, folder=True)
    for name, data in job_files.items():
        if not _OUTPUT_NAME.match(name):
            raise ValueError(f"bad job file name {name!r}")
        (run_.job / name).write_bytes(data)
        restrict_to_jail(run_.job / name)
    mounted = False
    try:
        for name in inputs:
            if not _OUTPUT_NAME.match(name):
                raise ValueError(f"bad input name {name!r}")
        run_.site = _stage(run_, site_packages(), "site")
        run_.helpers = _stage(run_, JAILED_DIR, "helpers")
        staged_inputs = {name: _stage(run_, Path(p), f"in-{name}") for name, p in inputs.items()}
        _mount_output(run_, limits)
        mounted = True
        return _execute(run_, script, staged_inputs, limits, output_kinds, args)
    finally:
        _kill_leftovers(run_.uid)
        if mounted:
            _umount(run_.mnt)
        if _unstage(run_) and not os.path.ismount(run_.mnt):
            shutil.rmtree(workdir, ignore_errors=True)


def _execute(run_: _Run, script, inputs, limits: Limits, output_kinds, args) -> JailResult:
    python = str(interpreter())
    filter_fd = None
    bpf = seccomp.program()
    if bpf is not None:
        filter_fd = os.memfd_create("shuyu-seccomp", 0)
        os.write(filter_fd, bpf)
        os.lseek(filter_fd, 0, os.SEEK_SET)
    try:
        return _spawn(run_, script, inputs, limits, output_kinds, args, python, filter_fd)
    finally:
        if filter_fd is not None:
            os.close(filter_fd)


def _spawn(run_: _Run, script, inputs, limits: Limits, output_kinds, args, python, filter_fd) -> JailResult:
    seccomp_args = ["--seccomp", str(filter_fd)] if filter_fd is not None else []
    command = [
        *_prlimit_args(limits),
        "setpriv",
        f"--reuid={run_.uid}",
        f"--regid={JAIL_GID}",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
        "--",
        *_bwrap_args(run_, limits, inputs),
        *seccomp_args,
        "--",
        python,
        "-I",
        "-S",
        "-B",
        f"/opt/shuyu/{script}",
        *args,
    ]
    out_log, err_log = run_.logs / "stdout", run_.logs / "stderr"
    timed_out = False
    with open(out_log, "wb") as stdout, open(err_log, "wb") as stderr:
        proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            env={},  # bubblewrap's environment is visible inside as /proc/1/environ
            start_new_session=True,
            close_fds=True,
            pass_fds=(filter_fd,) if filter_fd is not None else (),
        )
        try:
            returncode = proc.wait(timeout=limits.wall_seconds)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)
            returncode = proc.wait()
    _kill_leftovers(run_.uid)
    files, rejected = collect(run_.out, output_kinds, limits)
    return JailResult(
        returncode=returncode,
        timed_out=timed_out,
        files=files,
        rejected=rejected,
        stdout=_read_capped(out_log),
        stderr=_read_capped(err_log),
        uid=run_.uid,
    )


def _read_capped(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(LOG_CAP)


def collect(out: Path, kinds: frozenset[str], limits: Limits) -> tuple[dict[str, bytes], int]:
    """Accept only flat regular files with a declared suffix, within size; count what was refused."""
    files: dict[str, bytes] = {}
    rejected, total = 0, 0
    try:
        entries = sorted(os.listdir(out))
    except OSError:
        return {}, 1
    for name in entries[: limits.output_files]:
        path = out / name
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            rejected += 1  # a symlink, or gone
            continue
        try:
            info = os.fstat(fd)
            if (
                not stat.S_ISREG(info.st_mode)
                or not _OUTPUT_NAME.match(name)
                or Path(name).suffix not in kinds
                or info.st_size > limits.file_bytes
                or total + info.st_size > limits.output_bytes
            ):
                rejected += 1
                continue
            with os.fdopen(os.dup(fd), "rb") as fh:
                data = fh.read(info.st_size + 1)
            if len(data) != info.st_size:
                rejected += 1
                continue
            files[name] = data
            total += len(data)
        finally:
            os.close(fd)
    rejected += max(0, len(entries) - limits.output_files)
    return files, rejected
