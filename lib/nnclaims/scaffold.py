"""``nnclaims new NAME``: write a working skeleton experiment to start from."""

from __future__ import annotations

from pathlib import Path

from .evidence.experiment import EXPERIMENT_NAME, ExperimentError

SKELETON = '''"""{claim_id}: replace with the claim this experiment tests.

Expected (write this before running, and do not change it after): a one-hidden-layer
tanh network fits sin(3x) on [-2, 2] better when it is wider; the widest network's final
mean squared error is below the narrowest one's, over seeds, with the whole 95% interval
of the paired difference below zero (Student t over seeds).
Controls: the check must pass on tables where the wide network's loss is halved, and
fail on tables where the two widths' losses are swapped (the claim false by construction).
"""

from __future__ import annotations

from nnclaims.evidence import Claim, Check, Control, RunContext, by_seed, last_step, paired_ci
from nnclaims.report.figures import band, drawer, figure, rows_of

CLAIMS = [
    Claim(
        id="{claim_id}",
        title="Wider networks fit a curve better (skeleton: edit me)",
        statement="In our own words: what the chapter asserts, and under which conditions.",
        section="Z. My experiments",  # "A".."F" for the chapter's sections, or a title of your own
    )
]
SEEDS = {{"quick": 4, "full": 20}}  # seeds per profile; random quantities need several
WIDTHS = {{"quick": [2, 16], "full": [2, 4, 8, 16, 64]}}
STEPS = 1000


def grid(profile: str) -> list[dict]:
    """One dict per grid point; run() receives each with all seeds."""
    return [{{"width": w}} for w in WIDTHS[profile]]


def run(point: dict, ctx: RunContext) -> list[dict]:
    # Heavy imports inside run: the summarize and plot steps then start in a fraction
    # of a second, since they never import torch.
    import torch

    from nnclaims.nn.models import MLPSpec
    from nnclaims.nn.training import Schedule, train

    x = torch.linspace(-2, 2, 128)[:, None]
    y = torch.sin(3 * x)
    spec = MLPSpec((1, point["width"], 1), activation="tanh", init="xavier_normal")
    result = train(spec, x, y, ctx.seeds, Schedule(steps=STEPS, lr=0.01, optimizer="adam", record_every=100),
                   device=ctx.device, engine=ctx.engine)
    # Tidy records: one row per (seed, recorded step); the grid point's keys are added for you.
    return result.tidy(["loss"])


def analysis(tables: dict) -> dict:
    """The named tables the check and the figure both read, computed once from the run's
    tables: here the final loss, one row per (width, seed). Summarizing writes them beside
    the run's tables; checks() calls analysis() itself, so that a control's tables go
    through the same step."""
    final = last_step(tables["records"], within=["width"])
    return {{"final_loss": final[["width", "seed", "loss"]]}}


def checks(tables: dict) -> list[Check]:
    final = by_seed(analysis(tables)["final_loss"], "loss", by="width")  # one row per seed, one column per width
    narrow, wide = final.columns.min(), final.columns.max()
    return [
        Check.of("{claim_id}", "wider-fits-better", f"Final loss of width {{wide}} minus width {{narrow}} (paired by seed)",
                 paired_ci(final[wide], final[narrow]), comparator="<", threshold=0.0),
    ]


def controls(tables: dict) -> list[Control]:
    """Tables on which the check must pass, and tables on which it must fail."""
    rec = tables["records"]
    wide, narrow = rec["width"].max(), rec["width"].min()
    halved = rec.assign(loss=rec["loss"].where(rec["width"] != wide, rec["loss"] / 2))
    swapped = rec.assign(width=rec["width"].replace({{wide: narrow, narrow: wide}}))
    return [
        Control("wider-fits-better", "positive", {{"records": halved}}, "the wide network's loss halved"),
        Control("wider-fits-better", "negative", {{"records": swapped}}, "the two widths' losses swapped"),
    ]


# Declared, not drawn: a figure kind of nnclaims.report.figures with the analysis table it
# reads (named: rows_of, filled in when it is drawn) and its columns; the kind draws the
# mean over seeds with its 95% interval. figures(tables, outdir) draws the declarations.
FIGURES = [figure("final_loss", "{claim_id}", main=True,
                  caption="Final loss against width: mean over seeds, 95% interval.",
                  alt="The final loss falls as the network gets wider.",
                  panels=[band(rows_of("final_loss"), "width", "loss", xlog=True, ylog=True,
                               xlabel="hidden units (log scale)", ylabel="final mean squared error (log scale)")])]
figures = drawer(FIGURES)
'''


def write_skeleton(name: str, directory: str | Path = "experiments", force: bool = False) -> Path:
    """Write ``directory/name.py``, a complete experiment that runs as it is."""
    if not EXPERIMENT_NAME.match(name):
        raise ExperimentError(f"experiment names are lower-case identifiers (letters, digits, _), got {name!r}")
    path = Path(directory) / f"{name}.py"
    if path.exists() and not force:
        raise ExperimentError(f"{path} exists; pass --force to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(SKELETON.format(claim_id=name.replace("_", "-")))
    return path
