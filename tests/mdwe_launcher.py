"""Run Python under the seccomp filter systemd installs for ``MemoryDenyWriteExecute=yes`` and
``NoNewPrivileges=yes``, so a test can show warroom works under deploy/warroom.service without a
running systemd.

``python tests/mdwe_launcher.py ARGS...`` installs the filter, then execs ``python ARGS...``.
The rules are systemd's (src/shared/seccomp-util.c, seccomp_memory_deny_write_execute): refuse with
EPERM an mmap that is both writable and executable, any mprotect or pkey_mprotect that asks for
PROT_EXEC, and shmat with SHM_EXEC. A filter survives execve, as it does under systemd.
"""

from __future__ import annotations

import ctypes
import os
import platform
import struct
import sys

PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
RET_ALLOW, RET_EPERM = 0x7FFF0000, 0x00050000 | 1
LD_ABS, JEQ, AND, RET = 0x20, 0x15, 0x54, 0x06  # BPF_LD|W|ABS, BPF_JMP|JEQ|K, BPF_ALU|AND|K, BPF_RET|K
NR, ARCH, ARG2 = 0, 4, 16 + 2 * 8  # offsets into struct seccomp_data (little-endian low word of args[2])
PROT_WRITE, PROT_EXEC, SHM_EXEC = 0x2, 0x4, 0o100000

# machine: (AUDIT_ARCH_*, mmap, mprotect, pkey_mprotect, shmat)
SYSCALLS = {"x86_64": (0xC000003E, 9, 10, 329, 30), "aarch64": (0xC00000B7, 222, 226, 288, 196)}


def filter_program() -> list[tuple[int, int, int, int]]:
    arch, mmap, mprotect, pkey_mprotect, shmat = SYSCALLS[platform.machine()]
    # each check: load the flags argument, keep the bits that matter, refuse when they are all set
    checks = {mmap: PROT_WRITE | PROT_EXEC, mprotect: PROT_EXEC, pkey_mprotect: PROT_EXEC, shmat: SHM_EXEC}
    program = [(LD_ABS, 0, 0, ARCH), (JEQ, 1, 0, arch), (RET, 0, 0, RET_ALLOW), (LD_ABS, 0, 0, NR)]
    for syscall, bits in checks.items():
        program += [(JEQ, 0, 5, syscall), (LD_ABS, 0, 0, ARG2), (AND, 0, 0, bits), (JEQ, 0, 1, bits),
                    (RET, 0, 0, RET_EPERM), (RET, 0, 0, RET_ALLOW)]
    return program + [(RET, 0, 0, RET_ALLOW)]


def install() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    program = filter_program()
    code = b"".join(struct.pack("=HBBI", *instruction) for instruction in program)
    buffer = ctypes.create_string_buffer(code, len(code))
    fprog = struct.pack("=HxxxxxxQ", len(program), ctypes.addressof(buffer))
    for args in ((PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0),
                 (PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.c_char_p(fprog), 0, 0)):
        if libc.prctl(*args) != 0:
            error = ctypes.get_errno()
            raise OSError(error, f"prctl{args[:2]}: {os.strerror(error)}")


if __name__ == "__main__":
    install()
    os.execv(sys.executable, [sys.executable, *sys.argv[1:]])
