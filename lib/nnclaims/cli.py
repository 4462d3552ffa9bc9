"""The ``nnclaims`` command: the pipeline's stages, callable by the workflow or by hand.

    nnclaims list                         experiments and their claims
    nnclaims run xor --profile quick      one experiment (or one shard of it)
    nnclaims summarize xor                merge shards, run checks, write verdicts
    nnclaims plot xor                     draw its figures
    nnclaims report                       collect all verdicts, write the HTML report
    nnclaims new my_claim                 write a working skeleton experiment

Errors a user can fix (an unknown name, a broken experiment module) print one line and
exit with status 2; anything else is a bug and shows its traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .evidence.experiment import PROFILES, ExperimentError, discover, load


def _experiment(args: argparse.Namespace):
    path = Path(args.experiments_dir) / f"{args.name}.py"
    if not path.is_file():
        names = sorted(discover(args.experiments_dir))
        raise ExperimentError(f"no experiment {args.name!r} in {args.experiments_dir}; available: {', '.join(names)}")
    return load(path)


def cmd_list(args: argparse.Namespace) -> None:
    for name, exp in discover(args.experiments_dir).items():
        print(name)
        for claim in exp.claims:
            print(f"  {claim.id:32s} {claim.title}")


def cmd_run(args: argparse.Namespace) -> None:
    from .evidence.results import shard_name
    from .stages import run_shard

    exp = _experiment(args)
    if args.mnist_path:
        import os
        os.environ["NNCLAIMS_MNIST_PATH"] = args.mnist_path
    out = args.out or Path(args.results) / exp.name / "shards" / f"{shard_name(args.shard, args.shards)}.json"
    payload = run_shard(exp, profile=args.profile, shard=args.shard, n_shards=args.shards, seed=args.seed,
                        n_seeds=args.seeds, device=args.device, threads=args.threads, engine=args.engine, out=out)
    rows = sum(len(t) for t in payload["tables"].values())
    print(f"{exp.name} shard {args.shard}/{args.shards}: {rows} records in "
          f"{payload['provenance']['wall_s']:.2f} s -> {out}")


def cmd_summarize(args: argparse.Namespace) -> None:
    from .stages import summarize

    exp = _experiment(args)
    outdir = Path(args.outdir or Path(args.results) / exp.name)
    shards = args.shard_files or sorted((outdir / "shards").glob("*.json"))
    for row in summarize(exp, shards, outdir):
        print(f"{row['claim']:32s} {row['verdict']:15s} ({row['checks_passed']}/{row['checks_total']} checks pass)")


def cmd_plot(args: argparse.Namespace) -> None:
    from .stages import plot

    exp = _experiment(args)
    base = Path(args.results) / exp.name
    figures = plot(exp, args.tables or base / "tables", args.outdir or base / "figures")
    print(f"{exp.name}: {len(figures)} figures")


def cmd_report(args: argparse.Namespace) -> None:
    from .report.html import build_report

    index = build_report(args.results, args.reports, args.experiments_dir, only=args.only or None)
    print(f"report: {index.resolve()}")


def cmd_new(args: argparse.Namespace) -> None:
    from .scaffold import write_skeleton

    path = write_skeleton(args.name, args.experiments_dir, force=args.force)
    print(f"wrote {path}; run it with: nnclaims run {args.name} --profile quick")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="nnclaims", description=__doc__.split("\n\n")[0])
    p.add_argument("--experiments-dir", default="experiments", help="folder of experiment modules")
    p.add_argument("--results", default="results", help="results folder")
    sub = p.add_subparsers(dest="command", required=True)

    sub.add_parser("list", help="list experiments and their claims").set_defaults(fn=cmd_list)

    r = sub.add_parser("run", help="run one experiment, or one shard of its grid")
    r.add_argument("name")
    r.add_argument("--profile", choices=PROFILES, default="full")
    r.add_argument("--shard", type=int, default=0, help="which shard (0-based)")
    r.add_argument("--shards", type=int, default=1, help="how many shards the grid is split into")
    r.add_argument("--seed", type=int, default=0, help="base seed")
    r.add_argument("--seeds", type=int, default=None, help="number of seeds (default: the experiment's)")
    r.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    r.add_argument("--threads", type=int, default=1, help="torch threads")
    r.add_argument("--engine", choices=("batched", "loop"), default="batched")
    r.add_argument("--mnist-path", default="", help="folder with the official MNIST IDX files")
    r.add_argument("--out", type=Path, default=None, help="output file (default: results/NAME/shards/)")
    r.set_defaults(fn=cmd_run)

    s = sub.add_parser("summarize", help="merge shards, run the checks, write verdicts")
    s.add_argument("name")
    s.add_argument("--shard-files", nargs="*", type=Path, default=None)
    s.add_argument("--outdir", type=Path, default=None)
    s.set_defaults(fn=cmd_summarize)

    f = sub.add_parser("plot", help="draw an experiment's figures")
    f.add_argument("name")
    f.add_argument("--tables", type=Path, default=None)
    f.add_argument("--outdir", type=Path, default=None)
    f.set_defaults(fn=cmd_plot)

    rep = sub.add_parser("report", help="collect verdicts and write the HTML report")
    rep.add_argument("--reports", default="reports", help="report folder")
    rep.add_argument("--only", nargs="*", default=None, help="experiments to include (default: all with results)")
    rep.set_defaults(fn=cmd_report)

    n = sub.add_parser("new", help="write a working skeleton experiment")
    n.add_argument("name")
    n.add_argument("--force", action="store_true", help="overwrite an existing file")
    n.set_defaults(fn=cmd_new)
    return p


def main(argv: list[str] | None = None) -> int:
    from .evidence.settings import ConfigError
    from .nn.registry import UnknownNameError

    args = parser().parse_args(argv)
    try:
        args.fn(args)
    except (ExperimentError, ConfigError, UnknownNameError, FileNotFoundError) as err:
        print(f"nnclaims: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
