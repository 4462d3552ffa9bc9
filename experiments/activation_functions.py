"""sigmoid-derivative: the closed-form derivatives of sigmoid and tanh, and their maxima.

Expected: autograd and the closed forms sigma(x)(1 - sigma(x)) and 1 - tanh(x)^2 agree
to float64 round-off (max error below 1e-12) on a dense grid over [-20, 20]; the sigmoid's
derivative peaks at x = 0 with value 1/4, tanh's at x = 0 with value 1. All checks exact.
"""

from __future__ import annotations

from nnclaims.experiment import Claim, Figure
from nnclaims.stats import Check

CLAIMS = [
    Claim(
        id="sigmoid-derivative",
        title="The sigmoid's slope is σ(x)(1−σ(x)), at most 1/4; tanh's is at most 1",
        statement=("The derivative of the logistic sigmoid is σ(x)(1 − σ(x)); it is largest at x = 0, where "
                   "it equals 1/4. The derivative of tanh, 1 − tanh²(x), is largest at x = 0, where it equals 1."),
        section="A",
    )
]
SEEDS = {"quick": 1, "full": 1}  # exact: no randomness involved
PEAK = {"sigmoid": (0.0, 0.25), "tanh": (0.0, 1.0)}  # (where, value), from calculus
GRID = {"quick": 1e-3, "full": 1e-4}  # grid spacing on [-20, 20]; 0 is a grid point
AGREEMENT = 1e-12


def grid(profile: str) -> list[dict]:
    return [{"activation": name, "step": GRID[profile]} for name in PEAK]


def run(point: dict, seeds: list[int], device: str) -> dict[str, list[dict]]:
    import torch

    from nnclaims.activations import get_activation

    act = get_activation(point["activation"])
    n = int(round(20 / point["step"]))
    x = (torch.arange(-n, n + 1, dtype=torch.float64) * point["step"]).requires_grad_(True)
    y = act(x)
    (autograd,) = torch.autograd.grad(y.sum(), x)
    x = x.detach()
    closed = act.grad(x)
    i = int(torch.argmax(closed))
    summary = {"points": len(x), "max_abs_error": float((autograd - closed).abs().max()),
               "argmax": float(x[i]), "max_derivative": float(closed[i]),
               "max_autograd": float(autograd.max())}
    keep = slice(None, None, max(1, len(x) // 800))  # a few hundred points suffice to draw
    curve = [{"x": float(a), "f": float(b), "closed_form": float(c), "autograd": float(d)}
             for a, b, c, d in zip(x[keep], y.detach()[keep], closed[keep], autograd[keep])]
    return {"records": [summary], "curves": curve}


def checks(tables: dict) -> list[Check]:
    rec = tables["records"].set_index("activation")
    out = []
    for name, (where, value) in PEAK.items():
        row = rec.loc[name]
        n = int(row["points"])
        out += [
            Check("sigmoid-derivative", f"{name}-autograd-agrees",
                  f"{name}: largest |autograd − closed form| over {n:,} float64 points in [−20, 20]",
                  value=row["max_abs_error"], comparator="<", threshold=AGREEMENT),
            Check("sigmoid-derivative", f"{name}-peak-value", f"{name}: largest derivative on the grid",
                  value=row["max_derivative"], comparator="==", threshold=value, theory=value),
            Check("sigmoid-derivative", f"{name}-peak-location", f"{name}: where the derivative is largest",
                  value=row["argmax"], comparator="==", threshold=where, theory=where, unit="x"),
        ]
    return out


def figures(tables: dict, outdir) -> list[Figure]:
    from nnclaims import plotting as P

    curves = tables["curves"]
    fig, axes = P.plt.subplots(1, 2, figsize=(9, 3.6), sharex=True)
    for ax, (name, (where, value)) in zip(axes, PEAK.items()):
        c = curves[curves["activation"] == name]
        ax.plot(c["x"], c["f"], color=P.color(0), label=f"{name}(x)")
        ax.plot(c["x"], c["closed_form"], color=P.color(1), linestyle="--", label=f"{name}′(x), closed form")
        ax.plot(c["x"][::25], c["autograd"][::25], linestyle="none", marker="o", markersize=3,
                color=P.color(2), label=f"{name}′(x), autograd")
        ax.axhline(value, **P.THEORY)
        ax.annotate(f"max {value:g} at x = {where:g}", (where, value), xytext=(1.5, value * 0.8),
                    arrowprops=dict(arrowstyle="->", color="#444444"), fontsize=9)
        ax.set_xlim(-6, 6)
        ax.set_xlabel("x")
        ax.set_ylabel("value")
        ax.set_title(name)
        ax.legend(loc="upper left", fontsize=8)
    file = P.save(fig, outdir, "derivatives")
    return [Figure(file, "sigmoid-derivative", main=True,
                   caption=("Each function (solid), its closed-form derivative (dashed) and autograd's derivative "
                            "(dots) on top of it. The dashed grey line marks the peak: 1/4 for sigmoid, 1 for tanh, "
                            "both at x = 0."),
                   alt=("Sigmoid and tanh with their derivatives: the sigmoid's derivative is a bump of height "
                        "0.25 at zero, tanh's a bump of height 1 at zero; autograd's points lie on the curves."))]
