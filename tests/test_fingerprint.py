"""The run fingerprint follows the code that `grid` and `run` reach, not names.

For every experiment: editing a figure helper, a check helper or a docstring leaves the
run manifest unchanged (nothing retrains); editing code that `run` reaches changes it, and
the reason names what changed.
"""

import ast
import json
from pathlib import Path

import pytest

from conftest import REPO
from nnclaims.evidence.experiment import FIGURE_ROOTS, RUN_LIBRARY, RUN_ROOTS, SUMMARY_ROOTS, available
from nnclaims.evidence.fingerprint import manifest

EXPERIMENTS = available(REPO / "experiments")


def _functions(path: Path) -> dict[str, ast.FunctionDef | ast.Assign]:
    """The module's top-level definitions by name: functions, and names bound by one
    assignment (``figures = drawer(FIGURES)`` defines an experiment's figures too)."""
    tree = ast.parse(path.read_text())
    found = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    found.update({n.targets[0].id: n for n in tree.body if isinstance(n, ast.Assign) and len(n.targets) == 1
                  and isinstance(n.targets[0], ast.Name)})
    return found


def _edit_function(source: str, node: ast.FunctionDef | ast.Assign) -> str:
    """A harmless edit of a definition: a statement appended to a function's body, or an
    assignment's value wrapped in a conditional that always takes it."""
    lines = source.split("\n")
    if isinstance(node, ast.Assign):
        value = ast.get_source_segment(source, node.value)
        start = sum(len(line) + 1 for line in lines[:node.value.lineno - 1]) + node.value.col_offset
        return source[:start] + f"({value}) if True else None" + source[start + len(value):]
    indent = " " * node.body[-1].col_offset
    lines.insert(node.end_lineno, f"{indent}_edited_by_test = 1")
    return "\n".join(lines)


def _only_reached_from(path: Path, roots) -> list[str]:
    run = set(manifest(path, RUN_ROOTS).parts)
    return [n for n in manifest(path, roots).parts if n not in run and not n.startswith("nnclaims.")]


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_editing_presentation_never_retrains(name, tmp_path):
    path = REPO / "experiments" / f"{name}.py"
    source = path.read_text()
    copy = tmp_path / path.name
    copy.write_text(source)
    before = manifest(copy, RUN_ROOTS, RUN_LIBRARY)
    functions = _functions(path)
    figure_helpers = [n for n in _only_reached_from(path, FIGURE_ROOTS) if n in functions]
    check_helpers = [n for n in _only_reached_from(path, SUMMARY_ROOTS) if n in functions]
    assert "figures" in figure_helpers and "checks" in check_helpers
    edited = []
    for helper in {figure_helpers[-1], check_helpers[-1], "figures", "checks"}:
        copy.write_text(_edit_function(source, functions[helper]))
        assert manifest(copy, RUN_ROOTS, RUN_LIBRARY).digest == before.digest, f"editing {helper} would retrain"
        edited.append(helper)
    tree_doc = ast.get_docstring(ast.parse(source))
    copy.write_text(source.replace(tree_doc, tree_doc + " One more word.", 1))
    assert manifest(copy, RUN_ROOTS, RUN_LIBRARY).digest == before.digest, "editing the docstring would retrain"
    # The positive control: editing what run reaches does change it, and says so.
    copy.write_text(_edit_function(source, functions["run"]))
    after = manifest(copy, RUN_ROOTS, RUN_LIBRARY)
    assert after.digest != before.digest
    assert after.changes(before.as_dict(), "run") == [f"run code of {path.name} changed: run"]


def test_helper_reached_from_run_is_followed(tmp_path):
    src = '''
import numpy as np
from nnclaims.numeric.data import gate
SIZE = 3
def _helper(x):
    """Doc."""
    return x * SIZE
def _points():
    return 1
def run(point, ctx):
    return [{"v": _helper(point["a"]), "g": len(gate("XOR")[0])}]
def grid(profile: str) -> list[dict]:
    return [{"a": 1}]
def figures(tables, outdir):
    return _points()
'''
    path = tmp_path / "demo.py"
    path.write_text(src)
    m = manifest(path, RUN_ROOTS)
    assert {"run", "grid", "_helper", "SIZE", "nnclaims.numeric.data", "nnclaims.numeric.seeding"} <= set(m.parts)
    assert "_points" not in m.parts and "figures" not in m.parts
    path.write_text(src.replace("SIZE = 3", "SIZE = 4"))
    changed = manifest(path, RUN_ROOTS)
    assert changed.changes(m.as_dict(), "run") == ["run code of demo.py changed: SIZE"]
    path.write_text(src.replace('"""Doc."""', '"""Another doc."""').replace("# c", "").replace(
        "def grid(profile: str) -> list[dict]:", "def grid(profile):  # a comment"))
    assert manifest(path, RUN_ROOTS).digest == m.digest, "docstrings, comments and type hints do not count"


