"""Bytecode of the library and the experiments, written once before a workflow's jobs.

Every pipeline job is a new Python process that imports 40-80 of these modules. Python
keeps their compiled form in ``__pycache__`` unless ``PYTHONDONTWRITEBYTECODE`` is set (as
it is on the project's machines); then every job compiles every module it imports again,
about 0.1 s a job. The workflow writes that cache once, before any job, as *checked-hash*
files (PEP 552): a job uses one only while the hash of the source it was compiled from
still matches, so an edit that keeps a file's size and modification second (which the
default timestamp check misses) can never run stale code under today's fingerprint.
"""

from __future__ import annotations

import importlib.util
import py_compile
from pathlib import Path

_CHECKED_HASH = 0b11  # PEP 552 flags: hash-based, and checked against the source on import


def write_checked_bytecode(*folders: Path) -> int:
    """Compile every module under ``folders`` whose checked-hash cache is missing or out of
    date; return how many were written. A module that cannot be compiled (a syntax error,
    which its job reports) or a folder that cannot be written (a read-only checkout) is
    left alone: its jobs compile it in memory, as without this."""
    written = 0
    for folder in folders:
        for source in sorted(Path(folder).rglob("*.py")):
            try:
                cache = Path(importlib.util.cache_from_source(str(source)))
                if _current(cache, importlib.util.source_hash(source.read_bytes())):
                    continue
                py_compile.compile(str(source), cfile=str(cache), doraise=True,
                                   invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
            except (OSError, ValueError, py_compile.PyCompileError):
                continue
            written += 1
    return written


def _current(cache: Path, source_hash: bytes) -> bool:
    try:
        with open(cache, "rb") as f:
            head = f.read(16)
    except OSError:
        return False
    return (head[:4] == importlib.util.MAGIC_NUMBER and int.from_bytes(head[4:8], "little") == _CHECKED_HASH
            and head[8:16] == source_hash)
