"""sigmoid-derivative and activation-shapes: activation functions, their derivatives and extrema.

Expected (stated before running), all checks exact, in float64 on a dense grid over
[-20, 20] that contains 0:
- sigmoid-derivative: autograd and the closed forms sigma(x)(1 - sigma(x)) and
  1 - tanh(x)^2 agree to round-off (max error below 1e-12); the sigmoid's derivative peaks
  at x = 0 with value 1/4, tanh's at x = 0 with value 1.
- activation-shapes: ReLU, Leaky ReLU (slope 0.01), GELU and Swish agree with independent
  NumPy/SciPy formulas (max(0, x), max(0.01x, x), x Phi(x), x sigmoid(x)) and their closed-
  form derivatives with autograd, to 1e-12; GELU and Swish dip below zero, with minima where
  calculus puts them: GELU's at the root of Phi(x) + x phi(x) (x ~ -0.7518, value ~ -0.1700),
  Swish's at x = -1 - W(1/e) with value -W(1/e) (x ~ -1.2785, value ~ -0.2785), W being
  Lambert's function. The grid minimum must lie within one grid step h of the true one, and
  its value within h^2 of the true minimum (Taylor: |f''| < 2 near both minima).
"""

from __future__ import annotations

import numpy as np

from nnclaims.evidence import Claim, Check, Figure, RunContext

CLAIMS = [
    Claim(
        id="sigmoid-derivative",
        title="The sigmoid's slope is σ(x)(1−σ(x)), at most 1/4; tanh's is at most 1",
        statement=("The derivative of the logistic sigmoid is σ(x)(1 − σ(x)); it is largest at x = 0, where "
                   "it equals 1/4. The derivative of tanh, 1 − tanh²(x), is largest at x = 0, where it equals 1."),
        section="A",
    ),
    Claim(
        id="activation-shapes",
        title="ReLU, Leaky ReLU, GELU and Swish have the shapes the chapter gives them",
        statement=("ReLU is max(0, x) and Leaky ReLU max(0.01x, x). GELU is x·Φ(x) and Swish is x·σ(x): both "
                   "are smooth and non-monotonic, dipping below zero for negative inputs before returning to 0."),
        section="B",
    ),
]
SEEDS = {"quick": 1, "full": 1}  # exact: no randomness involved
PEAK = {"sigmoid": (0.0, 0.25), "tanh": (0.0, 1.0)}  # derivative's (where, value), from calculus
SHAPES = ("relu", "leaky_relu", "gelu", "swish")
DIPS = ("gelu", "swish")
STEP = {"quick": 1e-3, "full": 1e-4}  # grid spacing on [-20, 20]
AGREEMENT = 1e-12


def grid(profile: str) -> list[dict]:
    return [{"activation": name, "step": STEP[profile]} for name in (*PEAK, *SHAPES)]


def reference(name: str, x: np.ndarray) -> np.ndarray:
    """The chapter's formulas, written independently of the library, in NumPy and SciPy."""
    from scipy.special import expit, ndtr

    return {"sigmoid": expit, "tanh": np.tanh, "relu": lambda v: np.maximum(0.0, v),
            "leaky_relu": lambda v: np.maximum(0.01 * v, v), "gelu": lambda v: v * ndtr(v),
            "swish": lambda v: v * expit(v)}[name](x)


def true_minimum(name: str) -> tuple[float, float]:
    """Where GELU or Swish is smallest, from calculus (a root of the derivative)."""
    from scipy.optimize import brentq
    from scipy.special import lambertw, ndtr

    if name == "swish":
        w = float(np.real(lambertw(np.exp(-1.0))))
        return -1.0 - w, -w
    where = brentq(lambda v: ndtr(v) + v * np.exp(-v * v / 2) / np.sqrt(2 * np.pi), -3.0, 0.0, xtol=1e-15)
    return where, where * ndtr(where)


