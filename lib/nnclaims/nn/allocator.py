"""Keep freed memory in the process: glibc's allocator, set once when a run job starts.

Torch's CPU tensors over glibc's mmap threshold (32 MB once the threshold has adapted,
128 kB before) are mapped on every allocation and unmapped on every free, and the heap
above the trim threshold is handed back to the kernel. A training step that allocates
and frees the same few large arrays thousands of times then spends most of its time in
page faults: measured on the 1-D-input experiments (issue 22), more than half of each
step. Turning mmap off for large blocks and setting a very large trim threshold keeps
those pages in the process, where the next step reuses them. Only where memory comes
from changes, never a value: results are the same bits (tested).

It must run before torch allocates its big arrays, so the run command calls it first.
Other C libraries (musl, macOS) have no ``mallopt`` with these parameters: there it does
nothing and says so in one sentence.
"""

from __future__ import annotations

import ctypes
import sys
from typing import TextIO

# glibc's <malloc.h>: mallopt parameter numbers.
M_TRIM_THRESHOLD = -1
M_MMAP_MAX = -4
# The largest value mallopt's int takes: freed heap up to 2 GiB stays in the process.
TRIM_THRESHOLD = 2**31 - 1


def glibc() -> ctypes.CDLL | None:
    """The running process's glibc, or None when the C library is another one."""
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # only glibc has it
        libc.mallopt
    except (OSError, AttributeError):
        return None
    return libc


def keep_freed_memory(log: TextIO | None = None) -> bool:
    """Tell glibc to keep freed memory in the process (no mmap for large blocks, no trim).

    Returns whether it did; elsewhere it writes one sentence to ``log`` (stderr when
    None) and changes nothing.
    """
    libc = glibc()
    if libc is None:
        print("nnclaims: this C library is not glibc, so its allocator keeps its defaults "
              "(large tensors are mapped and unmapped on every step, which is slower)",
              file=log if log is not None else sys.stderr)
        return False
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.mallopt.restype = ctypes.c_int
    # mallopt returns 1 on success; both calls only fail for an unknown parameter.
    return bool(libc.mallopt(M_MMAP_MAX, 0)) and bool(libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
