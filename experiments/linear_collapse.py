"""linear-collapse: stacked linear layers are one linear map.

Expected (stated before running):
- for random stacks of affine layers of depth 2..50 (float64, random widths 2..16), the
  single map (W_L ... W_1, and the composed bias) reproduces the stack's output to
  round-off: largest error relative to the output's scale below 1e-12;
- a deep purely linear network (2-8-8-8-8-1, Xavier init, Adam lr 0.01, 3,000 full-batch
  steps on mean squared error) trained on XOR ends at the best linear solution, whose
  loss is exactly 0.25 (predict 1/2 everywhere): its loss never goes below 0.25 and its
  mean final loss lies within 1% of 0.25; the same network with tanh units solves XOR
  (4/4) in a clear majority of seeds (the whole 95% interval above 1/2).
Interval methods (protocol 2, rule 2): the mean gap gets a Student t interval (BCa when far
from normal; protocol 1 used a percentile bootstrap), the success rate a Wilson interval.
Controls: the identity check must fail for the same stacks with tanh between the layers
(no longer linear) and pass on errors of one machine epsilon; "never beats linear" must
fail for the tanh net (which beats the best linear loss) and pass on the linear net's
loss at initialization (above 0.25, as any linear map's); "at the optimum" must fail for
the linear net at initialization (not there yet) and pass on losses exactly at 0.25; the
success rate must fail for the linear net (it never solves XOR) and pass when every seed
succeeds.
"""

from __future__ import annotations

import numpy as np

from nnclaims.evidence import Change, Check, Claim, Control, RunContext, Sentence, mean_ci, where, wilson
from nnclaims.report.figures import From, Line, curves as curves_panel, drawer, figure, lines, rows_of

CLAIMS = [
    Claim(
        id="linear-collapse",
        title="Without a nonlinearity, stacked layers collapse into one linear map",
        statement=("Layers without an activation function compose to a single linear (affine) map, "
                   "W₂(W₁x) = (W₂W₁)x, however many are stacked; so a deep network without nonlinearities "
                   "can do no more than one layer, and cannot learn XOR."),
        section="A",
        # No protocol-3 text: the sentence of catalogue section A, its decisive words as the catalogue gives them.
        sentences=(Sentence("003", "why activation functions are needed",
                            "Stacked layers without a nonlinearity multiply out to a single linear map.",
                            ("one linear map",), words="catalogue"),),
    )
]
SEEDS = {"quick": 8, "full": 50}
DEPTHS = {"quick": [2, 5, 10, 20, 50], "full": [2, 3, 5, 10, 20, 30, 40, 50]}
ROUNDOFF = 1e-12
DEEP = dict(sizes=(2, 8, 8, 8, 8, 1), init="xavier_normal", steps=3000, lr=0.01, optimizer="adam")
BEST_LINEAR_MSE = 0.25  # least squares on XOR: w = 0, b = 1/2


EARLY = 0  # the "not at the optimum" negative control: the linear net's loss at initialization


def grid(profile: str) -> list[dict]:
    stacks = [{"part": "stack", "depth": d, "activation": a} for a in ("identity", "tanh") for d in DEPTHS[profile]]
    return stacks + [{"part": "xor", "activation": a} for a in ("identity", "tanh")]


def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    return _stack(point, ctx) if point["part"] == "stack" else _xor(point, ctx)


