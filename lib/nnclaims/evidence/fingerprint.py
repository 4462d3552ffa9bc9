"""What a stage's results depend on, piece by piece, so that an edit reruns what it must.

`manifest(path, roots)` follows an experiment module from its ``roots`` (for the run stage:
``grid`` and ``run``) through the top-level names they use, transitively: functions,
classes and constants, each hashed over its syntax tree without docstrings and type
annotations (comments, formatting, docstrings and hints never count). Every library module
(``nnclaims.*``) that the reached code imports is hashed as a whole, with the library
modules it imports in turn. So editing a figure or a check helper, or a docstring, never
reruns training, while editing the model code does; and when something changed,
`Manifest.changes` says what in words.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping

LIBRARY_ROOT = Path(__file__).resolve().parents[1]  # the nnclaims package
# Fields of the run context (`nnclaims.evidence.experiment.RunContext`) whose reading makes
# a run depend on a setting that not every experiment uses.
CONTEXT_FIELDS = frozenset({"mnist_path"})
_ANNOTATIONS = {"annotation", "returns"}


@dataclass(frozen=True)
class Manifest:
    """Hashes of what one stage of one experiment depends on.

    parts: ``name -> hash`` for the experiment's reached top-level definitions and
    ``nnclaims.module -> hash`` for library modules; reads: run-context fields read.
    """

    source: str
    parts: Mapping[str, str]
    reads: tuple[str, ...] = ()
    versions: Mapping[str, str] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        blob = json.dumps({"parts": dict(self.parts), "versions": dict(self.versions)}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def as_dict(self) -> dict:
        return {"source": self.source, "parts": dict(self.parts), "reads": list(self.reads),
                "versions": dict(self.versions)}

    def changes(self, old: Mapping, stage: str) -> list[str]:
        """What differs from an earlier manifest (``as_dict`` form), in words."""
        new_parts, old_parts = dict(self.parts), dict(old.get("parts", {}))
        changed = sorted(k for k in new_parts.keys() | old_parts.keys() if new_parts.get(k) != old_parts.get(k))
        mine = [k for k in changed if not k.startswith("nnclaims.")]
        library = [k for k in changed if k.startswith("nnclaims.")]
        out = []
        if mine:
            out.append(f"{stage} code of {self.source} changed: {', '.join(mine)}")
        if library:
            out.append(f"library module{'s' if len(library) > 1 else ''} changed: {', '.join(library)}")
        versions = [f"{k} {old.get('versions', {}).get(k, '?')} → {v}" for k, v in self.versions.items()
                    if old.get("versions", {}).get(k) != v]
        if versions:
            out.append(f"library versions changed: {', '.join(versions)}")
        return out


def manifest(path: str | Path, roots: Iterable[str], library: Iterable[str] = (),
             versions: Mapping[str, str] | None = None) -> Manifest:
    """The manifest of an experiment's ``roots`` plus the named ``library`` modules."""
    path = Path(path)
    source = path.read_text()
    defs, imports = _top_level(source, path)
    seen: set[str] = set()
    modules: set[str] = set(library)
    reads: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in imports:
            modules.update(m for m in map(_library_module, imports[name]) if m)
            continue
        for stmt in defs.get(name, []):
            for node in _walk(stmt):
                if isinstance(node, ast.Name):
                    todo.append(node.id)
                elif isinstance(node, ast.Attribute) and node.attr in CONTEXT_FIELDS:
                    reads.add(node.attr)
                elif isinstance(node, (ast.Import, ast.ImportFrom)):
                    modules.update(m for m in (_library_module(t) for t in _import_targets(node, None)) if m)
    parts = {name: _name_hash(source, path, name) for name in sorted(seen) if name in defs}
    for module in sorted(_closure(frozenset(modules))):
        parts[module] = _module_hash(module)
    return Manifest(path.name, parts, tuple(sorted(reads)), dict(versions or {}))


def script_manifest(path: str | Path, library: Iterable[str] = (), skip: Iterable[str] = (),
                    versions: Mapping[str, str] | None = None) -> Manifest:
    """The manifest of a whole script (a rule's: it runs from top to bottom, so every
    definition and every library module it imports counts), plus the named ``library``
    modules; the modules in ``skip`` (the publishing machinery, keyed by ``library``
    instead, as an experiment's summary is) are not followed."""
    path = Path(path)
    defs, imports = _top_level(path.read_text(), path)
    own = manifest(path, list(defs), versions=versions)
    modules = {m for targets in imports.values() for m in map(_library_module, targets) if m}
    for stmt in (s for stmts in defs.values() for s in stmts):
        for node in _walk(stmt):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                modules.update(m for m in map(_library_module, _import_targets(node, None)) if m)
    parts = {k: v for k, v in own.parts.items() if not (k == "nnclaims" or k.startswith("nnclaims."))}
    for module in sorted(_closure(frozenset((modules - set(skip)) | set(library)))):
        parts[module] = _module_hash(module)
    return Manifest(path.name, parts, own.reads, dict(versions or {}))


