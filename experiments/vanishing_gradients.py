"""sigmoid-vanishing-gradients: gradients shrink layer by layer through sigmoid units.

Setup (fixed before running): scikit-learn's 8x8 digits (80% train split), a network
64 -> 10 hidden layers of 32 -> 10, cross-entropy, SGD with learning rate 0.1 and batch
64. Sigmoid and tanh use Xavier-normal weights, ReLU He-normal; biases start at zero.
Gradients are measured on the whole training set at step 0 and every `EVERY` steps.

Expected:
- the product over the 10 hidden layers of the largest sigmoid derivative in each layer
  never exceeds 0.25^10 ~ 9.5e-7 (a bound that must hold, checked on every network and
  recorded step);
- sigmoid: the first hidden layer's weight gradient is at least two orders of magnitude
  below the tenth's, at initialization and at the end of training (the whole interval
  of the mean log10 ratio below -2);
- tanh shrinks less than sigmoid: its per-layer backward shrink factor is smaller
  (paired by seed, interval of the difference above 0);
- ReLU with He init keeps the hidden layers' gradient norms within a factor of 5 of each
  other (largest over smallest of the per-layer geometric means over seeds);
- sigmoid's per-layer shrink factor (a least-squares line through log10 |grad| against
  layer) is above 1. It is reported with its interval for each activation, at the start
  and the end of training, next to Nielsen's measurement on sigmoid MNIST networks.
"""

from __future__ import annotations

import numpy as np

from nnclaims.evidence import Claim, Check, Figure, Measurement, RunContext, bootstrap_ci

CLAIMS = [
    Claim(
        id="sigmoid-vanishing-gradients",
        title="Through sigmoid layers the gradient vanishes: early layers learn very slowly",
        statement=("The sigmoid's derivative is at most 1/4, so backpropagation multiplies the gradient by "
                   "such a factor at every layer: through 10 layers the derivative factors alone multiply to at "
                   "most 0.25¹⁰ ≈ 10⁻⁶, and the first layers get gradients orders of magnitude smaller than the "
                   "last. tanh shrinks the gradient less; ReLU with He initialization keeps the layers' gradients "
                   "comparable."),
        section="B",
        reference=("Nielsen, Neural Networks and Deep Learning, ch. 5: in sigmoid networks on MNIST the speed of "
                   "learning (gradient norm) fell about 4–5× per layer going back."),
        core=True,
    )
]
SEEDS = {"quick": 3, "full": 10}
HIDDEN = 10
WIDTH = 32
SETUPS = {"sigmoid": "xavier_normal", "tanh": "xavier_normal", "relu": "he_normal"}
STEPS = {"quick": 150, "full": 2000}
EVERY = {"quick": 25, "full": 100}
LR, BATCH = 0.1, 64
BOUND = 0.25**HIDDEN
ORDERS = -2.0          # log10(first / last) must lie below this
RELU_SPREAD = 5.0      # largest / smallest per-layer gradient norm for ReLU + He


def grid(profile: str) -> list[dict]:
    return [{"activation": a, "init": i, "steps": STEPS[profile], "every": EVERY[profile]}
            for a, i in SETUPS.items()]


def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    seeds, device = ctx.seeds, ctx.device
    import torch

    from nnclaims.nn import probes
    from nnclaims.nn.batched import BatchedNet
    from nnclaims.numeric.data import load_sklearn_digits
    from nnclaims.nn.models import MLPSpec
    from nnclaims.nn.training import Schedule, train

    d = load_sklearn_digits()
    X, y = torch.tensor(d.X_train), torch.tensor(d.y_train)
    spec = MLPSpec((64,) + (WIDTH,) * HIDDEN + (10,), activation=point["activation"], init=point["init"])
    Xd, yd = X.to(device), y.to(device)

    def monitor(net, step):
        g = probes.gradient_norms(net, Xd, yd, "ce")
        return {"weight_grad": g["weight_grad"], "deriv_max": probes.derivative_factors(net, Xd)}

    result = train(spec, X, y, seeds, Schedule(point["steps"], LR, loss="ce", batch_size=BATCH,
                                               record_every=point["every"]),
                   device=device, engine=ctx.engine, monitors=[monitor])
    rows = []
    for t, step in enumerate(result.steps):
        for s, seed in enumerate(seeds):
            for layer in range(HIDDEN + 1):
                row = {"seed": seed, "step": int(step), "layer": layer + 1,
                       "weight_grad": float(result.history["weight_grad"][t, s, layer]),
                       "loss": float(result.history["loss"][t, s])}
                if layer < HIDDEN:
                    row["deriv_max"] = float(result.history["deriv_max"][t, s, layer])
                rows.append(row)
    start = BatchedNet.init(spec, seeds, device=device)
    change = [{"seed": seed, "layer": l + 1,
               "relative_change": float((w1[s] - w0[s]).norm() / w0[s].norm())}
              for l, (w0, w1) in enumerate(zip(start.weight, result.net.weight)) for s, seed in enumerate(seeds)]
    return {"records": rows, "change": change}


