"""depth-vs-width: what depth buys, constructed exactly and measured on trained networks.

Expected (stated before running):
- exact: the ReLU network of depth k and width 2 built from tent maps computes T^k, a
  sawtooth with exactly 2^k affine pieces, for every k tried (1..12), counted exactly from
  the weights and, independently, from slope changes on a grid; a one-hidden-layer ReLU
  network with m units has at most m + 1 pieces, on random networks (m = 1..256) and on
  every trained one-hidden-layer network below;
- trained at equal parameter budgets (about 100 to 5,000 parameters; depth 1, 2, 4 and 8
  hidden layers, the width at each depth chosen to hit the budget), on the sawtooth T^6
  (64 pieces: a one-hidden-layer net needs 63 units, about 190 parameters, while depth 6
  and width 2 needs 37) the deepest network's test error is at most half the
  shallowest's at the 100-parameter budget (paired by seed: the whole interval of the
  log10 difference of normalized test errors below -log10(2)).
Training: 256 evenly spaced points on [0, 1] (four per piece of T^6), minibatches of 64, Adam (learning rate 0.003),
He-normal weights, biases N(0, 0.5^2), mean squared error; test error on 2,000 random
points, normalized by the target's variance. Two more targets are trained and reported
beside it: a smooth one, sin(2 pi x), and an oscillating one that is not a composition
of simple pieces, sin(16 pi x) (eight periods).
Gradient descent need not find the deep construction: where depth helps and where it
does not is reported per target and budget.
"""

from __future__ import annotations

import math

import numpy as np

from nnclaims.evidence import Claim, Check, Figure, Measurement, RunContext, bootstrap_ci

CLAIMS = [
    Claim(
        id="depth-vs-width",
        title="Depth buys exponentially many pieces; whether training finds them is another matter",
        statement=("For a fixed parameter budget depth is more parameter-efficient than width: a deep network can "
                   "represent a function with 2ⁿ variations using O(n) units, where a network with one hidden "
                   "layer needs about 2ⁿ units."),
        section="D",
        reference=("Telgarsky (2015), Representation benefits of deep feedforward networks; Telgarsky (2016), "
                   "Benefits of depth in neural networks."),
        core=True,
    )
]
SEEDS = {"quick": 2, "full": 5}
SHARDS = {"full": 4}
K_MAX = {"quick": 8, "full": 12}
SAWTOOTH_K = 6
TARGETS = {  # name: function of x in [0, 1]
    "sawtooth T⁶": lambda x: _tent(x, SAWTOOTH_K),
    "smooth sin(2πx)": lambda x: np.sin(2 * np.pi * x),
    "oscillating sin(16πx)": lambda x: np.sin(16 * np.pi * x),
}
DEPTHS = {"quick": [1, 4], "full": [1, 2, 4, 8]}
BUDGETS = {"quick": [100, 1000], "full": [100, 300, 1000, 5000]}
STEPS = {"quick": 300, "full": 2000}
LR, BIAS_STD, N_TRAIN, N_TEST, BATCH = 0.003, 0.5, 256, 2000, 64
CHECK_BUDGET = 100
HELPS = -math.log10(2)  # "depth helps" means at least halving the test error
SHALLOW_UNITS = [1, 2, 4, 8, 16, 32, 64, 128, 256]


def _tent(x: np.ndarray, k: int) -> np.ndarray:
    for _ in range(k):
        x = np.where(x < 0.5, 2 * x, 2 - 2 * x)
    return x


def width_for(depth: int, budget: int) -> int:
    """Width at which an MLP 1 -> depth x width -> 1 has about ``budget`` parameters:
    (depth - 1) w^2 + (depth + 2) w + 1 = budget."""
    a, b, c = depth - 1, depth + 2, 1 - budget
    w = -c / b if a == 0 else (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)
    return max(2, round(w))


