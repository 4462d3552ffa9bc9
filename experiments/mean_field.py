"""mean-field-variance: the variance map and the gradient factor chi of random tanh networks.

Setup (fixed before running): tanh networks of 30 hidden layers of width 512 (256 in
the quick profile), weights
N(0, sw^2 / fan_in), biases N(0, sb^2) with sb^2 = 0.05, float64, fed 128 inputs from
N(0, I); sw^2 from 0.5 to 4, on both sides of the critical point (chi = 1 near
sw^2 = 1.76 for this sb^2). We measure q_l (mean square of layer l's pre-activations)
and the squared norms of the backpropagated gradients with respect to the
pre-activations, for a mean-squared-error loss against random targets.

Expected (Poole et al. 2016; Schoenholz et al. 2017):
- measured q_l lies within 5% of the map q_l = sw^2 E[tanh(sqrt(q_{l-1}) Z)^2] + sb^2 at
  every layer and every sw^2 (geometric mean over 8 seeds; whole interval below 0.05).
  After this check failed in a first run (8.5%), a later change replaced it with the gap
  averaged over layers and doubled the seeds, which passed. That was tuning a check after
  seeing its result, so the check above is the one that decides; the averaged gap is
  reported beside it as a measurement, since sampling noise (a width-512 network wanders
  about 6% around the map in deep layers) inflates a maximum over 240 cells;
- the per-layer growth of the squared gradient, measured over layers 10-29 as
  |d_l|^2 / |d_{l+1}|^2, is below 1 for every sw^2 whose chi is below 1 and above 1 for every
  sw^2 whose chi is above 1 (whole intervals), and within 10% of chi for every sw^2.
"""

from __future__ import annotations

import numpy as np

from nnclaims.evidence import Claim, Check, Figure, Measurement, RunContext, bootstrap_ci

CLAIMS = [
    Claim(
        id="mean-field-variance",
        title="Mean-field theory predicts the variance per layer and whether gradients grow or vanish",
        statement=("In a wide random tanh network with weight variance σw²/fan_in and bias variance σb², the "
                   "pre-activation variance follows q_l = σw² E[tanh(√q_(l−1) z)²] + σb², and gradients grow or "
                   "shrink per layer by χ = σw² E[tanh′(√q* z)²] at the fixed point q*: they vanish for χ < 1 and "
                   "explode for χ > 1."),
        section="C",
        reference=("Poole, Lahiri, Raghu, Sohl-Dickstein and Ganguli (2016), Exponential expressivity in deep "
                   "neural networks through transient chaos; Schoenholz, Gilmer, Ganguli and Sohl-Dickstein (2017), "
                   "Deep information propagation."),
    )
]
SEEDS = {"quick": 3, "full": 8}
SHARDS = {"full": 2}
SB2 = 0.05
SW2 = {"quick": [0.5, 1.25, 2.5, 4.0], "full": [0.5, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0]}
WIDTH = {"quick": 256, "full": 512}
DEPTH, INPUTS = 30, 128
GRAD_LAYERS = (10, DEPTH)  # layers whose gradient ratios enter the measured chi
Q_TOL, CHI_TOL = 0.05, 0.10


def grid(profile: str) -> list[dict]:
    return [{"sw2": s, "width": WIDTH[profile]} for s in SW2[profile]]


def run(point: dict, ctx: RunContext) -> list[dict]:
    seeds, device = ctx.seeds, ctx.device
    import torch

    from nnclaims.numeric import theory
    from nnclaims.nn.batched import BatchedNet
    from nnclaims.nn.models import MLPSpec
    from nnclaims.nn.probes import activation_stats, gradient_norms
    from nnclaims.numeric.seeding import torch_generator

    sw2, width = point["sw2"], point["width"]
    spec = MLPSpec((width,) * (DEPTH + 1) + (10,), activation="tanh", init="variance_scaling",
                   init_params={"sw2": sw2}, bias_std=float(np.sqrt(SB2)))
    chi = theory.chi("tanh", sw2, SB2)
    rows = []
    for seed in seeds:
        net = BatchedNet.init(spec, [seed], dtype=torch.float64, device=device)
        gen = torch_generator(seed, "inputs")
        x = torch.randn(INPUTS, width, generator=gen, dtype=torch.float64).to(device)
        y = torch.randn(INPUTS, 10, generator=gen, dtype=torch.float64).to(device)
        q = activation_stats(net, x)["pre_second_moment"][0].cpu().numpy()
        grad2 = (gradient_norms(net, x, y, "mse")["pre_grad"][0].cpu().numpy()) ** 2
        predicted = theory.variance_recursion("tanh", sw2 * float((x**2).mean()) + SB2, sw2, DEPTH, SB2)
        rows += [{"seed": seed, "layer": l + 1, "q": float(q[l]), "q_map": float(predicted[l]),
                  "grad2": float(grad2[l]), "chi_theory": chi} for l in range(DEPTH)]
    return rows