def _per_seed(rec, activation: str, step: int) -> np.ndarray:
    """log10 of the hidden layers' weight-gradient norms, ``(seeds, HIDDEN)``."""
    r = rec[(rec["activation"] == activation) & (rec["step"] == step) & (rec["layer"] <= HIDDEN)]
    return np.log10(r.pivot(index="seed", columns="layer", values="weight_grad").to_numpy())


def shrink_factor(logs: np.ndarray) -> np.ndarray:
    """Per seed: by what factor the gradient norm shrinks per layer going back, from a
    least-squares line through log10(norm) against layer."""
    layers = np.arange(1, logs.shape[-1] + 1)
    slope = np.polyfit(layers, logs.T, 1)[0]
    return 10**slope


def checks(tables: dict) -> list[Check]:
    rec = tables["records"]
    first, last = 0, int(rec["step"].max())
    sig = rec[rec["activation"] == "sigmoid"]
    products = sig.groupby(["seed", "step"])["deriv_max"].prod()
    out = [Check("sigmoid-vanishing-gradients", "derivative-product-bound",
                 f"Largest product over the {HIDDEN} hidden layers of each layer's largest sigmoid derivative, "
                 f"over all networks and recorded steps",
                 value=float(products.max()), comparator="<=", threshold=BOUND, theory=BOUND,
                 n_seeds=sig["seed"].nunique())]
    for step, when in ((first, "at initialization"), (last, f"after {last} training steps")):
        logs = _per_seed(rec, "sigmoid", step)
        ratio = logs[:, 0] - logs[:, -1]
        lo, hi = bootstrap_ci(ratio)
        out.append(Check("sigmoid-vanishing-gradients", f"first-vs-last-{'init' if step == 0 else 'trained'}",
                         f"Sigmoid: log10(|∇W₁| / |∇W₁₀|) {when}",
                         value=ratio.mean(), ci_low=lo, ci_high=hi, comparator="<", threshold=ORDERS,
                         n_seeds=len(ratio), unit="orders of magnitude"))
    factors = {a: shrink_factor(_per_seed(rec, a, first)) for a in SETUPS}
    diff = factors["sigmoid"] - factors["tanh"]
    lo, hi = bootstrap_ci(diff)
    out.append(Check("sigmoid-vanishing-gradients", "tanh-shrinks-less",
                     "Per-layer shrink factor at initialization: sigmoid minus tanh (paired by seed)",
                     value=diff.mean(), ci_low=lo, ci_high=hi, comparator=">", threshold=0.0, n_seeds=len(diff)))
    relu = _per_seed(rec, "relu", first)
    spread = lambda r: 10 ** (r.mean(axis=1).max(axis=-1) - r.mean(axis=1).min(axis=-1))  # noqa: E731
    lo, hi = bootstrap_ci(relu, stat=spread)
    out.append(Check("sigmoid-vanishing-gradients", "relu-he-steady",
                     "ReLU + He: largest over smallest hidden-layer gradient norm (geometric means over seeds)",
                     value=float(spread(relu[None])[0]), ci_low=lo, ci_high=hi, comparator="<=",
                     threshold=RELU_SPREAD, n_seeds=len(relu)))
    f = factors["sigmoid"]
    lo, hi = bootstrap_ci(f)
    out.append(Check("sigmoid-vanishing-gradients", "sigmoid-shrinks",
                     "Sigmoid: factor by which the gradient norm shrinks per layer going back, at initialization",
                     value=f.mean(), ci_low=lo, ci_high=hi, comparator=">", threshold=1.0, n_seeds=len(f),
                     unit="× per layer", reference="Nielsen: about 4–5× per layer"))
    return out


def measurements(tables: dict) -> list[Measurement]:
    rec = tables["records"]
    out = []
    for step in (0, int(rec["step"].max())):
        for a in SETUPS:
            f = shrink_factor(_per_seed(rec, a, step))
            lo, hi = bootstrap_ci(f)
            out.append(Measurement("sigmoid-vanishing-gradients", f"shrink-factor-{a}-step-{step}",
                                   f"{a}: gradient-norm shrink factor per layer going back, at step {step}",
                                   value=f.mean(), ci_low=lo, ci_high=hi, n_seeds=len(f), unit="× per layer",
                                   reference="Nielsen: about 4–5× per layer" if a == "sigmoid" else ""))
    return out