def grid(profile: str) -> list[dict]:
    points = [{"part": "construction", "k_max": K_MAX[profile]}, {"part": "shallow-bound"}]
    # Depth-major order, so that round-robin shards mix cheap and expensive budgets.
    points += [{"part": "trained", "depth": d, "budget": b, "width": width_for(d, b), "steps": STEPS[profile]}
               for d in DEPTHS[profile] for b in BUDGETS[profile]]
    return points


def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    seeds, device = ctx.seeds, ctx.device
    from nnclaims.numeric import pieces

    if point["part"] == "construction":
        rows = []
        for k in range(1, point["k_max"] + 1):
            layers = pieces.tent_map_layers(k)
            exact, _ = pieces.pieces_exact(layers)
            grid_count = pieces.pieces_on_grid(layers, n=2**k * 16 + 1)
            params = sum(W.size + b.size for W, b in layers)
            rows.append({"k": k, "pieces_exact": exact, "pieces_grid": grid_count, "expected": 2**k,
                         "params": params, "units": 2 * k, "shallow_units_needed": 2**k - 1})
        return {"construction": rows}
    if point["part"] == "shallow-bound":
        from nnclaims.numeric.seeding import numpy_rng

        rng = numpy_rng(seeds[0], "shallow")
        rows = []
        for m in SHALLOW_UNITS:
            counts = [pieces.pieces_exact(pieces.random_layers((1, m, 1), rng), -2, 2)[0] for _ in range(50)]
            rows.append({"units": m, "max_pieces": max(counts), "mean_pieces": float(np.mean(counts)),
                         "bound": m + 1, "source": "random"})
        return {"bound": rows}
    return _trained(point, ctx)


