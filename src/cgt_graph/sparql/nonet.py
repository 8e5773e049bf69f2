"""Take away a process's ability to reach the network, for the rest of its life.

Oxigraph executes `SERVICE <url>` as an outbound HTTP request and has no switch to turn it
off (shared/NOTES.md). A text screen in front of the parser is only a first, cheap line: a
screen that misreads one escape lets a query make the server connect anywhere. So every
process that runs user-written SPARQL (the endpoint's workers, the explorer's SPARQL worker)
first calls `deny_network()`, which installs a Linux seccomp filter: from then on
`socket(AF_INET | AF_INET6, ...)` and `io_uring_setup` fail with EACCES, whatever the query
says. Unix sockets and pipes (how the worker talks to its parent) keep working. The filter is
inherited by any child and cannot be removed (PR_SET_NO_NEW_PRIVS).

Written with ctypes rather than a binding (python3-seccomp is a Debian package, not on PyPI):
ten BPF instructions, checked by `tests/test_nonet.py` with a listener that fails on any
connection.
"""

from __future__ import annotations

import ctypes
import platform
import socket
import struct

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_ERRNO = 0x00050000
EACCES = 13
X32_SYSCALL_BIT = 0x40000000
# (AUDIT_ARCH_*, __NR_socket, __NR_io_uring_setup)
_ARCH = {"x86_64": (0xC000003E, 41, 425), "aarch64": (0xC00000B7, 198, 425)}

_BPF_LD_W_ABS = 0x20
_BPF_JEQ_K = 0x15
_BPF_JGE_K = 0x35
_BPF_RET_K = 0x06


class NetworkSandboxError(RuntimeError):
    """The filter could not be installed: the caller must not run user queries."""


def _insn(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("HBBI", code, jt, jf, k)


def _program() -> bytes:
    try:
        arch, nr_socket, nr_io_uring = _ARCH[platform.machine()]
    except KeyError as exc:
        raise NetworkSandboxError(f"no network filter for {platform.machine()}") from exc
    deny = SECCOMP_RET_ERRNO | EACCES
    return b"".join([
        _insn(_BPF_LD_W_ABS, 0, 0, 4),                  # seccomp_data.arch
        _insn(_BPF_JEQ_K, 1, 0, arch),
        _insn(_BPF_RET_K, 0, 0, deny),                  # another ABI (i386 on x86_64): refuse
        _insn(_BPF_LD_W_ABS, 0, 0, 0),                  # seccomp_data.nr
        _insn(_BPF_JGE_K, 0, 1, X32_SYSCALL_BIT),
        _insn(_BPF_RET_K, 0, 0, deny),                  # x32 system calls: refuse
        _insn(_BPF_JEQ_K, 0, 1, nr_io_uring),
        _insn(_BPF_RET_K, 0, 0, deny),                  # io_uring can open sockets too
        _insn(_BPF_JEQ_K, 0, 4, nr_socket),
        _insn(_BPF_LD_W_ABS, 0, 0, 16),                 # args[0] (low word): the address family
        _insn(_BPF_JEQ_K, 1, 0, socket.AF_INET),
        _insn(_BPF_JEQ_K, 0, 1, socket.AF_INET6),
        _insn(_BPF_RET_K, 0, 0, deny),
        _insn(_BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW),
    ])


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def deny_network() -> None:
    """Install the filter in this process (irreversible); raise NetworkSandboxError if impossible."""
    prog = _program()
    buf = ctypes.create_string_buffer(prog, len(prog))
    fprog = _SockFprog(len(prog) // 8, ctypes.addressof(buf))
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError as exc:
        raise NetworkSandboxError(f"cannot load libc: {exc}") from exc
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise NetworkSandboxError(f"prctl(PR_SET_NO_NEW_PRIVS) failed: errno {ctypes.get_errno()}")
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise NetworkSandboxError(f"prctl(PR_SET_SECCOMP) failed: errno {ctypes.get_errno()}")
    try:  # prove it: an inet socket must now be refused
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
    except PermissionError:
        return
    raise NetworkSandboxError("the network filter did not take effect")
