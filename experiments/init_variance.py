"""init-variance: how the weight variance decides whether signals survive 50 layers.

Setup (fixed before running; width and inputs sized by a noise pilot, before any check
was run): networks of 50 hidden layers of equal width `WIDTH`, zero biases, float64,
fed `INPUTS` inputs drawn from N(0, I). For every (activation, init) pair we measure q_l,
the mean square of layer l's pre-activations, and compare it with the recursion
q_l = sw^2 E[phi(sqrt(q_{l-1}) Z)^2], sw^2 = fan_in Var(W) (`nnclaims.theory`):
for ReLU, q_l = (sw^2 / 2) q_{l-1}, so He (sw^2 = 2) keeps q constant and Xavier
(Var = 2 / (fan_in + fan_out), sw^2 = 1 at equal widths) halves it every layer; for tanh
the mean-field map. The chapter's forward-pass example draws weights with std 0.01
(too small); std 0.1 is the too-large counterpart at this width.

Expected:
- for every pair, the measured per-layer factor (q_50 / q_1)^(1/49), averaged over seeds,
  lies within 5% of the theory's (whole interval of the relative error below 0.05);
- for tanh with Xavier and with He init, the measured q_l (geometric mean over seeds) lies
  within 5% of the mean-field map at every layer.
Per-network fluctuations of q grow with depth and shrink with width (they are a finite-
width effect the recursion ignores); the per-layer factor averages them over 49 layers.
"""

from __future__ import annotations

import numpy as np

from nnclaims.evidence import Claim, Check, Figure, Measurement, RunContext, bootstrap_ci

CLAIMS = [
    Claim(
        id="init-variance",
        title="Xavier keeps tanh signals steady, He keeps ReLU signals steady; too small or too large fails",
        statement=("With weights too small the signal shrinks towards zero layer by layer; too large and it "
                   "explodes (or, for tanh, saturates). Xavier initialization (variance 2/(fan_in + fan_out)) keeps "
                   "tanh activations steady; He initialization (variance 2/fan_in) keeps ReLU activations steady, "
                   "where Xavier lets them halve at every layer."),
        section="C",
        reference=("Glorot and Bengio (2010) derived the Xavier variance; He, Zhang, Ren and Sun (2015) derived "
                   "2/fan_in for ReLU and showed the halving under Xavier."),
        core=True,
    )
]
SEEDS = {"quick": 3, "full": 12}
SHARDS = {"full": 4}
DEPTH = 50
WIDTH = {"quick": 128, "full": 512}
INPUTS = 256
INITS = {  # label: (init name, parameters)
    "He": ("he_normal", {}),
    "Xavier": ("xavier_normal", {}),
    "std 0.01": ("normal", {"std": 0.01}),
    "std 0.1": ("normal", {"std": 0.1}),
}
ACTIVATIONS = ("relu", "tanh")
TOL = 0.05
STEADY = {"tanh": ("Xavier", "He")}  # pairs also checked layer by layer


def grid(profile: str) -> list[dict]:
    return [{"activation": a, "init": label, "width": WIDTH[profile]} for a in ACTIVATIONS for label in INITS]


def sw2(init: str, width: int) -> float:
    """fan_in * Var(W) at equal widths."""
    from nnclaims.nn.inits import get_init

    name, params = INITS[init]
    return width * get_init(name, **params).variance(width, width)


def run(point: dict, ctx: RunContext) -> list[dict]:
    seeds, device = ctx.seeds, ctx.device
    import torch

    from nnclaims.numeric import theory
    from nnclaims.nn.batched import BatchedNet
    from nnclaims.nn.models import MLPSpec
    from nnclaims.nn.probes import activation_stats
    from nnclaims.numeric.seeding import torch_generator

    width, (name, params) = point["width"], INITS[point["init"]]
    spec = MLPSpec((width,) * (DEPTH + 1) + (1,), activation=point["activation"], init=name, init_params=params)
    gain = sw2(point["init"], width)
    rows = []
    for seed in seeds:  # one network at a time: a 50 x 512 x 512 float64 stack is 100 MB per seed
        net = BatchedNet.init(spec, [seed], dtype=torch.float64, device=device)
        x = torch.randn(INPUTS, width, generator=torch_generator(seed, "inputs"), dtype=torch.float64).to(device)
        q = activation_stats(net, x)["pre_second_moment"][0].cpu().numpy()
        predicted = theory.variance_recursion(point["activation"], gain * float((x**2).mean()), gain, DEPTH)
        rows += [{"seed": seed, "layer": l + 1, "q": float(q[l]), "theory": float(predicted[l]), "sw2": gain}
                 for l in range(DEPTH)]
    return rows


def _matrix(rec, activation: str, init: str, column: str) -> np.ndarray:
    r = rec[(rec["activation"] == activation) & (rec["init"] == init)]
    return r.pivot(index="seed", columns="layer", values=column).to_numpy()