def test_context_fields_read_are_recorded(tmp_path):
    path = tmp_path / "uses_mnist.py"
    path.write_text("def grid(p):\n    return [{}]\ndef run(point, ctx):\n    return [{'p': ctx.mnist_path}]\n")
    assert manifest(path, RUN_ROOTS).reads == ("mnist_path",)
    path.write_text("def grid(p):\n    return [{}]\ndef run(point, ctx):\n    return [{'s': len(ctx.seeds)}]\n")
    assert manifest(path, RUN_ROOTS).reads == ()


def test_a_name_reexported_by_a_package_is_followed_to_its_module(tmp_path):
    path = tmp_path / "reexport.py"
    path.write_text("from nnclaims.evidence import best_rate, Check\n"
                    "def grid(p):\n    return [{}]\ndef run(point, ctx):\n    return [{'lr': best_rate(None)}]\n"
                    "def checks(tables):\n    return [Check]\n")
    parts = set(manifest(path, RUN_ROOTS).parts)
    assert "nnclaims.evidence.analysis" in parts
    assert "nnclaims.evidence" not in parts and "nnclaims.evidence.stats" not in parts


# -- the cache beside the bytecode ---------------------------------------------------------
def _uncached(module: str, path: Path) -> tuple[str, tuple[str, ...]]:
    from nnclaims.evidence import fingerprint as fp
    fp._parsed.cache_clear()
    cache = path.parent / "__pycache__" / f"{path.stem}.nnclaims-fingerprint.json"
    cache.unlink(missing_ok=True)
    return fp._parsed(module, path, path.stat().st_mtime_ns)


def _module(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "nnclaims_fake" / "mod.py"
    path.parent.mkdir(exist_ok=True)
    path.write_text(body)
    return path


def test_the_cache_gives_what_parsing_gives(tmp_path):
    from nnclaims.evidence import fingerprint as fp
    path = _module(tmp_path, '"""doc"""\nfrom nnclaims.nn import models\n\ndef f():\n    import nnclaims.numeric.data\n')
    first = _uncached("nnclaims.fake.mod", path)
    cache = path.parent / "__pycache__" / "mod.nnclaims-fingerprint.json"
    assert cache.is_file()
    fp._parsed.cache_clear()
    assert fp._parsed("nnclaims.fake.mod", path, path.stat().st_mtime_ns) == first
    assert first[1] == ("nnclaims.nn:models", "nnclaims.numeric.data")
    # Every library module: what the cache holds is what parsing gives.
    for module_path in sorted(fp.LIBRARY_ROOT.rglob("*.py")):
        rel = module_path.relative_to(fp.LIBRARY_ROOT).with_suffix("")
        module = ".".join(["nnclaims", *[p for p in rel.parts if p != "__init__"]])
        fp._parsed.cache_clear()
        cached = fp._parsed(module, module_path, module_path.stat().st_mtime_ns)
        assert cached == _uncached(module, module_path), module


def test_the_cache_is_for_the_same_bytes_only(tmp_path):
    from nnclaims.evidence import fingerprint as fp
    path = _module(tmp_path, "def f():\n    return 1\n")
    before = _uncached("nnclaims.fake.mod", path)
    path.write_text("def f():\n    return 2\n")
    fp._parsed.cache_clear()
    after = fp._parsed("nnclaims.fake.mod", path, path.stat().st_mtime_ns)
    assert after != before and after == _uncached("nnclaims.fake.mod", path)
    path.write_text("def f():\n    return 1  # a comment: the same tree\n")
    fp._parsed.cache_clear()
    assert fp._parsed("nnclaims.fake.mod", path, path.stat().st_mtime_ns) == before


@pytest.mark.parametrize("damage", ["", "{", '{"key": 1}', '["a"]', '{"key": {}, "hash": 1}'])
def test_a_damaged_cache_is_computed_again(tmp_path, damage):
    from nnclaims.evidence import fingerprint as fp
    path = _module(tmp_path, "X = 1\n")
    truth = _uncached("nnclaims.fake.mod", path)
    cache = path.parent / "__pycache__" / "mod.nnclaims-fingerprint.json"
    cache.write_text(damage)
    fp._parsed.cache_clear()
    assert fp._parsed("nnclaims.fake.mod", path, path.stat().st_mtime_ns) == truth
    assert json.loads(cache.read_text())["hash"] == truth[0]  # and written again whole


def test_a_library_that_cannot_hold_the_cache_is_fingerprinted_without_it(tmp_path):
    # A __pycache__ that is a file fails as a read-only folder does, for root too.
    from nnclaims.evidence import fingerprint as fp
    path = _module(tmp_path, "X = 1\n")
    truth = _uncached("nnclaims.fake.mod", path)
    (path.parent / "__pycache__" / "mod.nnclaims-fingerprint.json").unlink()
    (path.parent / "__pycache__").rmdir()
    (path.parent / "__pycache__").write_text("not a folder")
    fp._parsed.cache_clear()
    assert fp._parsed("nnclaims.fake.mod", path, path.stat().st_mtime_ns) == truth
    assert (path.parent / "__pycache__").read_text() == "not a folder"
    assert sorted(p.name for p in path.parent.iterdir()) == ["__pycache__", "mod.py"]  # no temporary left
