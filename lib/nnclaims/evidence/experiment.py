"""The experiment contract: what a module in ``experiments/`` declares, and finding them.

An experiment module ``experiments/<name>.py`` provides

- ``CLAIMS``: a list of `Claim` (stable id, title, statement in our words, section);
- ``SEEDS``: seeds per profile, e.g. ``{"quick": 3, "full": 20}``;
- ``grid(profile) -> list[dict]``: the parameter grid, one dict per point;
- ``run(point, seeds, device) -> records``: one grid point for all seeds, returning
  tidy records (a list of flat dicts), or a dict of such lists keyed by table name;
- ``checks(tables) -> list[Check]``: the pre-registered checks, from the tables
  (``tables["records"]`` and any others ``run`` returned, as DataFrames);
- ``figures(tables, outdir) -> list[Figure]``: figures written under ``outdir``;

and optionally ``measurements(tables) -> list[Measurement]`` (numbers reported beside
the checks that do not decide the verdict), ``SHARDS`` (jobs per profile that split the
grid) and ``RESOURCES`` (``mem_mb``, ``runtime`` in minutes, for cluster schedulers).

This module imports neither torch nor the experiments' heavy dependencies, so that the
workflow can discover experiments quickly.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

PROFILES = ("quick", "full")
SECTIONS = {
    "A": "A. The single neuron",
    "B": "B. Activations and gradients",
    "C": "C. Initialization",
    "D": "D. Depth and width",
    "E": "E. The MNIST network",
    "F": "F. Regularization",
}
CLAIM_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
EXPERIMENT_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
REQUIRED = ("CLAIMS", "SEEDS", "grid", "run", "checks", "figures")
# Names whose edits change what a figure or a check shows but not what was computed:
# editing them must not retrain (see `fingerprint`).
PRESENTATION = re.compile(r"^_?(figures?|plot.*|checks?|check_.*|measurements?|CLAIMS)$")
DEFAULT_RESOURCES = {"mem_mb": 2000, "runtime": 30}


class ExperimentError(ValueError):
    """An experiment module that breaks the contract; the message says how."""


@dataclass(frozen=True)
class Claim:
    id: str
    title: str
    statement: str
    section: str
    reference: str = ""
    core: bool = False

    def __post_init__(self) -> None:
        if not CLAIM_ID.match(self.id):
            raise ExperimentError(f"claim id {self.id!r} must be lower-case words joined by hyphens")

    @property
    def section_title(self) -> str:
        return SECTIONS.get(self.section, self.section)


@dataclass
class Figure:
    """A figure file (relative to the experiment's figure folder) and what it shows.

    caption: what to look at; alt: a text alternative for readers who cannot see it;
    main: the claim's headline figure (shown as its thumbnail).
    """

    file: str
    claim: str
    caption: str
    alt: str
    main: bool = False


@dataclass
class Experiment:
    name: str
    path: Path
    module: ModuleType
    claims: list[Claim] = field(default_factory=list)

    def seeds(self, profile: str, base: int = 0, override: int | None = None) -> list[int]:
        n = override if override is not None else self.module.SEEDS[profile]
        return [base + k for k in range(n)]

    def shards(self, profile: str, override: int | None = None) -> int:
        wanted = override if override is not None else getattr(self.module, "SHARDS", {}).get(profile, 1)
        return max(1, min(int(wanted), len(self.grid(profile))))

    def grid(self, profile: str) -> list[dict]:
        return list(self.module.grid(profile))

    def resources(self, profile: str) -> dict[str, int]:
        """``RESOURCES`` may be one dict for all profiles or one per profile."""
        declared = getattr(self.module, "RESOURCES", {})
        if set(declared) <= set(PROFILES):
            declared = declared.get(profile, {})
        return {**DEFAULT_RESOURCES, **declared}

    @property
    def run(self) -> Callable[..., Any]:
        return self.module.run

    @property
    def checks(self) -> Callable[..., Any]:
        return self.module.checks

    @property
    def figures(self) -> Callable[..., Any]:
        return self.module.figures


def load(path: str | Path) -> Experiment:
    """Import one experiment module by path and check that it keeps the contract."""
    path = Path(path).resolve()
    name = path.stem
    if not EXPERIMENT_NAME.match(name):
        raise ExperimentError(f"{path}: experiment file names are lower-case identifiers, like my_claim.py")
    module_name = f"nnclaims_experiments.{name}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses and pickling look modules up here
    try:
        spec.loader.exec_module(module)
    except Exception as err:
        del sys.modules[module_name]
        raise ExperimentError(f"{path}: importing the experiment failed: {err!r}") from err
    missing = [attr for attr in REQUIRED if not hasattr(module, attr)]
    if missing:
        raise ExperimentError(f"{path}: an experiment must define {', '.join(missing)} "
                              f"(see README, 'Adding an experiment')")
    for profile in PROFILES:
        if profile not in module.SEEDS:
            raise ExperimentError(f"{path}: SEEDS has no entry for profile {profile!r}")
    claims = list(module.CLAIMS)
    if not claims or not all(isinstance(c, Claim) for c in claims):
        raise ExperimentError(f"{path}: CLAIMS must be a non-empty list of nnclaims.experiment.Claim")
    return Experiment(name, path, module, claims)


def discover(directory: str | Path, only: list[str] | None = None) -> dict[str, Experiment]:
    """All experiments in ``directory`` (files not starting with ``_``), by name."""
    paths = sorted(p for p in Path(directory).glob("*.py") if not p.name.startswith("_"))
    names = [p.stem for p in paths]
    if only:
        unknown = sorted(set(only) - set(names))
        if unknown:
            raise ExperimentError(f"unknown experiment(s) {', '.join(unknown)}; "
                                  f"available: {', '.join(names)}")
        paths = [p for p in paths if p.stem in only]
    experiments = {p.stem: load(p) for p in paths}
    owner: dict[str, str] = {}
    for exp in experiments.values():
        for claim in exp.claims:
            if claim.id in owner:
                raise ExperimentError(f"claim {claim.id!r} is declared by both {owner[claim.id]} and {exp.name}")
            owner[claim.id] = exp.name
    return experiments


# Library modules that only present results: editing them never invalidates computed ones.
PRESENTATION_MODULES = {"__init__", "__main__", "cli", "plotting", "report", "scaffold", "stats"}


def fingerprint(experiment_path: str | Path, stage: str) -> str:
    """A hash of the code that a pipeline stage's results depend on.

    stage ``run``: the experiment without its presentation code (``figures``, ``plot*``,
    ``checks``, ``check_*``, ``CLAIMS``) plus the library's computing modules, so that
    restyling a figure or rewording a claim never retrains, while a change to the model
    or training code does. Stage ``summarize``: the experiment without ``figures`` and
    ``plot*``, plus the statistics module. Comments and formatting do not count: the
    hash is taken over syntax trees.
    """
    lib = Path(__file__).parents[1]
    if stage == "run":
        drop = PRESENTATION
        library = [p for p in sorted(lib.rglob("*.py")) if p.stem not in PRESENTATION_MODULES and "report" not in p.parts]
    elif stage == "summarize":
        drop = re.compile(r"^_?(figures?|plot.*)$")  # checks and measurements stay
        library = [lib / "evidence" / "stats.py", lib / "evidence" / "results.py"]
    else:
        raise ValueError(f"unknown stage {stage!r}; valid stages are: run, summarize")
    digest = hashlib.sha256()
    tree = ast.parse(Path(experiment_path).read_text())
    tree.body = [node for node in tree.body if not drop.match(_defined_name(node) or "")]
    digest.update(ast.dump(tree).encode())
    for path in library:
        digest.update(ast.dump(ast.parse(path.read_text())).encode())
    return digest.hexdigest()[:16]


def _defined_name(node: ast.stmt) -> str | None:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.name
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id
    return None