# -- the experiment module ---------------------------------------------------------------
# Parsed and hashed once per process and source text: planning asks for four manifests of
# every experiment (explore, run, summary, figures), most of a no-op rerun's time otherwise.
# Keyed by the text, so an edited module is parsed again; the trees are never changed.
@lru_cache(maxsize=None)
def _top_level(source: str, path: Path) -> tuple[dict[str, list[ast.stmt]], dict[str, list[str]]]:
    """Statements defining or changing each top-level name, and what imported names refer to.

    A top-level statement that binds no single name (a loop, a bare call) is kept under
    ``*`` and belongs to every manifest: it may change anything.
    """
    tree = ast.parse(source, filename=str(path))
    _strip_docstrings(tree)
    defs: dict[str, list[ast.stmt]] = {}
    imports: dict[str, list[str]] = {}  # a list: `import nnclaims.a` and `import nnclaims.b` both bind nnclaims
    for stmt in tree.body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for alias, target in _import_targets(stmt, None, with_alias=True):
                imports.setdefault(alias, []).append(target)
            continue
        names = _bound(stmt)
        for name in names or ["*"]:
            defs.setdefault(name, []).append(stmt)
    return defs, imports


@lru_cache(maxsize=None)
def _name_hash(source: str, path: Path, name: str) -> str:
    return _hash_statements(_top_level(source, path)[0][name])


def _bound(stmt: ast.stmt) -> list[str]:
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [stmt.name]
    targets: list[ast.expr] = []
    if isinstance(stmt, ast.Assign):
        targets = list(stmt.targets)
    elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
        targets = [stmt.target]
    names = []
    for t in targets:
        while isinstance(t, (ast.Subscript, ast.Attribute)):  # X[k] = ..., X.a = ...: changes X
            t = t.value
        if isinstance(t, ast.Name):
            names.append(t.id)
        elif isinstance(t, (ast.Tuple, ast.List)):
            names += [e.id for e in t.elts if isinstance(e, ast.Name)]
    return names


def _walk(node: ast.AST) -> Iterable[ast.AST]:
    """`ast.walk` without type annotations: hints do not change what code computes."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        for name, value in ast.iter_fields(n):
            if name in _ANNOTATIONS:
                continue
            if isinstance(value, ast.AST):
                stack.append(value)
            elif isinstance(value, list):
                stack.extend(v for v in value if isinstance(v, ast.AST))


def _hash_statements(stmts: list[ast.stmt]) -> str:
    blob = "\n".join(_dump(s) for s in stmts)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _dump(node: ast.AST) -> str:
    """The statement without its annotations (they change no result), dumped. The
    annotations are set aside in place and put back, rather than the tree deep-copied:
    a copy per statement was most of a no-op rerun's planning time."""
    saved = []
    for n in ast.walk(node):
        if isinstance(n, ast.arg):
            saved.append((n, "annotation", n.annotation))
            n.annotation = None
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
            saved.append((n, "returns", n.returns))
            n.returns = None
        elif isinstance(n, ast.AnnAssign):
            saved.append((n, "annotation", n.annotation))
            n.annotation = _NO_ANNOTATION
    try:
        return ast.dump(node, annotate_fields=False, include_attributes=False)
    finally:
        for n, attr, value in saved:
            setattr(n, attr, value)


_NO_ANNOTATION = ast.Constant(None)


