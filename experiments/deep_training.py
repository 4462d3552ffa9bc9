"""init-trains-deep and skip-connections: which very deep networks train at all.

Setup (fixed before running): scikit-learn's 8x8 digits (80% train split), width 64,
cross-entropy, SGD with momentum 0.9, learning rate 0.01, batch 64, float32 (gradients
at initialization are measured in float64, where they do not underflow). "Trains"
means the final training loss is at most half the initial one; "stalls" that it stays
above 90% of it (whole 95% interval over seeds, in both cases).
- init-trains-deep: 30 linear layers (29 hidden) of ReLU units, zero biases, weights
  He-normal, Xavier-normal, or N(0, 0.01^2) as in the chapter's example.
- skip-connections: 50 hidden layers of sigmoid units, Xavier-normal weights, plain or
  residual (each hidden layer adds its input to its output).

Expected:
- the 30-layer ReLU network trains with He init and stalls with Xavier init and with
  std-0.01 init (He et al. 2015 saw the same for a 30-layer ReLU model);
- at initialization the plain 50-layer network's first-layer gradient is at least ten
  times smaller than the residual network's (paired by seed, whole interval of the log10
  ratio below -1), and the residual network trains where the plain one stalls.
"""

from __future__ import annotations

import numpy as np

from nnclaims.evidence import Claim, Check, Figure, Measurement, RunContext, bootstrap_ci

CLAIMS = [
    Claim(
        id="init-trains-deep",
        title="With the right initialization a 30-layer ReLU network trains; with Xavier's it stalls",
        statement=("Proper initialization lets very deep networks train: a 30-layer ReLU network trains with He "
                   "initialization and stalls with Xavier initialization, and stalls too with weights drawn at a "
                   "small fixed scale."),
        section="C",
        reference=("He, Zhang, Ren and Sun (2015), Delving Deep into Rectifiers, Fig. 3: their 30-layer ReLU model "
                   "converged with their initialization and did not learn with Xavier's."),
        core=True,
    ),
    Claim(
        id="skip-connections",
        title="Skip connections let gradients through and make very deep networks trainable",
        statement=("Adding each block's input to its output (a residual connection) gives the gradient a direct "
                   "path back to the early layers: at depth 50 and beyond, a plain network's first layer gets a far "
                   "smaller gradient than a residual network's, and the residual network trains where the plain one "
                   "stalls."),
        section="D",
        reference="He, Zhang, Ren and Sun (2016), Deep Residual Learning for Image Recognition.",
    ),
]
SEEDS = {"quick": 3, "full": 8}
SHARDS = {"full": 3}
WIDTH = 64
STEPS = {"quick": 50, "full": 2000}
LR, MOMENTUM, BATCH = 0.01, 0.9, 64
INITS = {"He": ("he_normal", {}), "Xavier": ("xavier_normal", {}), "std 0.01": ("normal", {"std": 0.01})}
RELU_LINEAR_LAYERS = 30
SKIP_HIDDEN = 50
TRAINS, STALLS = 0.5, 0.9
FAR = -1.0  # log10 of the plain / residual first-layer gradient ratio


def grid(profile: str) -> list[dict]:
    steps = STEPS[profile]
    points = [{"part": "init", "init": label, "residual": False, "steps": steps} for label in INITS]
    return points + [{"part": "skip", "init": "Xavier", "residual": r, "steps": steps} for r in (False, True)]