def _stack(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    seeds, device = ctx.seeds, ctx.device
    import torch

    from nnclaims.nn.batched import BatchedNet
    from nnclaims.nn.models import MLPSpec
    from nnclaims.numeric.seeding import numpy_rng, torch_generator

    rows = []
    for seed in seeds:
        rng = numpy_rng(seed, f"widths-{point['depth']}")
        sizes = rng.integers(2, 17, size=point["depth"] + 1)
        spec = MLPSpec(sizes, activation=point["activation"], init="xavier_normal", bias_std=0.1)
        net = BatchedNet.init(spec, [seed], dtype=torch.float64, device=device)
        x = torch.randn(256, sizes[0], generator=torch_generator(seed, "inputs"), dtype=torch.float64)
        stack = net(x.to(device))[0].cpu().numpy()
        p = net.seed_params(0)
        W, b = np.eye(sizes[0]), np.zeros(sizes[0])
        for w_l, b_l in zip(p["weight"], p["bias"]):  # compose: x -> w_l (W x + b) + b_l
            W, b = w_l.numpy() @ W, w_l.numpy() @ b + b_l.numpy()
        single = x.numpy() @ W.T + b
        scale = np.abs(stack).max()
        rows.append({"seed": seed, "widths": "-".join(map(str, sizes)),
                     "max_rel_error": float(np.abs(stack - single).max() / scale), "output_scale": float(scale)})
    return {"stacks": rows}


def _xor(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    seeds, device = ctx.seeds, ctx.device
    import torch

    from nnclaims.numeric.data import gate
    from nnclaims.nn.models import MLPSpec
    from nnclaims.nn.training import Schedule, train

    X, y = gate("XOR")
    X, y = torch.tensor(X), torch.tensor(y, dtype=torch.float64)[:, None]
    spec = MLPSpec(DEEP["sizes"], activation=point["activation"], init=DEEP["init"])
    result = train(spec, X, y, seeds, Schedule(DEEP["steps"], DEEP["lr"], optimizer=DEEP["optimizer"],
                                               loss="mse", record_every=50),
                   dtype=torch.float64, device=device, engine=ctx.engine)
    with torch.no_grad():
        out = result.net(X.to(device)).squeeze(-1).cpu()
    correct = ((out > 0.5).double() == y.T).sum(dim=1)
    curves = result.tidy(["loss"])
    final = [{"seed": s, "final_loss": float(result.final("loss")[i]),
              "min_loss": float(result.history["loss"][:, i].min()), "correct": int(correct[i]),
              "success": bool(correct[i] == 4), "diverged": bool(result.diverged[i])}
             for i, s in enumerate(seeds)]
    return {"records": final, "curves": curves}


def checks(tables: dict) -> list[Check]:
    stacks = where(tables["stacks"], activation="identity")
    rec = tables["records"]
    lin, tanh = where(rec, activation="identity"), where(rec, activation="tanh")
    gap = ((lin["final_loss"] - BEST_LINEAR_MSE) / BEST_LINEAR_MSE).to_numpy()
    k, n = int(tanh["success"].sum()), len(tanh)
    return [
        Check("linear-collapse", "stack-equals-product",
              f"Largest error of the single product map relative to the output scale, over "
              f"{len(stacks)} random stacks of depth {stacks['depth'].min()}–{stacks['depth'].max()} (float64)",
              value=stacks["max_rel_error"].max(), comparator="<", threshold=ROUNDOFF),
        Check("linear-collapse", "linear-net-never-beats-linear",
              "Lowest loss the deep linear network reached on XOR at any recorded step, any seed "
              "(the best linear map's loss is 0.25)",
              value=lin["min_loss"].min(), comparator=">=", threshold=BEST_LINEAR_MSE - 1e-9,
              theory=BEST_LINEAR_MSE, n_seeds=len(lin)),
        Check.of("linear-collapse", "linear-net-at-linear-optimum",
                 "Relative gap between the deep linear network's final loss and the best linear loss 0.25",
                 mean_ci(gap), "<=", 0.01, basis="supporting"),  # agreement with the least-squares optimum
        Check.of("linear-collapse", "nonlinear-net-solves-xor",
                 f"Success rate (4/4 correct) of the same network with tanh units over {n} seeds", wilson(k, n), ">", 0.5),
    ]


def controls(tables: dict) -> list[Control]:
    stacks, rec, curves = tables["stacks"], tables["records"], tables["curves"]
    tanh_stacks = where(stacks, activation="tanh").assign(activation="identity")
    tanh_as_linear = rec.assign(activation=rec["activation"].replace({"tanh": "identity", "identity": "tanh"}))
    early = where(curves, activation="identity", step=EARLY).set_index("seed")["loss"]
    lin = rec["activation"] == "identity"
    not_there = rec.copy()
    not_there.loc[lin, "final_loss"] = rec.loc[lin, "seed"].map(early).to_numpy()
    exact = stacks.assign(max_rel_error=np.where(stacks["activation"] == "identity", np.finfo(float).eps,
                                                 stacks["max_rel_error"]))
    at_start = rec.copy()
    at_start.loc[lin, "min_loss"] = rec.loc[lin, "seed"].map(early).to_numpy()
    at_optimum = rec.copy()
    at_optimum.loc[lin, "final_loss"] = BEST_LINEAR_MSE
    return [
        Control("stack-equals-product", "positive", {"stacks": exact}, "every stack off by one machine epsilon"),
        Control("stack-equals-product", "negative", {"stacks": tanh_stacks}, "tanh between the layers: not linear"),
        Control("linear-net-never-beats-linear", "positive", {"records": at_start},
                "the linear network's loss at initialization, above 0.25 as any linear map's is"),
        Control("linear-net-never-beats-linear", "negative", {"records": tanh_as_linear},
                "the tanh network in place of the linear one"),
        Control("linear-net-at-linear-optimum", "positive", {"records": at_optimum},
                "every linear network exactly at the best linear loss"),
        Control("linear-net-at-linear-optimum", "negative", {"records": not_there},
                "the linear network's loss at initialization, before any training"),
        Control("nonlinear-net-solves-xor", "positive", {"records": rec.assign(success=True)}, "every seed succeeds"),
        Control("nonlinear-net-solves-xor", "negative", {"records": tanh_as_linear},
                "the linear network in place of the tanh one: it cannot solve XOR"),
    ]


CHANGES = [
    Change("linear-net-at-linear-optimum", "linear-net-at-linear-optimum",
           "The interval of the mean gap over seeds is now a Student t interval (protocol 1: a percentile bootstrap); "
           "the threshold is unchanged."),
]


CAPTION = (
    "Left: for random stacks of up to 50 affine layers, the single composed map reproduces the stack's output to "
    "within a few machine epsilons. Right: trained on XOR, the deep network without nonlinearities settles exactly on "
    "the best linear loss, 0.25 (dashed), while the same network with tanh units drives the loss towards zero. Bands: "
    "95% intervals over seeds.")
ALT = ("Left: relative errors between 1e-16 and 1e-14 for all depths, far below 1e-12. Right: loss curves; the linear "
       "network's flattens at 0.25, the tanh network's falls towards 0.")


FIGURES = [figure("linear_collapse", "linear-collapse", main=True, caption=CAPTION, alt=ALT, size=(10, 3.8), panels=[
    lines(From(lambda T: where(T["stacks"], activation="identity").assign(
              error=lambda s: s["max_rel_error"].clip(lower=1e-18))),
          "depth", "error", scatter=True, ylog=True, labels="one random stack",
          threshold=[Line(ROUNDOFF, "threshold 10⁻¹²", theory=True),
                     Line(np.finfo(float).eps, "float64 machine epsilon")],
          xlabel="number of stacked linear layers", ylabel="max |stack − product map| / output scale",
          title="A linear stack is one matrix"),
    curves_panel(rows_of("curves"), "step", "loss", group="activation", order=["identity", "tanh"], markevery=10,
                 labels={"identity": "no nonlinearity (identity)", "tanh": "tanh units"}, ylog=True,
                 threshold=Line(BEST_LINEAR_MSE, "best linear map: 0.25", theory=True), xlabel="training step",
                 ylabel="mean squared error on XOR (log scale)", title="Deep network 2-8-8-8-8-1 on XOR")])]
figures = drawer(FIGURES)
