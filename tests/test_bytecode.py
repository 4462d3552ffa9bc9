"""The workflow's bytecode cache (nnclaims.bytecode): written once, used by jobs that may
not write their own, and never stale, even after an edit that keeps a file's size and
modification time (the case Python's default timestamp check gets wrong: the control)."""

from __future__ import annotations

import importlib.util
import os
import py_compile
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO
from nnclaims.bytecode import write_checked_bytecode


def _value_seen_by_a_job(folder: Path) -> str:
    """What a new process that may not write bytecode (as on the project's machines) imports."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(folder)}
    result = subprocess.run([sys.executable, "-c", "import m; print(m.X)"], env=env, capture_output=True,
                            text=True, timeout=60, check=True)
    return result.stdout.strip()


def _edit_keeping_size_and_time(source: Path, text: str) -> None:
    stat = source.stat()
    source.write_text(text)
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert source.stat().st_size == stat.st_size


def test_written_once_then_only_what_changed(tmp_path):
    (tmp_path / "pkg").mkdir()
    for name in ("a", "b", "pkg/c"):
        (tmp_path / f"{name}.py").write_text(f"NAME = {name!r}\n")
    assert write_checked_bytecode(tmp_path) == 3
    assert write_checked_bytecode(tmp_path) == 0
    (tmp_path / "b.py").write_text("NAME = 'b, edited'\n")
    assert write_checked_bytecode(tmp_path) == 1
    cache = Path(importlib.util.cache_from_source(str(tmp_path / "pkg" / "c.py")))
    assert int.from_bytes(cache.read_bytes()[4:8], "little") == 0b11  # PEP 552: hash-based, checked


def test_an_edit_that_keeps_size_and_time_is_seen(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("X = 1\n")
    write_checked_bytecode(tmp_path)
    _edit_keeping_size_and_time(source, "X = 2\n")
    assert _value_seen_by_a_job(tmp_path) == "2"
    assert write_checked_bytecode(tmp_path) == 1 and _value_seen_by_a_job(tmp_path) == "2"


def test_control_a_timestamp_cache_runs_the_stale_code(tmp_path):
    """The same edit under Python's default cache: the check above is one that can fail."""
    source = tmp_path / "m.py"
    source.write_text("X = 1\n")
    py_compile.compile(str(source), doraise=True, invalidation_mode=py_compile.PycInvalidationMode.TIMESTAMP)
    _edit_keeping_size_and_time(source, "X = 2\n")
    assert _value_seen_by_a_job(tmp_path) == "1"


def test_a_syntax_error_or_a_read_only_folder_is_left_to_the_job(tmp_path):
    (tmp_path / "broken.py").write_text("def (:\n")
    (tmp_path / "fine.py").write_text("X = 1\n")
    assert write_checked_bytecode(tmp_path) == 1
    if os.geteuid() == 0:
        pytest.skip("root writes into a read-only folder")
    ro = tmp_path / "ro"
    ro.mkdir()
    (ro / "m.py").write_text("X = 1\n")
    ro.chmod(0o555)
    try:
        assert write_checked_bytecode(ro) == 0
    finally:
        ro.chmod(0o755)


def test_the_workflow_writes_it_for_the_library_and_the_experiments():
    assert "write_checked_bytecode(LIBRARY_DIR, EXPERIMENTS_DIR)" in (REPO / "rules" / "plan.smk").read_text()