def run(point: dict, ctx: RunContext) -> list[dict]:
    seeds, device = ctx.seeds, ctx.device
    import torch

    from nnclaims.nn import probes
    from nnclaims.nn.batched import BatchedNet
    from nnclaims.numeric.data import load_sklearn_digits
    from nnclaims.nn.models import MLPSpec
    from nnclaims.nn.training import Schedule, train

    d = load_sklearn_digits()
    X, y = torch.tensor(d.X_train), torch.tensor(d.y_train)
    name, params = INITS[point["init"]]
    if point["part"] == "init":
        sizes, act = (64,) + (WIDTH,) * (RELU_LINEAR_LAYERS - 1) + (10,), "relu"
    else:
        sizes, act = (64,) + (WIDTH,) * SKIP_HIDDEN + (10,), "sigmoid"
    spec = MLPSpec(sizes, activation=act, init=name, init_params=params, residual=point["residual"])
    # Measured in float64: in float32 the plain network's first-layer gradient underflows to 0.
    start = BatchedNet.init(spec, seeds, dtype=torch.float64, device=device)
    grads = probes.gradient_norms(start, X.double().to(device), y.to(device), "ce")["weight_grad"].cpu().numpy()
    schedule = Schedule(point["steps"], LR, momentum=MOMENTUM, loss="ce", batch_size=BATCH,
                        record_every=max(25, point["steps"] // 20))
    result = train(spec, X, y, seeds, schedule, device=device, engine=ctx.engine)
    rows = result.tidy(["loss"])
    for row in rows:
        s = seeds.index(row["seed"])
        row["first_layer_grad"] = float(grads[s, 0])
        row["last_hidden_grad"] = float(grads[s, -2])
    return rows


def _ratio(rec, where) -> np.ndarray:
    """Per seed: final training loss / initial training loss (inf for a diverged network)."""
    r = rec[where]
    first = r[r["step"] == 0].set_index("seed")["loss"]
    last = r[r["step"] == r["step"].max()].set_index("seed")["loss"]
    return (last / first).to_numpy()


def _loss_check(claim, name, what, ratio, trains: bool) -> Check:
    finite = np.where(np.isfinite(ratio), ratio, np.inf)
    lo, hi = bootstrap_ci(np.minimum(finite, 1e6))  # a diverged run counts as "did not train"
    return Check(claim, name, f"{what}: final / initial training loss",
                 value=float(np.mean(np.minimum(finite, 1e6))), ci_low=lo, ci_high=hi,
                 comparator="<=" if trains else ">=", threshold=TRAINS if trains else STALLS, n_seeds=len(ratio))


def checks(tables: dict) -> list[Check]:
    rec = tables["records"]
    init = rec["part"] == "init"
    out = [
        _loss_check("init-trains-deep", "he-trains", f"{RELU_LINEAR_LAYERS}-layer ReLU, He init",
                    _ratio(rec, init & (rec["init"] == "He")), trains=True),
        _loss_check("init-trains-deep", "xavier-stalls", f"{RELU_LINEAR_LAYERS}-layer ReLU, Xavier init",
                    _ratio(rec, init & (rec["init"] == "Xavier")), trains=False),
        _loss_check("init-trains-deep", "small-std-stalls", f"{RELU_LINEAR_LAYERS}-layer ReLU, std 0.01 init",
                    _ratio(rec, init & (rec["init"] == "std 0.01")), trains=False),
    ]
    skip = rec[(rec["part"] == "skip") & (rec["step"] == 0)]
    g = skip.pivot(index="seed", columns="residual", values="first_layer_grad")
    log_ratio = np.log10(g[False] / g[True]).to_numpy()
    lo, hi = bootstrap_ci(log_ratio)
    plain, residual = rec["part"].eq("skip") & ~rec["residual"].astype(bool), rec["part"].eq("skip") & rec["residual"].astype(bool)
    out += [
        Check("skip-connections", "first-layer-gradient",
              f"{SKIP_HIDDEN}-layer sigmoid network at initialization: log10(plain / residual first-layer gradient)",
              value=float(log_ratio.mean()), ci_low=lo, ci_high=hi, comparator="<", threshold=FAR,
              n_seeds=len(log_ratio), unit="orders of magnitude"),
        _loss_check("skip-connections", "residual-trains", f"{SKIP_HIDDEN}-layer residual sigmoid network",
                    _ratio(rec, residual), trains=True),
        _loss_check("skip-connections", "plain-stalls", f"{SKIP_HIDDEN}-layer plain sigmoid network",
                    _ratio(rec, plain), trains=False),
    ]
    return out


def measurements(tables: dict) -> list[Measurement]:
    rec = tables["records"]
    out = []
    for part, key, labels in (("init", "init", list(INITS)), ("skip", "residual", [False, True])):
        for label in labels:
            r = rec[(rec["part"] == part) & (rec[key] == label)]
            final = r[r["step"] == r["step"].max()]["loss"].to_numpy()
            name = label if part == "init" else ("residual" if label else "plain")
            claim = "init-trains-deep" if part == "init" else "skip-connections"
            lo, hi = bootstrap_ci(final) if np.isfinite(final).all() else (None, None)
            out.append(Measurement(claim, f"final-loss-{part}-{name}".replace(" ", ""),
                                   f"{name}: final training loss (start ≈ ln 10 = 2.30 for a network that knows nothing)",
                                   value=float(np.mean(final)), ci_low=lo, ci_high=hi, n_seeds=len(final)))
    return out


def figures(tables: dict, outdir) -> list[Figure]:
    from nnclaims.report import plotting as P
    from nnclaims.evidence import group_ci

    rec = tables["records"]
    out = []
    for claim, part, key, labels, title, file in (
            ("init-trains-deep", "init", "init", list(INITS), f"{RELU_LINEAR_LAYERS}-layer ReLU network", "deep_relu"),
            ("skip-connections", "skip", "residual", [False, True], f"{SKIP_HIDDEN}-hidden-layer sigmoid network",
             "skip")):
        fig, ax = P.plt.subplots(figsize=(6.4, 4.0))
        for i, label in enumerate(labels):
            r = rec[(rec["part"] == part) & (rec[key] == label)]
            s = group_ci(r, "step", "loss")
            name = label if part == "init" else ("residual" if label else "plain")
            P.band_ci(ax, s, "step", i=i, label=name, markevery=4)
        ax.axhline(np.log(10), **P.THEORY, label="ln 10: chance")
        ax.set_yscale("log")
        ax.set_xlabel("training step")
        ax.set_ylabel("training loss (cross-entropy, log)")
        ax.set_title(title)
        ax.legend(fontsize=8)
        caption = ("Training loss over steps, mean and 95% band over seeds. " +
                   ("He initialization lets the 30-layer ReLU network learn; with Xavier's or with std 0.01 the "
                    "signal vanishes on its way through the layers and the loss stays near chance (dashed)."
                    if part == "init" else
                    "The residual network learns; the plain one, whose first layers get almost no gradient, stays "
                    "near chance (dashed)."))
        out.append(Figure(P.save(fig, outdir, file), claim, main=True, caption=caption,
                          alt=f"Loss curves of the {title}: " + ", ".join(
                              ("residual" if lab is True else "plain" if lab is False else lab) for lab in labels)))
    return out
