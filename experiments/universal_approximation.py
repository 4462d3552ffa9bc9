"""universal-approximation: one hidden layer approximates a continuous function, given enough units.

Targets on [0, 1]: a sine sin(2 pi x), a narrow Gaussian bump exp(-(x - 1/2)^2 / (2 s^2))
with s = 0.05, and a kink |x - 0.3|.

Expected (stated before running):
- construction (exact, float64): piecewise-linear interpolation at n + 1 evenly spaced
  knots is a one-hidden-layer ReLU network with n units (a sum of hat-shaped bumps,
  f(x0) + sum_j c_j relu(x - x_j)); its error is at most h^2 max|f''| / 8 with h = 1/n, so
  error eps needs n = ceil(sqrt(max|f''| / (8 eps))) units. For the sine and the bump and
  eps = 0.1, 0.01, 0.001, the network with the predicted number of units stays within eps
  on a grid of 100,001 points;
- trained one-hidden-layer ReLU networks of width 4 to 1,024 (512 evenly spaced points,
  minibatches of 64, Adam learning rate 0.003, `STEPS` steps, He-normal weights, biases
  N(0, 0.5^2), mean squared error): the maximum error over a grid of 5,001 points is lower
  at width 1,024 than at width 4 for every target (paired by seed, whole interval of the
  log10 ratio below 0). The smallest trained width that reaches each eps is reported
  beside the construction's count.
"""

from __future__ import annotations

import math

import numpy as np

from nnclaims.evidence import Claim, Check, Figure, Measurement, RunContext, bootstrap_ci

CLAIMS = [
    Claim(
        id="universal-approximation",
        title="One hidden layer can approximate any continuous function, given enough units",
        statement=("A network with a single hidden layer can approximate any continuous function on a bounded "
                   "interval as closely as we like, provided it has enough hidden units; but it may need very many."),
        section="D",
        reference="Cybenko (1989); Hornik, Stinchcombe and White (1989); Leshno et al. (1993) for ReLU.",
    )
]
SEEDS = {"quick": 2, "full": 5}
SHARDS = {"full": 2}
S_BUMP = 0.05
TARGETS = {  # name: (function, max |f''| on [0, 1], or None when f'' is unbounded)
    "sine": (lambda x: np.sin(2 * np.pi * x), 4 * np.pi**2),
    "bump": (lambda x: np.exp(-((x - 0.5) ** 2) / (2 * S_BUMP**2)), 1 / S_BUMP**2),
    "kink": (lambda x: np.abs(x - 0.3), None),
}
EPS = (0.1, 0.01, 0.001)
WIDTHS = {"quick": [4, 32, 256], "full": [4, 8, 16, 32, 64, 128, 256, 512, 1024]}
STEPS = {"quick": 300, "full": 3000}
LR, BIAS_STD, N_TRAIN, N_EVAL, BATCH = 0.003, 0.5, 512, 5001, 64


def predicted_units(curvature: float, eps: float) -> int:
    return math.ceil(math.sqrt(curvature / (8 * eps)))