def figures(tables: dict, outdir) -> list[Figure]:
    from nnclaims.report import plotting as P
    from nnclaims.evidence import group_ci

    rec, change = tables["records"], tables["change"]
    last = int(rec["step"].max())
    out = []
    fig, axes = P.plt.subplots(1, 3, figsize=(14, 4.2))
    ax = axes[0]
    for i, a in enumerate(SETUPS):
        r = rec[(rec["activation"] == a) & (rec["step"] == 0) & (rec["layer"] <= HIDDEN)].copy()
        r["log"] = np.log10(r["weight_grad"])
        s = group_ci(r, "layer", "log")
        P.band_ci(ax, s, "layer", log10=True, i=i, label=f"{a} ({SETUPS[a].replace('_normal', '')} init)")
        if a == "sigmoid":
            top = 10 ** s["mean"].iloc[-1]
            ax.plot(s["layer"], top * 0.25 ** (HIDDEN - s["layer"]), **P.THEORY, label="0.25ᵏ from layer 10")
    ax.set_yscale("log")
    ax.set_xlabel("hidden layer (1 = nearest the input)")
    ax.set_ylabel("|∂loss/∂W| at initialization (log)")
    ax.set_title("Gradient norm per layer")
    ax.legend(fontsize=8)

    ax = axes[1]
    sig = rec[(rec["activation"] == "sigmoid") & (rec["layer"] <= HIDDEN)].sort_values("layer")
    prod = sig.groupby(["seed", "step"])["deriv_max"].cumprod()
    sig = sig.assign(cumulative=prod.to_numpy())
    for i, step in enumerate(sorted({0, last})):
        s = group_ci(sig[sig["step"] == step], "layer", "cumulative")
        P.band_ci(ax, s, "layer", i=i, label=f"step {step}")
    k = np.arange(1, HIDDEN + 1)
    ax.plot(k, 0.25**k, **P.THEORY, label="bound 0.25ᵏ")
    ax.set_yscale("log")
    ax.set_xlabel("number of sigmoid layers k")
    ax.set_ylabel("product of the k largest derivatives (log)")
    ax.set_title("Derivative factors against 0.25ᵏ")
    ax.legend(fontsize=8)

    ax = axes[2]
    for i, a in enumerate(SETUPS):
        s = group_ci(change[change["activation"] == a], "layer", "relative_change")
        P.band_ci(ax, s, "layer", i=i, label=a)
    ax.set_yscale("log")
    ax.set_xlabel("layer (11 = output)")
    ax.set_ylabel("|W_end − W_start| / |W_start| (log)")
    ax.set_title(f"How much each layer learned in {last} steps")
    ax.legend(fontsize=8)
    fig.tight_layout()
    out.append(Figure(P.save(fig, outdir, "gradients_per_layer"), "sigmoid-vanishing-gradients", main=True,
                      caption=("Left: weight-gradient norm per hidden layer at initialization, mean over seeds with its "
                               "95% band (log scale). Sigmoid's falls steeply towards the input, roughly along the "
                               "dashed 0.25ᵏ line; tanh's falls less; ReLU with He init stays level. Middle: the product "
                               "of sigmoid derivative factors always lies below the 0.25ᵏ bound. Right: how far each "
                               "layer's weights moved during training — the sigmoid net's first layers barely move."),
                      alt=("Three log-scale panels: sigmoid gradient norms drop by several orders of magnitude from "
                           "layer 10 to layer 1 while ReLU's stay flat; derivative products stay under 0.25^k; the "
                           "relative weight change of early sigmoid layers is tiny.")))

    fig, ax = P.plt.subplots(figsize=(6.4, 4.0))
    for i, a in enumerate(SETUPS):
        r = rec[(rec["activation"] == a) & (rec["layer"].isin([1, HIDDEN]))]
        piv = r.pivot_table(index=["seed", "step"], columns="layer", values="weight_grad").reset_index()
        piv["ratio"] = np.log10(piv[1] / piv[HIDDEN])
        s = group_ci(piv, "step", "ratio")
        P.band_ci(ax, s, "step", i=i, label=a)
    ax.axhline(ORDERS, **P.THEORY, label="two orders of magnitude")
    ax.set_xlabel("training step")
    ax.set_ylabel("log10(|∇W₁| / |∇W₁₀|)")
    ax.set_title("First against last hidden layer, during training")
    ax.legend(fontsize=8)
    out.append(Figure(P.save(fig, outdir, "first_vs_last"), "sigmoid-vanishing-gradients",
                      caption=("The gap between the first and the tenth hidden layer's gradient, during training "
                               "(mean and 95% band over seeds). Below the dashed line the first layer's gradient is "
                               "more than 100 times smaller."),
                      alt="Log ratio of first to last layer gradient over training steps, one line per activation."))
    return out
