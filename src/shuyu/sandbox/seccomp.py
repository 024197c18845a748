"""A seccomp filter for the jail: deny the kernel interfaces a data job never needs (defence in depth).

bubblewrap installs it (`--seccomp FD`) in the sandboxed process before exec; `no_new_privs` is already
set. The program is classic BPF built here byte by byte (no libseccomp binding in the venv):

- any architecture but x86-64, and the x32 ABI, are killed (a 32-bit syscall table would bypass the list);
- namespace, mount, keyring, tracing, BPF, io_uring, userfaultfd, perf, module and clock syscalls fail
  with EPERM — the usual ingredients of container escapes and kernel exploits;
- `clone` with any namespace flag fails with EPERM; `clone3` (whose flags live in memory BPF cannot
  read) fails with ENOSYS, so the C library falls back to `clone`;
- everything else is allowed (the rest of the jail bounds it).

Only x86-64 has a filter; on other machines `program()` returns None and the other layers stand alone.
"""

from __future__ import annotations

import errno
import platform
import struct

AUDIT_ARCH_X86_64 = 0xC000003E
X32_SYSCALL_BIT = 0x40000000

SECCOMP_RET_KILL_PROCESS = 0x80000000
SECCOMP_RET_ERRNO = 0x00050000
SECCOMP_RET_ALLOW = 0x7FFF0000

# BPF opcodes
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_JSET_K = 0x45
_RET_K = 0x06

# offsets in struct seccomp_data
_NR, _ARCH, _ARG0_LO = 0, 4, 16

DENIED = {
    "ptrace": 101,
    "syslog": 103,
    "uselib": 134,
    "personality": 135,
    "ustat": 136,
    "sysfs": 139,
    "vhangup": 153,
    "pivot_root": 155,
    "_sysctl": 156,
    "adjtimex": 159,
    "chroot": 161,
    "acct": 163,
    "settimeofday": 164,
    "mount": 165,
    "umount2": 166,
    "swapon": 167,
    "swapoff": 168,
    "reboot": 169,
    "iopl": 172,
    "ioperm": 173,
    "create_module": 174,
    "init_module": 175,
    "delete_module": 176,
    "get_kernel_syms": 177,
    "query_module": 178,
    "quotactl": 179,
    "nfsservctl": 180,
    "lookup_dcookie": 212,
    "clock_settime": 227,
    "kexec_load": 246,
    "add_key": 248,
    "request_key": 249,
    "keyctl": 250,
    "unshare": 272,
    "perf_event_open": 298,
    "fanotify_init": 300,
    "name_to_handle_at": 303,
    "open_by_handle_at": 304,
    "setns": 308,
    "process_vm_readv": 310,
    "process_vm_writev": 311,
    "finit_module": 313,
    "kexec_file_load": 320,
    "bpf": 321,
    "userfaultfd": 323,
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
    "mount_setattr": 442,
}
CLONE = 56
CLONE3 = 435
CLONE_NAMESPACES = (
    0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x80
)


def _ins(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def program() -> bytes | None:
    """The compiled filter for this machine, or None where there is none (not x86-64)."""
    if platform.machine() not in ("x86_64", "AMD64"):
        return None
    deny = SECCOMP_RET_ERRNO | errno.EPERM
    out = [
        _ins(_LD_W_ABS, 0, 0, _ARCH),
        _ins(_JEQ_K, 1, 0, AUDIT_ARCH_X86_64),
        _ins(_RET_K, 0, 0, SECCOMP_RET_KILL_PROCESS),
        _ins(_LD_W_ABS, 0, 0, _NR),
        _ins(_JGE_K, 0, 1, X32_SYSCALL_BIT),
        _ins(_RET_K, 0, 0, SECCOMP_RET_KILL_PROCESS),
    ]
    for nr in sorted(DENIED.values()):
        out += [_ins(_JEQ_K, 0, 1, nr), _ins(_RET_K, 0, 0, deny)]
    out += [_ins(_JEQ_K, 0, 1, CLONE3), _ins(_RET_K, 0, 0, SECCOMP_RET_ERRNO | errno.ENOSYS)]
    out += [
        _ins(_JEQ_K, 0, 3, CLONE),
        _ins(_LD_W_ABS, 0, 0, _ARG0_LO),
        _ins(_JSET_K, 0, 1, CLONE_NAMESPACES),
        _ins(_RET_K, 0, 0, deny),
        _ins(_RET_K, 0, 0, SECCOMP_RET_ALLOW),
    ]
    return b"".join(out)