def per_layer_factor(q: np.ndarray) -> np.ndarray:
    """Per seed: (q_last / q_first)^(1 / (layers - 1))."""
    return np.exp((np.log(q[:, -1]) - np.log(q[:, 0])) / (q.shape[1] - 1))


def checks(tables: dict) -> list[Check]:
    rec = tables["records"]
    out = []
    for a in ACTIVATIONS:
        for init in INITS:
            q, th = _matrix(rec, a, init, "q"), _matrix(rec, a, init, "theory")
            g_th = float(np.exp((np.log(th[0, -1]) - np.log(th[0, 0])) / (DEPTH - 1)))
            g = per_layer_factor(q)
            err = lambda r, g_th=g_th: np.abs(r.mean(axis=1) / g_th - 1)  # noqa: E731
            lo, hi = bootstrap_ci(g, stat=err)
            out.append(Check("init-variance", f"{a}-{init.replace(' ', '')}-factor",
                             f"{a}, {init}: per-layer factor of the pre-activation variance, measured "
                             f"{g.mean():.4g} against theory {g_th:.4g} (relative error)",
                             value=float(err(g[None])[0]), ci_low=lo, ci_high=hi, comparator="<=", threshold=TOL,
                             n_seeds=len(g), theory=g_th))
    for a, inits in STEADY.items():
        for init in inits:
            ratio = _matrix(rec, a, init, "q") / _matrix(rec, a, init, "theory")
            worst = lambda r: np.abs(np.exp(np.log(r).mean(axis=1)) - 1).max(axis=-1)  # noqa: E731
            lo, hi = bootstrap_ci(ratio, stat=worst)
            out.append(Check("init-variance", f"{a}-{init.replace(' ', '')}-every-layer",
                             f"{a}, {init}: largest relative gap between measured q and the mean-field map over "
                             f"the {DEPTH} layers",
                             value=float(worst(ratio[None])[0]), ci_low=lo, ci_high=hi, comparator="<=",
                             threshold=TOL, n_seeds=len(ratio)))
    return out


def measurements(tables: dict) -> list[Measurement]:
    rec = tables["records"]
    out = []
    for a in ACTIVATIONS:
        for init in INITS:
            q, th = _matrix(rec, a, init, "q"), _matrix(rec, a, init, "theory")
            ratio = q[:, -1] / q[:, 0]
            lo, hi = bootstrap_ci(np.log10(ratio))
            out.append(Measurement("init-variance", f"{a}-{init.replace(' ', '')}-ratio-50-1",
                                   f"{a}, {init}: q₅₀ / q₁ (geometric mean over seeds)",
                                   value=float(10 ** np.log10(ratio).mean()), ci_low=10**lo, ci_high=10**hi,
                                   n_seeds=len(ratio), theory=float(th[0, -1] / th[0, 0])))
    return out


def figures(tables: dict, outdir) -> list[Figure]:
    from nnclaims.report import plotting as P

    rec = tables["records"]
    fig, axes = P.plt.subplots(1, 2, figsize=(12, 4.6), sharey=True)
    for ax, a in zip(axes, ACTIVATIONS):
        for i, init in enumerate(INITS):
            q, th = _matrix(rec, a, init, "q"), _matrix(rec, a, init, "theory")
            layers = np.arange(1, q.shape[1] + 1)
            logq = np.log10(q)
            lo, hi = np.quantile(logq, [0.1, 0.9], axis=0)
            ax.plot(layers, 10 ** logq.mean(axis=0), color=P.color(i), marker=P.marker(i), markevery=7,
                    label=f"{init} (sw²={rec[(rec['activation'] == a) & (rec['init'] == init)]['sw2'].iloc[0]:.3g})")
            ax.fill_between(layers, 10**lo, 10**hi, color=P.color(i), alpha=0.15, linewidth=0)
            ax.plot(layers, th[0], color=P.color(i), linestyle="--", linewidth=1)
        ax.set_yscale("log")
        ax.set_xlabel("layer")
        ax.set_title(f"{a}: variance of the pre-activations")
        ax.legend(fontsize=8, title="init (markers: measured, dashed: theory)", title_fontsize=8)
    axes[0].set_ylabel("q_l = mean square of pre-activations (log)")
    fig.tight_layout()
    return [Figure(P.save(fig, outdir, "variance_per_layer"), "init-variance", main=True,
                   caption=("Mean square of each layer's pre-activations through 50 layers (geometric mean over seeds; "
                            "band: 10th–90th percentile of networks), with the theory's recursion dashed. ReLU: He stays "
                            "level, Xavier halves every layer, std 0.01 vanishes and std 0.1 explodes. tanh: Xavier "
                            "decays slowly (the mean-field map's marginal case), He settles at a fixed point, std 0.01 "
                            "vanishes, std 0.1 saturates."),
                   alt=("Two log-scale panels of variance against layer for four initializations; measured curves "
                        "follow the dashed theory lines: flat for He with ReLU, straight decline for Xavier with ReLU, "
                        "steep decline for std 0.01, growth or saturation for std 0.1."))]
