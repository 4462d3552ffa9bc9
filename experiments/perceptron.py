"""bias-shifts-boundary and perceptron-convergence: what one step unit can do, and how fast it learns.

Expected (stated before running):
- bias-shifts-boundary: without a bias the boundary w.x = 0 passes through the origin,
  and no step unit computes AND (the LP's best margin is 0); with a bias one does (margin
  > 0); the weights (0.5, 0.5) with bias -0.7 compute AND on all four inputs. Exact.
- perceptron-convergence: Rosenblatt's rule reaches zero errors on AND, OR, NAND and on
  random separable clouds, and its number of updates never exceeds Novikoff's bound
  (R / gamma)^2, with gamma the maximum margin of the augmented inputs (from a QP).
  Exact: counted over every data set and visiting order.
Controls: the bias checks must fail on XOR (no step unit computes it, with or without a
bias; the example weights get 2 of 4) and on AND's with-bias margin put in place of its
bias-free one, and pass on NAND without a bias (impossible too: it must output 1 at the
origin), OR with a bias, and the textbook weights (1, 1, -1.5) for AND; convergence must
fail on XOR, which is not separable (the rule, given 100 epochs, never converges), and
pass on an easy cloud (margin 0.3); the bound is a theorem, kept as a check because a bug
in the margin would break it: it must fail when the margin is overestimated twofold (the
bound then shrinks fourfold), and pass when it is underestimated twofold.
"""

from __future__ import annotations

import math

import numpy as np

from nnclaims.evidence import Check, Claim, Control, RunContext, Sentence, where
from nnclaims.report.figures import From, Theory, drawer, figure, lines, plane, rows_of

CLAIMS = [
    Claim(
        id="bias-shifts-boundary",
        title="A bias lets a perceptron's boundary leave the origin",
        statement=("A perceptron's decision boundary is the hyperplane w·x + b = 0. Without a bias it must pass "
                   "through the origin, which rules out functions such as AND; with a bias, AND is computable, "
                   "for instance by weights (0.5, 0.5) and bias −0.7."),
        section="A",
        # No protocol-3 text: the sentence of catalogue section A, its decisive words as the catalogue gives them.
        sentences=(Sentence("003", "the perceptron's bias",
                            "The boundary is the hyperplane where the weighted sum plus the bias is zero; without "
                            "a bias it passes through the origin.",
                            ("must pass through the origin",), words="catalogue"),),
    ),
    Claim(
        id="perceptron-convergence",
        title="The perceptron rule converges on linearly separable data, within Novikoff's bound",
        statement=("On linearly separable data (AND, OR, NAND, random separable point clouds) the perceptron "
                   "learning rule reaches zero training errors after finitely many updates, at most (R/γ)², "
                   "where R bounds the input norms and γ is the largest achievable margin."),
        section="A",
        reference="Novikoff (1962), On convergence proofs for perceptrons.",
        sentences=(Sentence("003", "the perceptron learning rule",
                            "The perceptron learning rule finds a separating boundary whenever the data are "
                            "linearly separable.", ("converges", "linearly separable"), words="catalogue"),),
    ),
]
SEEDS = {"quick": 5, "full": 50}
EXAMPLE = {"w": (0.5, 0.5), "b": -0.7}
CLOUDS = {  # name: (points, dimension, minimum geometric margin); the last is a control
    "cloud 2-D, margin 0.1": (50, 2, 0.1),
    "cloud 2-D, margin 0.02": (200, 2, 0.02),
    "cloud 10-D, margin 0.05": (200, 10, 0.05),
    "cloud 2-D, margin 0.3": (50, 2, 0.3),
}
LP_TOL = 1e-9


NOT_SEPARABLE = "XOR"  # the controls' data set: no hyperplane separates it
EASY = "cloud 2-D, margin 0.3"  # the convergence check's positive control: surely converges
CONTROL_EPOCHS = 100
TEXTBOOK = {"w": (1.0, 1.0), "b": -1.5}  # AND by construction: the example check's positive control


def grid(profile: str) -> list[dict]:
    points = [{"task": "boundary", "dataset": g} for g in ("AND", "OR", "NAND", NOT_SEPARABLE)]
    points += [{"task": "convergence", "dataset": g} for g in ("AND", "OR", "NAND", *CLOUDS, NOT_SEPARABLE)]
    return points


