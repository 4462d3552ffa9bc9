"""beta: a tiny experiment for the fault tests (numbers only, no training).

Expected: the mean of ten draws of N(1, 0.1^2) per seed is above 0.5 (t interval over seeds).
Controls: it passes on means of 1 and fails on means of 0.
"""

from __future__ import annotations

import numpy as np

from nnclaims.evidence import Check, Claim, Control, Figure, RunContext, mean_ci

CLAIMS = [Claim(id="beta-claim", title="Beta is above one half", statement="A test claim.", section="Z. Tests")]
SEEDS = {"quick": 4, "full": 6}
SLOW = "slow-runs"  # a file whose presence makes every run slow, so that a test can interrupt one


def grid(profile: str) -> list[dict]:
    return [{"part": p} for p in ("a", "b")]


def run(point: dict, ctx: RunContext) -> list[dict]:
    import time
    from pathlib import Path

    from nnclaims.numeric.seeding import numpy_rng

    time.sleep(20 if Path(SLOW).exists() else 0)
    return [{"seed": s, "value": float(numpy_rng(s, point["part"]).normal(1.0, 0.1, 10).mean())} for s in ctx.seeds]


def _helper_for_checks(rec):
    return rec.groupby("seed")["value"].mean().to_numpy()


def checks(tables: dict) -> list[Check]:
    return [Check.of("beta-claim", "above-half", "Mean value", mean_ci(_helper_for_checks(tables["records"])), ">", 0.5)]


def controls(tables: dict) -> list[Control]:
    rec = tables["records"]
    return [Control("above-half", "positive", {"records": rec.assign(value=1.0 + 0.01 * rec["seed"] % 3)}, "means of 1"),
            Control("above-half", "negative", {"records": rec.assign(value=0.01 * (rec["seed"] % 3))}, "means of 0")]


def _points_for_figure(rec):
    return rec["value"].to_numpy()


def figures(tables: dict, outdir) -> list[Figure]:
    from nnclaims.report import plotting as P

    fig, ax = P.plt.subplots()
    ax.plot(_points_for_figure(tables["records"]), marker="o")
    return [Figure(P.save(fig, outdir, "beta"), "beta-claim", "Values.", "Dots.", main=True)]
