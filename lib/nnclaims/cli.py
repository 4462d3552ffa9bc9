"""The ``nnclaims`` command: the pipeline's stages, callable by the workflow or by hand.

    nnclaims list                         experiments and their claims
    nnclaims run xor --profile quick      one experiment (or one shard of it)
    nnclaims decide tanh_vs_sigmoid       what its exploration decided: tuned values, seeds by power
    nnclaims summarize xor --profile quick   merge its shards, run checks, write verdicts
    nnclaims plot xor                     draw its figures
    nnclaims report --reports mine        collect all verdicts, write an HTML report into mine/
    nnclaims findings --write README.md   the README's findings table, from the last run
    nnclaims new my_claim                 write a working skeleton experiment
    nnclaims show CLAIM / verdicts        results in the terminal
    nnclaims compare [A] [B]              what changed between two runs
    nnclaims clean --stale [--dry-run]    remove shards and logs no current result needs

Settings come from the same schema as the workflow's (config/schema.yaml), with the same
defaults and the same messages; by hand, give them as flags. The workflow passes all of
them at once (--config-json). Errors a user can fix (a bad setting, an unknown name, a
missing or corrupt file, a broken experiment module) print one line and exit with status
2; anything else is a bug and shows its traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .evidence.errors import UserError

# Flags that set a config key of the schema (the key's name with - for _).
CONFIG_FLAGS = ("profile", "device", "engine", "threads", "seed_block", "mnist_path")
# Commands that read experiment modules: a missing or empty --experiments-dir is an error.
NEEDS_EXPERIMENTS = ("list", "run", "summarize", "decide", "plot", "report")
WORKFLOW_REPORTS = "reports"  # the workflow's report folder, relative to its working directory


def _settings(args: argparse.Namespace, name: str | None = None):
    from .evidence.experiment import available
    from .evidence.settings import ConfigError, settings_from

    try:
        config = json.loads(args.config_json) if args.config_json else {}
    except json.JSONDecodeError as err:
        raise ConfigError(f"--config-json is not valid JSON: {err.msg}") from None
    if not isinstance(config, dict):
        raise ConfigError(f"--config-json must be one JSON object of settings, like {{\"profile\": \"quick\"}}, "
                          f"not a {type(config).__name__}")
    for key in CONFIG_FLAGS:
        value = getattr(args, key, None)
        if value is not None:
            config[key] = value
    for key in ("seeds", "shards"):
        value = getattr(args, key, None)
        if value is not None and name is not None:
            config.setdefault("overrides", {}).setdefault(name, {})[key] = value
    return settings_from(config, experiments=available(args.experiments_dir))


def _experiment(args: argparse.Namespace):
    from .evidence.experiment import discover

    return discover(args.experiments_dir, [args.name])[args.name]


def _plan(args: argparse.Namespace):
    from .plan import plan

    exp = _experiment(args)
    return plan(_settings(args, exp.name), {exp.name: exp})[exp.name]


def cmd_list(args: argparse.Namespace) -> None:
    from .everyday import resources_note
    from .evidence.experiment import available, discover

    for name in available(args.experiments_dir):
        exp = discover(args.experiments_dir, [name])[name]
        print(name)
        if note := resources_note(exp, args.experiments_dir):  # a new experiment: default cluster resources
            print(f"  note: {note}")
        for claim in exp.claims:
            print(f"  {claim.id:32s} {claim.title}")


def _explored(p, args: argparse.Namespace, shard: int | None = None):
    """Today's exploration of ``p``'s experiment, from its shards (None if it explores not):
    the whole of it, or what confirmatory run shard ``shard`` reads of it."""
    from .stages import explore, explore_part

    if p.explore is None:
        return None
    files = getattr(args, "explore_files", None)
    if files is None:
        files = p.explore_files(args.results, shard)
    elif shard is not None and p.experiment.explores_in_parts:  # of the files given, those this shard reads
        wanted = {Path(f).name for f in p.explore_files(args.results, shard)}
        files = [f for f in files if Path(f).name in wanted]
    missing = [f for f in files if not Path(f).is_file()]
    if missing:
        raise UserError(f"{p.name}: no exploration shard {missing[0]} for today's code and settings; run it first "
                        f"(nnclaims run {p.name} with the same flags)")
    if shard is None:
        return explore(p.experiment, files, expect=p.explore.settings, key=p.explore.key)
    return explore_part(p.experiment, files, shard, p.n_shards, p.explore.n_shards, expect=p.explore.settings,
                        key=p.explore.key)


def cmd_run(args: argparse.Namespace) -> None:
    """One shard (``--shard``), or the whole experiment: by hand, an experiment that explores
    first gets its exploration before its confirmatory run."""
    from .nn.allocator import keep_freed_memory
    from .stages import run_shard

    p = _plan(args)  # imports the experiment, not torch
    if p.experiment.keeps_freed_memory:
        keep_freed_memory()  # before torch allocates: freed arrays stay in the process (issue 22)
    phases = [args.phase] if args.phase else (["explore", "confirm"] if p.explore else ["confirm"])
    for phase in phases:
        stage = p.explore if phase == "explore" else p.confirm
        if stage is None:
            raise UserError(f"{p.name} has no exploration: it defines no explore()")
        if args.shard is not None and not 0 <= args.shard < stage.n_shards:
            raise UserError(f"--shard {args.shard}: shards are numbered 0 to {stage.n_shards - 1} "
                            f"(--shards {stage.n_shards})")
        todo = [args.shard] if args.shard is not None else range(stage.n_shards)
        whole = _explored(p, args) if phase == "confirm" and not p.experiment.explores_in_parts else None
        for shard in todo:
            explored = whole if whole is not None or phase != "confirm" else _explored(p, args, shard)
            files = p.explore_files(args.results) if phase == "explore" else stage.shard_files(args.results)
            out = (args.explore_out if phase == "explore" else args.out) or files[shard]
            payload = run_shard(p.experiment, stage.settings, shard=shard, n_shards=stage.n_shards,
                                key=args.key if args.key and (args.phase or "confirm") == phase else stage.key,
                                out=out, phase=phase, explored=explored)
            rows = sum(len(t) for t in payload["tables"].values())
            print(f"{p.name} {phase} shard {shard}/{stage.n_shards}: {rows} records in "
                  f"{payload['provenance']['wall_s']:.2f} s -> {out}")


def cmd_decide(args: argparse.Namespace) -> None:
    p = _plan(args)
    explored = _explored(p, args)
    if explored is None:
        raise UserError(f"{p.name} has no exploration: it defines no explore()")
    for note in explored.decisions["notes"]:
        print(f"{p.name}: {note}")
    print(f"{p.name}: seeds: {explored.decisions['seeds']['explanation']}")


def cmd_summarize(args: argparse.Namespace) -> None:
    from .stages import summarize

    p = _plan(args)
    files = args.shard_files or p.shard_files(args.results)
    missing = [f for f in files if not Path(f).is_file()]
    if missing:
        raise UserError(f"{p.name}: no shard {missing[0]} for today's code and settings; run it first "
                        f"(nnclaims run {p.name} with the same flags)")
    outdir = Path(args.outdir or Path(args.results) / p.name)
    for row in summarize(p.experiment, files, outdir, expect=p.settings, key=p.key, explored=_explored(p, args)):
        print(f"{row['claim']:32s} {row['verdict']:18s} ({row['checks_passed']}/{row['checks_total']} checks pass)")
    if args.figures is not None:  # the workflow's one job per experiment: a process started once
        from .stages import plot

        print(f"{p.name}: {len(plot(p.experiment, outdir, args.figures))} figures")


def cmd_plot(args: argparse.Namespace) -> None:
    from .stages import plot

    exp = _experiment(args)
    figures = plot(exp, Path(args.results) / exp.name, args.outdir)
    print(f"{exp.name}: {len(figures)} figures")


def cmd_report(args: argparse.Namespace) -> None:
    """A report by hand goes where ``--reports`` says, with its tables beside it: the
    workflow's own report (reports/ and results/*.csv) is written by its report rule only,
    which passes --workflow; otherwise Snakemake would take a hand-made one as up to date."""
    from .evidence.experiment import available, discover
    from .plan import plan
    from .report.html import build_report

    if args.reports is None:
        raise UserError("report: say where to write it with --reports DIR (reports/ is the workflow's own, "
                        "made by snakemake)")
    tables = Path(args.tables or args.reports)
    ours = {Path(WORKFLOW_REPORTS).resolve(), Path(args.results).parent.resolve() / WORKFLOW_REPORTS}
    if not args.workflow and (Path(args.reports).resolve() in ours or tables.resolve() == Path(args.results).resolve()):
        raise UserError(f"report: --reports {args.reports} or --tables {tables} is the workflow's own report, which only "
                        f"snakemake writes (a report written by hand would look up to date to it); give another folder")
    if args.only == []:
        raise UserError("report: --only names no experiment; give one or more names, or leave --only out for all")
    settings = _settings(args)
    names = args.only if args.only is not None else (list(settings.experiments) or available(args.experiments_dir))
    experiments = discover(args.experiments_dir, names)
    index = build_report(plan(settings, experiments), args.results, args.reports, extra=args.extra or [],
                         partial=args.partial, logs=args.logs, tables_dir=tables)
    print(f"report: {index.resolve()}")


def cmd_findings(args: argparse.Namespace) -> None:
    from .report.findings import findings_table, write_findings

    if args.write:
        if not args.write.is_file():
            raise UserError(f"findings --write {args.write}: no such file; give the file that holds the findings "
                            f"block (README.md)")
        if not args.not_preregistered:
            from .report.findings import check_preregistered

            check_preregistered(args.results, args.experiments_dir)
        write_findings(args.write, args.results)
        print(f"findings of {args.results} written into {args.write}")
    else:
        print(findings_table(args.results))


def cmd_new(args: argparse.Namespace) -> None:
    from .scaffold import write_skeleton

    path = write_skeleton(args.name, args.experiments_dir, force=args.force)
    print(f"wrote {path}; run it with: nnclaims run {args.name} --profile quick")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative")
    return value


def _settings_flags(p: argparse.ArgumentParser, per_experiment: bool) -> None:
    g = p.add_argument_group("settings (defaults and allowed values: config/schema.yaml)")
    g.add_argument("--profile")
    g.add_argument("--device")
    g.add_argument("--engine")
    g.add_argument("--threads", type=_positive)
    g.add_argument("--seed-block", dest="seed_block")
    g.add_argument("--mnist-path", dest="mnist_path")
    g.add_argument("--config-json", help="every setting as one JSON object (what the workflow passes)")
    if per_experiment:
        g.add_argument("--seeds", type=_positive, help="number of seeds (default: the experiment's)")
        g.add_argument("--shards", type=_positive, help="jobs the grid is split into (default: the experiment's)")


def _report_parser(sub) -> None:
    rep = sub.add_parser("report", help="collect verdicts and write the HTML report")
    _settings_flags(rep, per_experiment=False)
    rep.add_argument("--reports", default=None, help="report folder (required; reports/ is the workflow's own)")
    rep.add_argument("--tables", default=None,
                     help="folder for verdicts.csv, checks.csv, measurements.csv (default: the report folder)")
    rep.add_argument("--workflow", action="store_true",
                     help="write the workflow's own report (reports/, results/*.csv): what its report rule passes")
    rep.add_argument("--only", nargs="*", default=None, help="experiments to include (default: the selected ones)")
    rep.add_argument("--extra", nargs="*", default=None, help="results folders written by rules of your own")
    rep.add_argument("--partial", action="store_true",
                     help="show experiments without current results as 'did not run' instead of stopping")
    rep.add_argument("--logs", default="logs", help="logs folder, linked for experiments that did not run")
    rep.set_defaults(fn=cmd_report)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="nnclaims", description=__doc__.split("\n\n")[0])
    p.add_argument("--experiments-dir", default="experiments", help="folder of experiment modules")
    p.add_argument("--results", default="results", help="results folder")
    sub = p.add_subparsers(dest="command", required=True)

    sub.add_parser("list", help="list experiments and their claims").set_defaults(fn=cmd_list)

    r = sub.add_parser("run", help="run one experiment, or one shard of its grid")
    r.add_argument("name")
    _settings_flags(r, per_experiment=True)
    r.add_argument("--shard", type=_positive, default=None, help="run only this shard (0-based); default: all")
    r.add_argument("--phase", choices=("explore", "confirm"), default=None,
                   help="only the exploration or only the confirmatory run (default: both, as needed)")
    r.add_argument("--key", default=None, help="the run key the workflow planned (the job stops if it changed)")
    r.add_argument("--explore-files", nargs="*", type=Path, default=None, help="the exploration's shards (default: today's)")
    r.add_argument("--out", type=Path, default=None, help="output file (default: results/NAME/runs/KEY/)")
    r.add_argument("--explore-out", type=Path, default=None, help="the exploration's output file (default: today's)")
    r.set_defaults(fn=cmd_run)

    s = sub.add_parser("summarize", help="merge shards, run the checks, write verdicts")
    s.add_argument("name")
    _settings_flags(s, per_experiment=True)
    s.add_argument("--shard-files", nargs="*", type=Path, default=None)
    s.add_argument("--explore-files", nargs="*", type=Path, default=None, help="the exploration's shards (default: today's)")
    s.add_argument("--outdir", type=Path, default=None)
    s.add_argument("--figures", type=Path, default=None, help="then draw the figures into this folder, as plot does")
    s.set_defaults(fn=cmd_summarize)

    d = sub.add_parser("decide", help="what an exploration decides (tuned values, seeds by power), from its shards")
    d.add_argument("name")
    _settings_flags(d, per_experiment=True)
    d.add_argument("--explore-files", nargs="*", type=Path, default=None)
    d.set_defaults(fn=cmd_decide)

    f = sub.add_parser("plot", help="draw an experiment's figures")
    f.add_argument("name")
    f.add_argument("--outdir", type=Path, default=None)
    f.set_defaults(fn=cmd_plot)

    _report_parser(sub)

    fi = sub.add_parser("findings", help="the README's findings table, from a run's results")
    fi.add_argument("--write", type=Path, default=None, help="replace the findings block of this file (README.md)")
    fi.add_argument("--not-preregistered", action="store_true",
                    help="write even results with overrides, other profiles or seeds, or uncommitted changes")
    fi.set_defaults(fn=cmd_findings)

    n = sub.add_parser("new", help="write a working skeleton experiment")
    n.add_argument("name")
    n.add_argument("--force", action="store_true", help="overwrite an existing file")
    n.set_defaults(fn=cmd_new)

    from .everyday import register  # show, verdicts, compare, clean: the everyday loop

    register(sub, _settings_flags)
    return p


def _check_experiments_dir(args: argparse.Namespace) -> None:
    """A mistyped --experiments-dir must not read as "no experiments": that would empty
    every table the command writes."""
    from .evidence.experiment import available

    folder = Path(args.experiments_dir)
    if not folder.is_dir():
        raise UserError(f"--experiments-dir {folder}: no such folder; give the folder of experiment modules "
                        f"(experiments/)")
    if not available(folder):
        raise UserError(f"--experiments-dir {folder} holds no experiment modules (*.py); give the folder of "
                        f"experiment modules (experiments/)")


def main(argv: list[str] | None = None) -> int:
    from .nn.registry import UnknownNameError

    args = parser().parse_args(argv)
    try:
        if args.command in NEEDS_EXPERIMENTS:
            _check_experiments_dir(args)
        args.fn(args)
    except (UserError, UnknownNameError) as err:
        print(f"nnclaims: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