def _dataset(name: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from nnclaims.numeric.data import gate, separable_cloud

    if name in CLOUDS:
        n, dim, margin = CLOUDS[name]
        return separable_cloud(n, dim, margin, seed)
    return gate(name)


def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    from nnclaims.numeric.separability import predict, step_unit_lp

    name = point["dataset"]
    if point["task"] == "boundary":
        X, y = _dataset(name, 0)
        rows = []
        for bias in (False, True):
            lp = step_unit_lp(X, y, bias=bias)
            rows.append({"bias": bias, "lp_margin": lp.margin, "w1": lp.w[0], "w2": lp.w[1], "b": lp.b})
        example = int((predict(X, np.array(EXAMPLE["w"]), EXAMPLE["b"]) == y).sum())
        textbook = int((predict(X, np.array(TEXTBOOK["w"]), TEXTBOOK["b"]) == y).sum())
        return {"boundary": [{**r, "example_correct": example, "textbook_correct": textbook} for r in rows]}
    return {"records": [_converge(name, seed) for seed in ctx.seeds]}


def _converge(name: str, seed: int) -> dict:
    from nnclaims.numeric.separability import max_margin, novikoff_bound, train_perceptron
    from nnclaims.numeric.seeding import numpy_rng

    # Gates are fixed; clouds are drawn from the seed. The seed also fixes the visiting order.
    X, y = _dataset(name, seed)
    mm = max_margin(X, y, bias=True)
    bound = novikoff_bound(X, mm.margin, bias=True)
    epochs = CONTROL_EPOCHS if name == NOT_SEPARABLE else min(int(math.ceil(bound)) + 2, 100_000)
    order = numpy_rng(seed, "order").permutation(len(X))
    run = train_perceptron(X, y, bias=True, max_epochs=epochs, order=order)
    return {"seed": seed, "n": len(X), "dim": X.shape[1], "gamma": mm.margin,
            "R": float(np.linalg.norm(np.hstack([X, np.ones((len(X), 1))]), axis=1).max()),
            "bound": bound, "bound_margin_doubled": novikoff_bound(X, 2 * mm.margin, bias=True),
            "bound_margin_halved": novikoff_bound(X, mm.margin / 2, bias=True),
            "updates": run.updates, "epochs": run.epochs, "converged": run.converged, "final_errors": run.errors[-1]}


def checks(tables: dict) -> list[Check]:
    b = tables["boundary"]
    and_ = b[b["dataset"] == "AND"].set_index("bias")
    rec = tables["records"][~tables["records"]["dataset"].isin([NOT_SEPARABLE, EASY])]
    ratio = rec["updates"] / rec["bound"]
    return [
        Check("bias-shifts-boundary", "and-without-bias-impossible",
              "AND without a bias: best LP margin of a step unit (0 means no weights compute AND)",
              value=and_.loc[False, "lp_margin"], comparator="<=", threshold=LP_TOL),
        Check("bias-shifts-boundary", "and-with-bias-possible",
              "AND with a bias: best LP margin of a step unit (> 0 means some weights compute AND)",
              value=and_.loc[True, "lp_margin"], comparator=">", threshold=LP_TOL),
        Check("bias-shifts-boundary", "example-weights-compute-and",
              "Inputs on which w = (0.5, 0.5), b = −0.7 outputs AND",
              value=and_["example_correct"].iloc[0], comparator="==", threshold=4, unit="of 4"),
        Check("perceptron-convergence", "all-runs-converge",
              f"Runs that did not reach zero errors (of {len(rec)}: gates and clouds, each over its visiting orders)",
              value=int((~rec["converged"].astype(bool)).sum()), comparator="==", threshold=0, unit="runs",
              n_seeds=rec["seed"].nunique()),
        Check("perceptron-convergence", "updates-within-novikoff",
              "Largest ratio of observed updates to Novikoff's bound (R/γ)², over all runs",
              value=float(ratio.max()), comparator="<=", threshold=1.0, n_seeds=rec["seed"].nunique(),
              theory=1.0, basis="supporting"),  # Novikoff's theorem: ours, beside the sentence
    ]


def plain_reasons(tables: dict) -> dict[str, str]:
    """The reason a student reads first on the index."""
    b = tables["boundary"]
    and_ = b[b["dataset"] == "AND"].set_index("bias")
    rec = tables["records"][~tables["records"]["dataset"].isin([NOT_SEPARABLE, EASY])]
    without, with_ = and_.loc[False, "lp_margin"] > LP_TOL, and_.loc[True, "lp_margin"] > LP_TOL
    converged = int(rec["converged"].astype(bool).sum())
    return {
        "bias-shifts-boundary": (f"{'Some' if without else 'No'} perceptron without a bias computes AND; with a bias "
                                 f"{'one can' if with_ else 'none can either'}, and the weights (0.5, 0.5) with bias "
                                 f"−0.7 get {int(and_['example_correct'].iloc[0])} of AND's 4 inputs right."),
        "perceptron-convergence": (f"On separable data the perceptron rule reached zero errors in {converged} of "
                                   f"{len(rec)} runs, using at most {float((rec['updates'] / rec['bound']).max()):.0%} "
                                   f"of the updates Novikoff's bound allows."),
    }


def controls(tables: dict) -> list[Control]:
    b, rec = tables["boundary"], tables["records"]
    xor_as_and = {"boundary": where(b, dataset=NOT_SEPARABLE).assign(dataset="AND")}
    and_rows = where(b, dataset="AND")
    bias_free_as_biased = {"boundary": and_rows.assign(lp_margin=float(where(and_rows, bias=True)["lp_margin"].iloc[0]))}
    separable = rec[~rec["dataset"].isin([NOT_SEPARABLE, EASY])]
    xor_runs = {"records": where(rec, dataset=NOT_SEPARABLE).assign(dataset="AND")}
    easy_runs = {"records": where(rec, dataset=EASY).assign(dataset="AND")}
    too_small = {"records": separable.assign(bound=separable["bound_margin_doubled"])}
    loose = {"records": separable.assign(bound=separable["bound_margin_halved"])}
    nand_as_and = {"boundary": where(b, dataset="NAND").assign(dataset="AND")}
    or_as_and = {"boundary": where(b, dataset="OR").assign(dataset="AND")}
    textbook = {"boundary": and_rows.assign(example_correct=and_rows["textbook_correct"])}
    return [
        Control("and-without-bias-impossible", "positive", nand_as_and,
                "NAND without a bias: it must output 1 at the origin, which no bias-free step unit does"),
        Control("and-without-bias-impossible", "negative", bias_free_as_biased,
                "AND's margin with a bias put in place of its bias-free one"),
        Control("and-with-bias-possible", "positive", or_as_and, "OR, which a step unit with a bias computes"),
        Control("and-with-bias-possible", "negative", xor_as_and, "XOR, which no step unit computes"),
        Control("example-weights-compute-and", "positive", textbook, "the textbook weights (1, 1) with bias −1.5"),
        Control("example-weights-compute-and", "negative", xor_as_and, "the example weights on XOR"),
        Control("all-runs-converge", "positive", easy_runs, f"an easy cloud ({EASY}), which surely converges"),
        Control("all-runs-converge", "negative", xor_runs, f"XOR, not separable ({CONTROL_EPOCHS} epochs)"),
        Control("updates-within-novikoff", "positive", loose, "the bound computed from a margin underestimated twofold"),
        Control("updates-within-novikoff", "negative", too_small,
                "the bound computed from a margin overestimated twofold (a bug that would break the theorem)"),
    ]


# -- analysis: the tables the figures draw ---------------------------------------------------
def analysis(tables: dict) -> dict:
    """AND's four inputs, and the boundary drawn with and without a bias."""
    import pandas as pd

    from nnclaims.numeric.data import gate

    X, y = gate("AND")
    runs = tables["records"][~tables["records"]["dataset"].isin([NOT_SEPARABLE, EASY])]
    lim = [max(1.0, runs["updates"].min() / 2), runs["bound"].max() * 2]
    b = where(tables["boundary"], dataset="AND")
    free = where(b, bias=False).iloc[0]
    return {"and_points": pd.DataFrame({"x1": X[:, 0], "x2": X[:, 1], "output": y.astype(int)}),
            "and_lines": pd.DataFrame([
                {"bias": False, "w1": free["w1"], "w2": free["w2"], "b": 0.0,
                 "label": f"best bias-free line (LP margin {free['lp_margin']:.2g})"},
                {"bias": True, "w1": EXAMPLE["w"][0], "w2": EXAMPLE["w"][1], "b": EXAMPLE["b"],
                 "label": "w = (0.5, 0.5), b = −0.7"}]),
            "novikoff_diagonal": pd.DataFrame({"bound": lim, "updates": lim})}


AND_CAPTION = (
    "AND's four inputs (filled: output 1). Left: a boundary through the origin (+) cannot put (1, 1) alone on the "
    "positive side; the LP's best margin is zero. Right: the bias shifts the line to x₁ + x₂ = 1.4, which separates "
    "(1, 1).")
AND_ALT = ("Two panels of the unit square's corners. Without a bias the best line passes through the origin and fails "
           "to isolate (1,1); with bias -0.7 the line x1 + x2 = 1.4 does.")
BOUND_CAPTION = (
    "Each point is one run (one data set and visiting order): the number of updates the perceptron needed against "
    "Novikoff's bound for that data. Every point lies below the dashed diagonal; the bound is loose, often by orders "
    "of magnitude.")
BOUND_ALT = "Log-log scatter of observed perceptron updates against Novikoff's bound; all points lie below the diagonal."


FIGURES = [
    figure("and_boundary", "bias-shifts-boundary", main=True, caption=AND_CAPTION, alt=AND_ALT, size=(8.4, 3.8),
           panels=[plane(rows_of("and_points"), "x1", "x2", "output", lines=rows_of("and_lines", bias=bias),
                         mark=(0, 0), xlabel="x₁", ylabel="x₂",
                         title="AND with a bias" if bias else "AND without a bias")
                   for bias in (False, True)]),
    figure("updates_vs_bound", "perceptron-convergence", main=True, caption=BOUND_CAPTION, alt=BOUND_ALT,
           size=(6.4, 4.2), panels=[
        lines(From(lambda T: T["records"][~T["records"]["dataset"].isin([NOT_SEPARABLE, EASY])]), "bound", "updates",
              group="dataset", scatter=True, xlog=True, ylog=True,
              theory=Theory(rows_of("novikoff_diagonal"), "bound", "updates", "updates = bound"),
              xlabel="Novikoff's bound (R/γ)² (updates, log scale)", ylabel="observed updates (log scale)")]),
]
figures = drawer(FIGURES)
