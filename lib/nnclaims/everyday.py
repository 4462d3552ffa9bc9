"""The commands of the everyday loop (README, "The everyday loop"), registered by `nnclaims.cli`:

    nnclaims show CLAIM              a claim's verdict, checks, controls and figures
    nnclaims verdicts                one line per claim with its verdict
    nnclaims compare [A] [B]         what changed between two recorded runs (default: the last two)
    nnclaims clean --stale [--dry-run]   remove shards and logs of keys no longer current

Each answers in one sentence when there is nothing to show.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from .evidence.experiment import Experiment


def cmd_show(args: argparse.Namespace) -> None:
    from .readout import show_text

    print(show_text(args.claim, args.results, args.experiments_dir, args.reports))


def cmd_verdicts(args: argparse.Namespace) -> None:
    from .readout import verdicts_text

    print(verdicts_text(args.results, args.experiments_dir))


def cmd_compare(args: argparse.Namespace) -> None:
    from . import history

    if args.list:
        for path in history.records(args.results):
            record = history.read(path)
            print(f"{path.stem}  {record['settings'].get('profile', '?'):5s} {str(record.get('commit'))[:12]}"
                  f"{' (uncommitted changes)' if record.get('dirty') else ''}  overrides {json.dumps(record['settings'].get('overrides', {}))}")
        return
    if args.a is None and len(history.records(args.results)) == 1:
        from .evidence.errors import UserError

        raise UserError("only one run is recorded yet: there is nothing to compare it with; change something "
                        "and run the workflow again")
    b_name, b = history.pick(args.b, args.results, default=-1)
    a_name, a = history.pick(args.a, args.results, default=-2 if args.b is None else -1)
    changes = history.compare(a, b)
    if sys.stdout.isatty() and not args.plain:
        history.print_rich(changes, a_name, b_name)
    else:
        print(history.plain_text(changes, a_name, b_name))


def _clean_settings(args: argparse.Namespace):
    """The workflow's settings: its config file, then the flags given (as Snakemake merges them)."""
    from .evidence.experiment import available
    from .evidence.settings import merge_config, read_config_file, settings_from

    config_file = Path(args.experiments_dir).resolve().parent / "config" / "config.yaml"
    config = read_config_file(config_file) if config_file.is_file() else {}
    flags = {key: getattr(args, key) for key in ("profile", "device", "engine", "threads", "seed_block", "mnist_path")
             if getattr(args, key, None) is not None}
    return settings_from(merge_config(config, flags), experiments=available(args.experiments_dir))


def cmd_clean(args: argparse.Namespace) -> None:
    from .evidence.errors import UserError
    from .housekeeping import check_no_run_in_progress, clean, stale_folders

    if not args.stale:
        raise UserError("clean: say what to remove: --stale (shards and logs of run keys that are no longer "
                        "current); `make clean` removes every result")
    root = Path(args.results).parent  # the workflow's working directory: logs/ and benchmarks/ sit beside results/
    check_no_run_in_progress(root)
    stale, skipped = stale_folders(_clean_settings(args), args.experiments_dir, args.results,
                                   (root / "logs", root / "benchmarks"))
    for line in skipped:
        print(f"nnclaims: {line}", file=sys.stderr)
    print(clean(stale, args.dry_run))


def register(sub: argparse._SubParsersAction, settings_flags: Callable[..., None]) -> None:
    """Add the everyday commands to ``nnclaims``'s subcommands."""
    s = sub.add_parser("show", help="a claim's verdict, checks, controls and figures, from results/")
    s.add_argument("claim")
    s.add_argument("--reports", default="reports", help="report folder (for the claim page's path)")
    s.set_defaults(fn=cmd_show)

    sub.add_parser("verdicts", help="one line per claim with its verdict, from results/").set_defaults(fn=cmd_verdicts)

    c = sub.add_parser("compare", help="what changed between two recorded runs (default: the previous and the last)")
    c.add_argument("a", nargs="?", default=None, help="a run: its name (or its start), -2 the one before last, 1 the first")
    c.add_argument("b", nargs="?", default=None, help="another run (default: the last)")
    c.add_argument("--list", action="store_true", help="list the recorded runs")
    c.add_argument("--plain", action="store_true", help="plain text even on a terminal")
    c.set_defaults(fn=cmd_compare)

    k = sub.add_parser("clean", help="remove shards and logs of run keys that are no longer current")
    k.add_argument("--stale", action="store_true", help="shards and logs whose run key today's code and settings "
                                                        "would not make")
    k.add_argument("--dry-run", action="store_true", help="list only; remove nothing")
    settings_flags(k, per_experiment=False)
    k.set_defaults(fn=cmd_clean)


MEASURED = Path("bench") / "full-profile.csv"  # beside experiments/: bench/pipeline.py --profile full --record


def recorded_full_profile(experiments_dir: str | Path) -> dict[str, dict[str, str]]:
    """The full profile's recording beside ``experiments_dir`` (`MEASURED`), one row per
    experiment; {} when this checkout has none."""
    import csv

    try:
        with open(Path(experiments_dir).resolve().parent / MEASURED, newline="") as fh:
            return {row["experiment"]: row for row in csv.DictReader(fh) if row.get("experiment")}
    except (OSError, KeyError):
        return {}


def resources_note(exp: Experiment, experiments_dir: str | Path) -> str:
    """One line for an experiment the full profile's recording does not cover yet (a new
    one): what a cluster job asks for it meanwhile; "" when it is covered, or when this
    checkout has no recording at all."""
    recorded = recorded_full_profile(experiments_dir)
    if not recorded or exp.name in recorded:
        return ""
    res = exp.resources("full")
    declared = "its RESOURCES" if getattr(exp.module, "RESOURCES", None) else "the default resources"
    return (f"not yet measured in {MEASURED} (full profile): a cluster job asks {declared}, {res['mem_mb']} MB "
            f"and {res['runtime']} min; measure it with bench/pipeline.py --profile full --record {MEASURED}")
