"""The bubblewrap sandbox's seccomp filter: docker's default profile, as a deny list.

Docker's default profile allows ~300 system calls and refuses the rest; what it refuses is the
kernel's administrative and rarely hardened surface: mounts and namespaces, modules, kexec,
keyrings, BPF, perf, userfaultfd, io_uring, clock setting, swap, reboot, NUMA policy, reading or
writing other processes' memory by handle. This module refuses the same calls with EPERM (as
docker does), `clone` only with a namespace flag, `clone3` with ENOSYS (its flags sit in memory a
filter cannot read, so libc falls back to `clone`), and every call of a foreign ABI (i386 and x32
on x86-64). It is a classic BPF program that `bwrap --seccomp FD` installs right before it
executes the command, built here byte by byte so no library is needed.
"""

from __future__ import annotations

import os
import platform
import struct
from dataclasses import dataclass

from godelbox.sandbox.base import SandboxError

CLONE_NEW_FLAGS = 0x7E020080
"""CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET | NEWTIME."""

EPERM, ENOSYS = 1, 38
RET_ALLOW = 0x7FFF0000
RET_ERRNO = 0x00050000
X32_BIT = 0x40000000


@dataclass(frozen=True)
class Arch:
    audit: int
    numbers: dict[str, int]
    """Every refused call, plus `clone` and `clone3` (filtered, not refused outright)."""
    x32: bool = False


# Numbers from the kernel's unistd headers (asm/unistd_64.h, asm-generic/unistd.h); calls an
# ABI never had are simply absent.
X86_64 = Arch(
    audit=0xC000003E,
    x32=True,
    numbers={
        "acct": 163, "add_key": 248, "bpf": 321, "clock_adjtime": 305, "clock_settime": 227,
        "create_module": 174, "delete_module": 176, "finit_module": 313, "fanotify_init": 300,
        "fsconfig": 431, "fsmount": 432, "fsopen": 430, "fspick": 433, "get_kernel_syms": 177,
        "get_mempolicy": 239, "init_module": 175, "io_uring_enter": 426,
        "io_uring_register": 427, "io_uring_setup": 425, "ioperm": 173, "iopl": 172,
        "kcmp": 312, "kexec_file_load": 320, "kexec_load": 246, "keyctl": 250,
        "lookup_dcookie": 212, "mbind": 237, "mount": 165, "mount_setattr": 442,
        "move_mount": 429, "move_pages": 279, "name_to_handle_at": 303, "nfsservctl": 180,
        "open_by_handle_at": 304, "open_tree": 428, "perf_event_open": 298, "pivot_root": 155,
        "process_vm_readv": 310, "process_vm_writev": 311, "query_module": 178, "quotactl": 179,
        "quotactl_fd": 443, "reboot": 169, "request_key": 249, "set_mempolicy": 238,
        "setns": 308, "settimeofday": 164, "swapoff": 168, "swapon": 167, "sysfs": 139,
        "_sysctl": 156, "syslog": 103, "umount2": 166, "unshare": 272, "uselib": 134,
        "userfaultfd": 323, "ustat": 136, "vhangup": 153, "clone": 56, "clone3": 435,
    },
)  # fmt: skip
AARCH64 = Arch(
    audit=0xC00000B7,
    numbers={
        "acct": 89, "add_key": 217, "bpf": 280, "clock_adjtime": 266, "clock_settime": 112,
        "delete_module": 106, "finit_module": 273, "fanotify_init": 262, "fsconfig": 431,
        "fsmount": 432, "fsopen": 430, "fspick": 433, "get_mempolicy": 236, "init_module": 105,
        "io_uring_enter": 426, "io_uring_register": 427, "io_uring_setup": 425, "kcmp": 272,
        "kexec_file_load": 294, "kexec_load": 104, "keyctl": 219, "lookup_dcookie": 18,
        "mbind": 235, "mount": 40, "mount_setattr": 442, "move_mount": 429, "move_pages": 239,
        "name_to_handle_at": 264, "nfsservctl": 42, "open_by_handle_at": 265, "open_tree": 428,
        "perf_event_open": 241, "pivot_root": 41, "process_vm_readv": 270,
        "process_vm_writev": 271, "quotactl": 60, "quotactl_fd": 443, "reboot": 142,
        "request_key": 218, "set_mempolicy": 237, "setns": 268, "settimeofday": 170,
        "swapoff": 225, "swapon": 224, "syslog": 116, "umount2": 39, "unshare": 97,
        "userfaultfd": 282, "vhangup": 58, "clone": 220, "clone3": 435,
    },
)  # fmt: skip
ARCHES = {"x86_64": X86_64, "aarch64": AARCH64}

# Classic BPF opcodes.
LD_ABS_W = 0x20
JEQ_K = 0x15
JGE_K = 0x35
JSET_K = 0x45
RET_K = 0x06
NR_OFFSET, ARCH_OFFSET, ARG0_LOW_OFFSET = 0, 4, 16


def host_arch() -> Arch:
    machine = platform.machine()
    arch = ARCHES.get(machine)
    if arch is None:
        raise SandboxError(
            f"the bubblewrap sandbox has no seccomp filter for {machine} (only "
            f"{', '.join(ARCHES)}); use the docker backend on this machine"
        )
    return arch


Jump = int | str
"""An instruction index offset of 0 (fall through), or the name of a label further down."""


def program(arch: Arch) -> bytes:
    """The filter as `struct sock_filter[]` bytes, ready for `bwrap --seccomp FD`."""
    code: list[tuple[int, Jump, Jump, int]] = [
        (LD_ABS_W, 0, 0, ARCH_OFFSET),
        (JEQ_K, 0, "eperm", arch.audit),
        (LD_ABS_W, 0, 0, NR_OFFSET),
    ]
    if arch.x32:
        code.append((JGE_K, "eperm", 0, X32_BIT))
    denied = sorted(nr for name, nr in arch.numbers.items() if name not in ("clone", "clone3"))
    code += [(JEQ_K, "eperm", 0, nr) for nr in denied]
    code += [
        (JEQ_K, "enosys", 0, arch.numbers["clone3"]),
        (JEQ_K, 0, "allow", arch.numbers["clone"]),
        (LD_ABS_W, 0, 0, ARG0_LOW_OFFSET),
        (JSET_K, "eperm", "allow", CLONE_NEW_FLAGS),
    ]
    labels = {"allow": len(code), "eperm": len(code) + 1, "enosys": len(code) + 2}
    code += [
        (RET_K, 0, 0, RET_ALLOW),
        (RET_K, 0, 0, RET_ERRNO | EPERM),
        (RET_K, 0, 0, RET_ERRNO | ENOSYS),
    ]

    def offset(at: int, jump: Jump) -> int:
        return jump if isinstance(jump, int) else labels[jump] - at - 1

    return b"".join(
        struct.pack("=HBBI", op, offset(i, jt), offset(i, jf), k)
        for i, (op, jt, jf, k) in enumerate(code)
    )


def filter_fd(arch: Arch) -> int:
    """A pipe's read end holding the program (bwrap reads it once); the caller closes it
    after starting bwrap."""
    data = program(arch)
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, data)
    finally:
        os.close(write_end)
    return read_end