def _by_seed(rec, column: str) -> np.ndarray:
    """``(seeds, sw2 values, layers)``."""
    values = sorted(rec["sw2"].unique())
    return np.stack([rec[rec["sw2"] == s].pivot(index="seed", columns="layer", values=column).to_numpy()
                     for s in values], axis=1)


def measured_chi(grad2: np.ndarray) -> np.ndarray:
    """Per seed and sw^2: geometric mean over layers of |d_l|^2 / |d_{l+1}|^2."""
    a, b = GRAD_LAYERS
    logs = np.log(grad2[..., a - 1:b - 1]) - np.log(grad2[..., a:b])
    return np.exp(logs.mean(axis=-1))


def checks(tables: dict) -> list[Check]:
    rec = tables["records"]
    sw2 = np.array(sorted(rec["sw2"].unique()))
    chi_th = rec.groupby("sw2")["chi_theory"].first().loc[sw2].to_numpy()
    ratio = _by_seed(rec, "q") / _by_seed(rec, "q_map")  # (seeds, sw2, layers)
    worst = lambda r: np.abs(np.exp(np.log(r).mean(axis=1)) - 1).max(axis=(-2, -1))  # noqa: E731
    lo, hi = bootstrap_ci(ratio, stat=worst)
    out = [Check("mean-field-variance", "q-matches-map",
                 f"Largest relative gap between measured q_l and the map, over {DEPTH} layers and {len(sw2)} values "
                 f"of σw² ({sw2.min():g}–{sw2.max():g})", value=float(worst(ratio[None])[0]), ci_low=lo, ci_high=hi,
                 comparator="<=", threshold=Q_TOL, n_seeds=ratio.shape[0])]
    chi = measured_chi(_by_seed(rec, "grad2"))  # (seeds, sw2)
    ordered, chaotic = chi_th < 1, chi_th > 1
    for name, mask, stat, comparator, what in (
            ("ordered-gradients-shrink", ordered, lambda r, m=ordered: r.mean(axis=1)[:, m].max(axis=-1), "<",
             "largest measured χ where theory puts χ < 1"),
            ("chaotic-gradients-grow", chaotic, lambda r, m=chaotic: r.mean(axis=1)[:, m].min(axis=-1), ">",
             "smallest measured χ where theory puts χ > 1")):
        if mask.any():
            lo, hi = bootstrap_ci(chi, stat=stat)
            out.append(Check("mean-field-variance", name,
                             f"Per-layer growth of the squared gradient, {what} (σw² = "
                             f"{', '.join(f'{v:g}' for v in sw2[mask])})",
                             value=float(stat(chi[None])[0]), ci_low=lo, ci_high=hi, comparator=comparator,
                             threshold=1.0, n_seeds=chi.shape[0]))
    err = lambda r: np.abs(r.mean(axis=1) / chi_th - 1).max(axis=-1)  # noqa: E731
    lo, hi = bootstrap_ci(chi, stat=err)
    out.append(Check("mean-field-variance", "chi-matches-theory",
                     "Largest relative gap between measured and predicted χ over the values of σw²",
                     value=float(err(chi[None])[0]), ci_low=lo, ci_high=hi, comparator="<=", threshold=CHI_TOL,
                     n_seeds=chi.shape[0]))
    return out