def _trained(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    seeds, device = ctx.seeds, ctx.device
    import torch

    from nnclaims.numeric import pieces
    from nnclaims.nn.models import MLPSpec
    from nnclaims.numeric.seeding import numpy_rng
    from nnclaims.nn.training import Schedule, train

    names = list(TARGETS)
    x = np.linspace(0, 1, N_TRAIN)
    xt = numpy_rng(0, "test-points").uniform(0, 1, N_TEST)
    # One network per (target, seed), trained together: each gets its own data.
    X = torch.tensor(np.tile(x[None, :, None], (len(names) * len(seeds), 1, 1)))
    Y = torch.tensor(np.concatenate([np.tile(TARGETS[n](x)[None, :, None], (len(seeds), 1, 1)) for n in names]))
    runs = [(n, s) for n in names for s in seeds]
    spec = MLPSpec((1,) + (point["width"],) * point["depth"] + (1,), activation="relu", init="he_normal",
                   bias_std=BIAS_STD)
    result = train(spec, X.float(), Y.float(), [s for _, s in runs],
                   Schedule(point["steps"], LR, optimizer="adam", batch_size=BATCH), device=device, engine=ctx.engine)
    with torch.no_grad():
        pred = result.net(torch.tensor(xt, dtype=torch.float32, device=device)[:, None])[..., 0].cpu().numpy()
        curve_x = np.linspace(0, 1, 400)
        curve = result.net(torch.tensor(curve_x, dtype=torch.float32, device=device)[:, None])[..., 0].cpu().numpy()
    rows, fits = [], []
    for i, (name, seed) in enumerate(runs):
        truth = TARGETS[name](xt)
        p = result.net.seed_params(i)
        layers = [(w.numpy(), b.numpy()) for w, b in zip(p["weight"], p["bias"])]
        rows.append({"target": name, "seed": seed, "params": spec.n_params(),
                     "test_nmse": float(np.mean((pred[i] - truth) ** 2) / np.var(truth)),
                     "pieces": pieces.pieces_exact(layers)[0], "diverged": bool(result.diverged[i])})
        if seed == seeds[0]:
            fits += [{"target": name, "x": float(a), "y": float(b)} for a, b in zip(curve_x, curve[i])]
    return {"records": rows, "fits": fits}


def _paired_log_gap(rec, target: str, budget: int) -> np.ndarray:
    """Per seed: log10 test error of the deepest minus the shallowest network."""
    r = rec[(rec["target"] == target) & (rec["budget"] == budget)]
    lo, hi = r["depth"].min(), r["depth"].max()
    piv = r.pivot(index="seed", columns="depth", values="test_nmse")
    return (np.log10(piv[hi]) - np.log10(piv[lo])).to_numpy()


def checks(tables: dict) -> list[Check]:
    con, bound, rec = tables["construction"], tables["bound"], tables["records"]
    wrong = int(((con["pieces_exact"] != con["expected"]) | (con["pieces_grid"] != con["expected"])).sum())
    shallow = rec[rec["depth"] == 1]
    trained_excess = (shallow["pieces"] - (shallow["width"] + 1)).max()
    sawtooth = next(t for t in TARGETS if t.startswith("sawtooth"))
    gap = _paired_log_gap(rec, sawtooth, CHECK_BUDGET)
    lo, hi = bootstrap_ci(gap)
    deepest = int(rec["depth"].max())
    return [
        Check("depth-vs-width", "tent-map-pieces",
              f"Values of k in 1..{int(con['k'].max())} where the depth-k, width-2 network's piece count (exact or on "
              f"the grid) differs from 2^k", value=wrong, comparator="==", threshold=0, unit="values of k"),
        Check("depth-vs-width", "shallow-bound-random",
              f"One hidden layer, random weights: largest (pieces − (m + 1)) over {len(bound) * 50} networks "
              f"with m = {bound['units'].min()}..{bound['units'].max()} units",
              value=int((bound["max_pieces"] - bound["bound"]).max()), comparator="<=", threshold=0),
        Check("depth-vs-width", "shallow-bound-trained",
              f"One hidden layer, trained: largest (pieces − (m + 1)) over all {len(shallow)} trained networks",
              value=int(trained_excess), comparator="<=", threshold=0),
        Check("depth-vs-width", "trained-depth-helps-on-sawtooth",
              f"Sawtooth T⁶ at {CHECK_BUDGET} parameters: log10 test error of depth {deepest} minus depth 1 "
              f"(paired by seed; below −0.30 means at least halved)", value=float(gap.mean()), ci_low=lo, ci_high=hi,
              comparator="<", threshold=HELPS,
              n_seeds=len(gap), unit="orders of magnitude"),
    ]


def measurements(tables: dict) -> list[Measurement]:
    rec, con = tables["records"], tables["construction"]
    out = []
    deepest = int(rec["depth"].max())
    for target in TARGETS:
        for budget in sorted(rec["budget"].unique()):
            gap = _paired_log_gap(rec, target, budget)
            lo, hi = bootstrap_ci(gap) if len(gap) > 1 else (None, None)
            verdict = ("deeper at least 2× better" if hi is not None and hi < HELPS else
                       "shallower at least 2× better" if lo is not None and lo > -HELPS else "no clear 2× difference")
            out.append(Measurement("depth-vs-width", f"gap-{target.split()[0]}-{budget}",
                                   f"{target}, {budget} parameters: log10 test error, depth {deepest} minus "
                                   f"depth 1 ({verdict})", value=float(gap.mean()), ci_low=lo, ci_high=hi,
                                   n_seeds=len(gap), unit="orders of magnitude"))
    sawtooth = rec[rec["target"].str.startswith("sawtooth")]
    for depth in sorted(sawtooth["depth"].unique()):
        r = sawtooth[sawtooth["depth"] == depth]
        out.append(Measurement("depth-vs-width", f"sawtooth-pieces-depth-{depth}",
                               f"Sawtooth T⁶: most affine pieces a trained depth-{depth} network found "
                               f"(the target has {2 ** SAWTOOTH_K})", value=int(r["pieces"].max())))
    k = int(con["k"].max())
    row = con[con["k"] == k].iloc[0]
    out.append(Measurement("depth-vs-width", "construction-size",
                           f"T^{k} by construction: {int(row['params'])} parameters in depth {k}; one hidden layer "
                           f"needs {int(row['shallow_units_needed']):,} units", value=int(row["params"])))
    return out


def figures(tables: dict, outdir) -> list[Figure]:
    from nnclaims.report import plotting as P
    from nnclaims.evidence import group_ci

    rec, con, fits = tables["records"], tables["construction"], tables["fits"]
    out = []
    fig, axes = P.plt.subplots(1, len(TARGETS), figsize=(15, 4.2), sharey=True)
    for ax, target in zip(axes, TARGETS):
        r = rec[rec["target"] == target].copy()
        r["log"] = np.log10(r["test_nmse"])
        for i, depth in enumerate(sorted(r["depth"].unique())):
            s = group_ci(r[r["depth"] == depth], "params", "log")
            label = f"{depth} hidden layer{'s' if depth > 1 else ''}"
            P.band_ci(ax, s, "params", log10=True, i=i, label=label)
        ax.set_xscale("log"), ax.set_yscale("log")
        ax.set_xlabel("parameters (log)")
        ax.set_title(target)
    axes[0].set_ylabel("test error / target variance (log)")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    out.append(Figure(P.save(fig, outdir, "error_vs_parameters"), "depth-vs-width", main=True,
                      caption=("Test error (normalized by the target's variance) against the number of parameters, one "
                               "line per depth, mean and 95% band over seeds. Lower is better; where the lines separate "
                               "with the deeper one below, depth helped at that budget. The other measurements on this "
                               "page list, budget by budget, where the deepest network beat the shallowest."),
                      alt="Three log-log panels of test error against parameter count, one curve per depth."))
    fig, axes = P.plt.subplots(1, 2, figsize=(12, 4.0))
    ax = axes[0]
    ax.plot(con["units"], con["pieces_exact"], marker="o", color=P.color(0), label="depth k, width 2 (tent maps): 2ᵏ")
    units = np.arange(2, con["units"].max() + 1)
    ax.plot(units, units + 1, color=P.color(1), marker="s", markevery=4, label="one hidden layer of m units: ≤ m+1")
    ax.set_yscale("log", base=2)
    ax.set_xlabel("ReLU units")
    ax.set_ylabel("affine pieces on [0, 1] (log₂)")
    ax.set_title("Pieces per unit: exponential against linear")
    ax.legend(fontsize=8)
    ax = axes[1]
    x = np.linspace(0, 1, 400)
    sawtooth = next(t for t in TARGETS if t.startswith("sawtooth"))
    ax.plot(x, TARGETS[sawtooth](x), color="#444444", linewidth=1, label="target T⁶")
    f = fits[fits["target"] == sawtooth]
    budget = int(rec["budget"].iloc[-1])
    for i, depth in enumerate(sorted(f["depth"].unique())):
        g = f[(f["depth"] == depth) & (f["budget"] == budget)]
        if len(g):
            ax.plot(g["x"], g["y"], color=P.color(i), linestyle=P.dash(i), label=f"trained, depth {depth}")
    ax.set_xlabel("x"), ax.set_ylabel("output")
    ax.set_title(f"Trained fits at {budget} parameters (first seed)")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    out.append(Figure(P.save(fig, outdir, "sawtooth"), "depth-vs-width",
                      caption=("Left: affine pieces counted exactly — the tent-map construction doubles them with every "
                               "layer of two units, while a single hidden layer adds one per unit. Right: the sawtooth "
                               "target and what gradient descent found at the largest budget."),
                      alt=("Left: pieces growing as 2^k for the deep construction against m+1 for one layer. Right: "
                           "the 32-tooth sawtooth with trained network fits overlaid.")))
    return out
