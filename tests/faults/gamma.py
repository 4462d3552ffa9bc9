"""gamma: a tiny experiment that explores first (a tuned value and seeds by power).

Expected: with the scale chosen on the exploration seeds, the mean is above 0.5.
Controls: passes on means of 1, fails on means of 0.
"""

from __future__ import annotations

from nnclaims.evidence import (
    Check, Claim, Control, Decisions, Figure, RunContext, combine_plans, mean_ci, required_seeds,
)

CLAIMS = [Claim(id="gamma-claim", title="Gamma is above one half", statement="A test claim.", section="Z. Tests")]
SEEDS = {"quick": 4, "full": 6}
SCALES = (0.5, 1.0, 2.0)


def explore(profile: str) -> list[dict]:
    return [{"scale": s} for s in SCALES]


def grid(profile: str) -> list[dict]:
    return [{"part": "main"}]


def run(point: dict, ctx: RunContext) -> list[dict]:
    from nnclaims.numeric.seeding import numpy_rng

    scale = point.get("scale") or ctx.decisions["scale"]
    return [{"seed": s, "scale": scale, "value": float(scale * numpy_rng(s, "g").normal(1.0, 0.2))} for s in ctx.seeds]


def decide(tables: dict, profile: str) -> Decisions:
    rec = tables["records"]
    best = float(rec.groupby("scale")["value"].mean().sub(1.0).abs().idxmin())
    v = rec[rec["scale"] == best]["value"].to_numpy()
    plan = combine_plans({"above-half": required_seeds(v.mean(), 0.5, sd=v.std(ddof=1), n_pilot=len(v))})
    return Decisions({"scale": best}, plan, [f"scale {best:g}: mean closest to 1"])


def checks(tables: dict) -> list[Check]:
    return [Check.of("gamma-claim", "above-half", "Mean value", mean_ci(tables["records"]["value"].to_numpy()), ">", 0.5)]


def controls(tables: dict) -> list[Control]:
    rec = tables["records"]
    return [Control("above-half", "positive", {"records": rec.assign(value=1.0 + 0.01 * (rec["seed"] % 3))}, "ones"),
            Control("above-half", "negative", {"records": rec.assign(value=0.01 * (rec["seed"] % 3))}, "zeros")]


def figures(tables: dict, outdir) -> list[Figure]:
    from nnclaims.report import plotting as P

    fig, ax = P.plt.subplots()
    ax.plot(tables["records"]["value"].to_numpy(), marker="o")
    return [Figure(P.save(fig, outdir, "gamma"), "gamma-claim", "Values.", "Dots.", main=True)]