def measurements(tables: dict) -> list[Measurement]:
    rec = tables["records"]
    sw2 = sorted(rec["sw2"].unique())
    chi = measured_chi(_by_seed(rec, "grad2"))
    ratio = _by_seed(rec, "q") / _by_seed(rec, "q_map")
    averaged = lambda r: np.abs(r.mean(axis=1) - 1).mean(axis=-1).max(axis=-1)  # noqa: E731
    lo, hi = bootstrap_ci(ratio, stat=averaged)
    out = [Measurement("mean-field-variance", "q-gap-averaged-over-layers",
                       "Relative gap between measured q_l (mean over seeds) and the map, averaged over the layers: "
                       "the largest over the values of σw²", value=float(averaged(ratio[None])[0]), ci_low=lo,
                       ci_high=hi, n_seeds=ratio.shape[0])]
    for j, s in enumerate(sw2):
        lo, hi = bootstrap_ci(chi[:, j])
        out.append(Measurement("mean-field-variance", f"chi-sw2-{s:g}", f"σw² = {s:g}: measured χ",
                               value=float(chi[:, j].mean()), ci_low=lo, ci_high=hi, n_seeds=chi.shape[0],
                               theory=float(rec[rec["sw2"] == s]["chi_theory"].iloc[0])))
    return out


def figures(tables: dict, outdir) -> list[Figure]:
    from nnclaims.report import plotting as P
    from nnclaims.numeric import theory

    rec = tables["records"]
    sw2 = sorted(rec["sw2"].unique())
    q, qmap, grad2 = _by_seed(rec, "q"), _by_seed(rec, "q_map"), _by_seed(rec, "grad2")
    layers = np.arange(1, DEPTH + 1)
    fig, axes = P.plt.subplots(1, 3, figsize=(15, 4.2))
    for j, s in enumerate(sw2):
        axes[0].plot(layers, np.exp(np.log(q[:, j]).mean(axis=0)), marker=P.marker(j), markevery=5,
                     color=P.color(j), label=f"σw² = {s:g}")
        axes[0].plot(layers, qmap[0, j], color=P.color(j), linestyle="--", linewidth=1)
        g = np.exp(np.log(grad2[:, j]).mean(axis=0))
        axes[1].plot(layers, g / g[-1], marker=P.marker(j), markevery=5, color=P.color(j), label=f"σw² = {s:g}")
    axes[0].set_yscale("log"), axes[0].set_xlabel("layer"), axes[0].set_ylabel("q_l (log)")
    axes[0].set_title("Variance: measured (markers), map (dashed)")
    axes[0].legend(fontsize=7, ncol=2)
    axes[1].set_yscale("log"), axes[1].set_xlabel("layer")
    axes[1].set_ylabel("|∂loss/∂z_l|² relative to the last layer (log)")
    axes[1].set_title("Gradients backwards through the layers")
    ax = axes[2]
    dense = np.linspace(0.3, 4.2, 80)
    ax.plot(dense, [theory.chi("tanh", s, SB2) for s in dense], **P.THEORY, label="theory χ")
    chi = measured_chi(grad2)
    ax.errorbar(sw2, chi.mean(axis=0), yerr=chi.std(axis=0, ddof=1) if chi.shape[0] > 1 else None,
                marker="o", linestyle="none", color=P.color(0), capsize=3, label="measured (± sd over seeds)")
    ax.axhline(1, color="#888888", linewidth=0.8)
    ax.set_xlabel("σw²"), ax.set_ylabel("χ: per-layer growth of |gradient|²")
    ax.set_title(f"Order (χ<1) and chaos (χ>1), σb² = {SB2:g}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return [Figure(P.save(fig, outdir, "mean_field"), "mean-field-variance", main=True,
                   caption=("Left: the mean square of the pre-activations per layer (geometric mean over seeds, markers) "
                            "on the mean-field map (dashed) for each σw². Middle: squared gradient norms from the last "
                            "layer back to the first; they shrink below the critical σw² ≈ 1.76 and grow above it. "
                            "Right: the per-layer factor χ measured against the theory's curve."),
                   alt=("Three panels: variance curves converging to fixed points along dashed theory lines; "
                        "gradient norms decaying or growing through the layers depending on σw²; measured chi "
                        "points lying on the theoretical chi curve, crossing 1 near 1.76."))]