def interpolation_net(f, n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """One hidden layer of n ReLU units whose output interpolates f linearly at x_j = j / n."""
    knots = np.linspace(0, 1, n + 1)
    values = f(knots)
    slopes = np.diff(values) * n
    coef = np.diff(slopes, prepend=0.0)  # slope changes at each knot (first one: the first slope)
    W1, b1 = np.ones((n, 1)), -knots[:-1]
    W2, b2 = coef[None, :], np.array([values[0]])
    return [(W1, b1), (W2, b2)]


def grid(profile: str) -> list[dict]:
    return [{"part": "construction"}] + [{"part": "trained", "width": w, "steps": STEPS[profile]}
                                         for w in WIDTHS[profile]]


def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    seeds, device = ctx.seeds, ctx.device
    from nnclaims.numeric import pieces

    x = np.linspace(0, 1, 100_001)
    if point["part"] == "construction":
        rows = []
        for name, (f, curvature) in TARGETS.items():
            if curvature is None:
                continue
            for eps in EPS:
                n = predicted_units(curvature, eps)
                err = np.abs(pieces.forward(interpolation_net(f, n), x[:, None])[:, 0] - f(x)).max()
                rows.append({"target": name, "eps": eps, "units": n, "max_error": float(err)})
        return {"construction": rows}
    return _trained(point, ctx)


def _trained(point: dict, ctx: RunContext) -> list[dict]:
    seeds, device = ctx.seeds, ctx.device
    import torch

    from nnclaims.nn.models import MLPSpec
    from nnclaims.nn.training import Schedule, train

    names = list(TARGETS)
    x = np.linspace(0, 1, N_TRAIN)
    xe = np.linspace(0, 1, N_EVAL)
    X = torch.tensor(np.tile(x[None, :, None], (len(names) * len(seeds), 1, 1)), dtype=torch.float32)
    Y = torch.tensor(np.concatenate([np.tile(TARGETS[n][0](x)[None, :, None], (len(seeds), 1, 1)) for n in names]),
                     dtype=torch.float32)
    runs = [(n, s) for n in names for s in seeds]
    spec = MLPSpec((1, point["width"], 1), activation="relu", init="he_normal", bias_std=BIAS_STD)
    result = train(spec, X, Y, [s for _, s in runs], Schedule(point["steps"], LR, optimizer="adam", batch_size=BATCH),
                   device=device, engine=ctx.engine)
    with torch.no_grad():
        pred = result.net(torch.tensor(xe, dtype=torch.float32, device=device)[:, None])[..., 0].cpu().numpy()
    return [{"target": n, "seed": s, "max_error": float(np.abs(pred[i] - TARGETS[n][0](xe)).max()),
             "rmse": float(np.sqrt(np.mean((pred[i] - TARGETS[n][0](xe)) ** 2)))}
            for i, (n, s) in enumerate(runs)]


def checks(tables: dict) -> list[Check]:
    con, rec = tables["construction"], tables["records"]
    out = []
    for name, g in con.groupby("target", sort=False):
        out.append(Check("universal-approximation", f"construction-{name}",
                         f"{name}: interpolating network with the predicted number of units "
                         f"({', '.join(str(int(u)) for u in g['units'])} for ε = {', '.join(f'{e:g}' for e in g['eps'])}): "
                         f"largest error / ε", value=float((g["max_error"] / g["eps"]).max()), comparator="<=",
                         threshold=1.0))
    narrow, wide = rec["width"].min(), rec["width"].max()
    for name in TARGETS:
        r = rec[rec["target"] == name].pivot(index="seed", columns="width", values="max_error")
        ratio = np.log10(r[wide] / r[narrow]).to_numpy()
        lo, hi = bootstrap_ci(ratio)
        out.append(Check("universal-approximation", f"trained-{name}",
                         f"{name}: log10(max error at width {wide} / at width {narrow}), trained, paired by seed",
                         value=float(ratio.mean()), ci_low=lo, ci_high=hi, comparator="<", threshold=0.0,
                         n_seeds=len(ratio), unit="orders of magnitude"))
    return out


def measurements(tables: dict) -> list[Measurement]:
    con, rec = tables["construction"], tables["records"]
    out = []
    means = rec.groupby(["target", "width"])["max_error"].mean()
    for _, row in con.iterrows():
        reached = [w for w in sorted(rec["width"].unique()) if means.loc[(row["target"], w)] <= row["eps"]]
        out.append(Measurement("universal-approximation", f"units-{row['target']}-{row['eps']:g}",
                               f"{row['target']}, ε = {row['eps']:g}: smallest trained width whose mean max error is "
                               f"within ε (construction: {int(row['units'])} units)",
                               value=float(reached[0]) if reached else float("nan"), theory=float(row["units"]),
                               unit="units"))
    for name in TARGETS:
        best = rec[rec["target"] == name].groupby("width")["max_error"].mean()
        out.append(Measurement("universal-approximation", f"best-{name}",
                               f"{name}: mean max error of the widest trained network ({int(best.index.max())} units)",
                               value=float(best.iloc[-1])))
    return out


def figures(tables: dict, outdir) -> list[Figure]:
    from nnclaims.report import plotting as P
    from nnclaims.evidence import group_ci

    con, rec = tables["construction"], tables["records"]
    fig, ax = P.plt.subplots(figsize=(7.2, 4.4))
    for i, name in enumerate(TARGETS):
        r = rec[rec["target"] == name].copy()
        r["log"] = np.log10(r["max_error"])
        s = group_ci(r, "width", "log")
        P.band_ci(ax, s, "width", log10=True, i=i, label=f"{name}, trained")
        c = con[con["target"] == name]
        if len(c):
            ax.plot(c["units"], c["eps"], color=P.color(i), linestyle="--", marker=P.marker(i), markerfacecolor="white",
                    label=f"{name}, construction (error bound ε)")
    P.log_ticks(ax, sorted(rec["width"].unique()))
    ax.set_yscale("log")
    ax.set_xlabel("hidden units (log)")
    ax.set_ylabel("maximum error on [0, 1] (log)")
    ax.set_title("One hidden layer: error against width")
    ax.legend(fontsize=7)
    return [Figure(P.save(fig, outdir, "error_vs_width"), "universal-approximation", main=True,
                   caption=("Largest error on [0, 1] of trained one-hidden-layer ReLU networks (solid, mean and 95% band "
                            "over seeds) against their width, and the hand-built interpolating networks (dashed, open "
                            "markers) at the unit counts the error bound h²·max|f″|/8 predicts for ε = 0.1, 0.01, "
                            "0.001. The narrow bump needs far more units than the sine for the same error."),
                   alt="Log-log plot of maximum error falling with hidden width for three targets, with construction points.")]