def _strip_docstrings(tree: ast.AST) -> None:
    for n in ast.walk(tree):
        if isinstance(n, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and n.body:
            first = n.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                n.body = n.body[1:] or [ast.Pass()]


# -- library modules ---------------------------------------------------------------------
def _import_targets(node: ast.Import | ast.ImportFrom, package: str | None,
                    with_alias: bool = False) -> list:
    """``module`` or ``module:name`` for each name an import binds (relative imports
    resolved against ``package``)."""
    out = []
    if isinstance(node, ast.Import):
        # `import nnclaims.numeric.data` binds nnclaims, but the code it serves uses the module
        for a in node.names:
            out.append((a.asname or a.name.split(".")[0], a.name) if with_alias else a.name)
        return out
    module = node.module or ""
    if node.level:
        if package is None:
            return []
        base = package.split(".")
        base = base[: len(base) - node.level + 1]
        module = ".".join([*base, module] if module else base)
    for a in node.names:
        target = f"{module}:{a.name}"
        out.append((a.asname or a.name, target) if with_alias else target)
    return out


def _library_module(target: str) -> str | None:
    """The library module a ``module`` or ``module:name`` import refers to, or None. A name
    that a package re-exports (``from nnclaims.evidence import best_rate``) is followed to
    the module that defines it, so that the vocabulary can come from one place without
    making a run depend on the whole package."""
    module, _, name = target.partition(":")
    if module != "nnclaims" and not module.startswith("nnclaims."):
        return None
    if name and _module_file(f"{module}.{name}") is not None:
        return f"{module}.{name}"
    path = _module_file(module)
    if path is None:
        return None
    if name and path.name == "__init__.py":
        source = _reexports(module, path, path.stat().st_mtime_ns).get(name)
        if source:
            return _library_module(source)
    return module


@lru_cache(maxsize=None)
def _reexports(package: str, path: Path, mtime_ns: int) -> dict[str, str]:
    """``name -> module:name`` for the names a package's __init__ imports from its modules."""
    out = {}
    for node in ast.parse(path.read_text(), filename=str(path)).body:
        if isinstance(node, ast.ImportFrom):
            for alias, target in _import_targets(node, package, with_alias=True):
                out[alias] = target
    return out


def _module_file(module: str) -> Path | None:
    if module == "nnclaims":
        return LIBRARY_ROOT / "__init__.py"
    parts = [p for p in module.split(".")[1:] if p]
    if not parts:
        return None
    rel = Path(*parts)
    for candidate in (LIBRARY_ROOT / rel.with_suffix(".py"), LIBRARY_ROOT / rel / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _closure(modules: frozenset[str]) -> frozenset[str]:
    found, todo = set(), list(modules)
    while todo:
        module = todo.pop()
        if module in found:
            continue
        found.add(module)
        todo.extend(_imports_of(module))
    return frozenset(found)


def _imports_of(module: str) -> list[str]:
    path = _module_file(module)
    return [m for m in map(_library_module, _parsed(module, path, path.stat().st_mtime_ns)[1]) if m]


def _module_hash(module: str) -> str:
    path = _module_file(module)
    return _parsed(module, path, path.stat().st_mtime_ns)[0]


@lru_cache(maxsize=None)
def _parsed(module: str, path: Path, mtime_ns: int) -> tuple[str, tuple[str, ...]]:
    """A library module's hash (its syntax tree without docstrings) and the imports it
    makes (``module`` or ``module:name``, relative ones resolved), from the cache beside
    its bytecode when that holds them for these exact bytes."""
    source = path.read_bytes()
    key = {"source": hashlib.sha256(source).hexdigest(), "by": _THIS_CODE, "python": sys.version}
    cache = path.parent / "__pycache__" / f"{path.stem}.nnclaims-fingerprint.json"
    try:
        entry = json.loads(cache.read_text())
        if entry["key"] == key:
            return entry["hash"], tuple(entry["imports"])
    except (OSError, ValueError, KeyError, TypeError):
        pass  # none yet, another version's, or damaged: computed again below
    tree = ast.parse(source, filename=str(path))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    imports = tuple(t for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
                    for t in _import_targets(node, package))
    _strip_docstrings(tree)
    digest = hashlib.sha256(_dump(tree).encode()).hexdigest()[:16]
    _write_quietly(cache, json.dumps({"key": key, "hash": digest, "imports": list(imports)}))
    return digest, imports


# Parsing and dumping a module takes about 3 ms; a pipeline job fingerprints 30-60 of them
# and the quick profile starts 49 jobs, so each module's result is kept beside its
# bytecode, where Python keeps that: valid for the same bytes of the module, of this file
# (which defines the hash) and the same Python (whose syntax trees it dumps). Written even
# under PYTHONDONTWRITEBYTECODE, which is about bytecode (and set on the project's machines).
_THIS_CODE = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def _write_quietly(path: Path, text: str) -> None:
    """Write atomically, or not at all where the library's folder is read-only: the cache
    only saves time, and two jobs writing it at once each leave a whole file."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(exist_ok=True)
        tmp.write_text(text)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