def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    seeds, device = ctx.seeds, ctx.device
    import torch

    from nnclaims.nn.activations import get_activation

    name = point["activation"]
    act = get_activation(name)
    n = int(round(20 / point["step"]))
    x = (torch.arange(-n, n + 1, dtype=torch.float64) * point["step"]).requires_grad_(True)
    y = act(x)
    (autograd,) = torch.autograd.grad(y.sum(), x)
    x, y = x.detach(), y.detach()
    closed = act.grad(x)
    i_max, i_min = int(torch.argmax(closed)), int(torch.argmin(y))
    summary = {"points": len(x), "derivative_error": float((autograd - closed).abs().max()),
               "function_error": float(np.abs(y.numpy() - reference(name, x.numpy())).max()),
               "derivative_argmax": float(x[i_max]), "derivative_max": float(closed[i_max]),
               "argmin": float(x[i_min]), "min_value": float(y[i_min])}
    if name in DIPS:
        summary["true_argmin"], summary["true_min"] = true_minimum(name)
    keep = (x.abs() <= 6) & (torch.arange(len(x)) % max(1, len(x) // 4000) == 0)  # enough points to draw
    curve = [{"x": float(a), "f": float(b), "closed_form": float(c), "autograd": float(d)}
             for a, b, c, d in zip(x[keep], y[keep], closed[keep], autograd[keep])]
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
                  value=row["derivative_error"], comparator="<", threshold=AGREEMENT),
            Check("sigmoid-derivative", f"{name}-peak-value", f"{name}: largest derivative on the grid",
                  value=row["derivative_max"], comparator="==", threshold=value, theory=value),
            Check("sigmoid-derivative", f"{name}-peak-location", f"{name}: where the derivative is largest",
                  value=row["derivative_argmax"], comparator="==", threshold=where, theory=where, unit="x"),
        ]
    for name in SHAPES:
        row = rec.loc[name]
        out += [
            Check("activation-shapes", f"{name}-formula", f"{name}: largest |library − independent formula| on the grid",
                  value=row["function_error"], comparator="<", threshold=AGREEMENT),
            Check("activation-shapes", f"{name}-derivative", f"{name}: largest |autograd − closed-form derivative|",
                  value=row["derivative_error"], comparator="<", threshold=AGREEMENT),
        ]
    for name in DIPS:
        row = rec.loc[name]
        step = float(tables["records"]["step"].iloc[0])
        out += [
            Check("activation-shapes", f"{name}-dips-below-zero", f"{name}: smallest value (negative: it dips below zero)",
                  value=row["min_value"], comparator="<", threshold=0.0, theory=row["true_min"]),
            Check("activation-shapes", f"{name}-minimum-location",
                  f"{name}: distance from the grid minimum to the true minimum at x = {row['true_argmin']:.6f}",
                  value=abs(row["argmin"] - row["true_argmin"]), comparator="<=", threshold=step, unit="x"),
            Check("activation-shapes", f"{name}-minimum-depth",
                  f"{name}: |grid minimum − true minimum value {row['true_min']:.6f}| (bound: grid step²)",
                  value=abs(row["min_value"] - row["true_min"]), comparator="<=", threshold=step**2),
        ]
    return out


def figures(tables: dict, outdir) -> list[Figure]:
    from nnclaims.report import plotting as P

    curves, rec = tables["curves"], tables["records"].set_index("activation")
    out = []
    fig, axes = P.plt.subplots(1, 2, figsize=(9, 3.6), sharex=True)
    for ax, (name, (where, value)) in zip(axes, PEAK.items()):
        c = curves[curves["activation"] == name]
        ax.plot(c["x"], c["f"], color=P.color(0), label=f"{name}(x)")
        ax.plot(c["x"], c["closed_form"], color=P.color(1), linestyle="--", label=f"{name}′(x), closed form")
        ax.plot(c["x"][::60], c["autograd"][::60], linestyle="none", marker="o", markersize=3,
                color=P.color(2), label=f"{name}′(x), autograd")
        ax.axhline(value, **P.THEORY)
        ax.annotate(f"max {value:g} at x = {where:g}", (where, value), xytext=(1.5, value * 0.8),
                    arrowprops=dict(arrowstyle="->", color="#444444"), fontsize=9)
        ax.set_xlim(-6, 6)
        ax.set_xlabel("x")
        ax.set_ylabel("value")
        ax.set_title(name)
        ax.legend(loc="upper left", fontsize=8)
    out.append(Figure(P.save(fig, outdir, "derivatives"), "sigmoid-derivative", main=True,
                      caption=("Each function (solid), its closed-form derivative (dashed) and autograd's derivative "
                               "(dots) on top of it. The dashed grey line marks the peak: 1/4 for sigmoid, 1 for "
                               "tanh, both at x = 0."),
                      alt=("Sigmoid and tanh with their derivatives: the sigmoid's derivative is a bump of height "
                           "0.25 at zero, tanh's a bump of height 1 at zero; autograd's points lie on the curves.")))

    fig, axes = P.plt.subplots(2, 4, figsize=(12, 5.6), sharex=True)
    for col, name in enumerate(SHAPES):
        c = curves[curves["activation"] == name]
        top, bottom = axes[0, col], axes[1, col]
        top.plot(c["x"], c["f"], color=P.color(0))
        bottom.plot(c["x"], c["closed_form"], color=P.color(1), linestyle="--", label="closed form")
        bottom.plot(c["x"][::60], c["autograd"][::60], linestyle="none", marker="o", markersize=2.5,
                    color=P.color(2), label="autograd")
        top.set_title(name)
        top.set_xlim(-4, 4)
        top.axhline(0, color="#888888", linewidth=0.8)
        if name in DIPS:
            r = rec.loc[name]
            top.plot([r["true_argmin"]], [r["true_min"]], marker="v", color=P.color(3), markersize=7)
            top.annotate(f"min {r['true_min']:.4f}\nat x = {r['true_argmin']:.4f}", (r["true_argmin"], r["true_min"]),
                         xytext=(0.3, 1.5), fontsize=8, arrowprops=dict(arrowstyle="->", color="#444444"))
        bottom.set_xlabel("x")
    axes[0, 0].set_ylabel("f(x)")
    axes[1, 0].set_ylabel("f′(x)")
    axes[1, 0].legend(fontsize=8)
    fig.tight_layout()
    out.append(Figure(P.save(fig, outdir, "gallery"), "activation-shapes", main=True,
                      caption=("Top: the functions; bottom: their derivatives, closed form (dashed) with autograd's "
                               "values (dots). GELU and Swish dip below zero for negative inputs (triangles mark the "
                               "true minima) and are smooth; ReLU and Leaky ReLU have a kink at 0, where their "
                               "derivative jumps."),
                      alt=("Four activation functions and their derivatives between -4 and 4: ReLU is flat then "
                           "linear; Leaky ReLU has a small negative slope; GELU and Swish dip to about -0.17 and "
                           "-0.28 before rising.")))
    return out
