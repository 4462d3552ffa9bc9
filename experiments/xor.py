"""xor-not-separable: no hyperplane separates XOR; one hidden layer does.

Expected (stated before running):
- exact: the LP's best step-unit margin on XOR is 0, and a Gordan certificate (weights
  lambda >= 0 on the four inputs under which the signed inputs cancel) proves that no
  hyperplane separates XOR; of the 16 labelings of the four inputs, the separable ones
  agree with XOR on at most 3 inputs;
- the perceptron rule, visiting the inputs in a fixed order for up to 1,000 epochs, never
  gets all four right and falls into a cycle of repeating weights. Four inputs have only
  24 visiting orders (protocol 1 drew 200 random ones): all 24 are run, each once;
- a 2-2-1 network (sigmoid hidden units, Xavier-normal weights, zero biases, full-batch
  gradient descent on cross-entropy, learning rate 1, 5,000 steps) gets all four right
  in a clear majority of seeds: the whole 95% interval of the success rate above 1/2.
  Widths 3, 4 and 8 are reported beside it: small nets sometimes stall.
Controls (each check must fail on a claim false by construction, and pass on one true by
construction): the same LP, certificate, labelings and perceptron on AND, which a
hyperplane does separate (negative), and on XNOR, XOR's complement, which no hyperplane
separates either (positive); for the 2-2-1 network, the same network without its
nonlinearity (identity hidden units), which cannot solve XOR, and a table in which every
seed succeeds.
"""

from __future__ import annotations

import itertools

import numpy as np

from nnclaims.evidence import Change, Check, Claim, Control, Figure, RunContext, where, wilson

CLAIMS = [
    Claim(
        id="xor-not-separable",
        title="No single perceptron computes XOR; one hidden layer does",
        statement=("No straight line (hyperplane) separates XOR's true inputs (0,1), (1,0) from its false "
                   "inputs (0,0), (1,1), so a single perceptron cannot learn XOR; a network with one hidden "
                   "layer of two units can."),
        section="A",
        reference=("Minsky and Papert (1969), Perceptrons; Rumelhart, Hinton and Williams (1986) trained a "
                   "2-2-1 network on XOR and noted that it occasionally stalls in a local minimum."),
        core=True,
    )
]
SEEDS = {"quick": 24, "full": 200}
WIDTHS = {"quick": (2, 4), "full": (2, 3, 4, 8)}
MLP = dict(steps=5000, lr=1.0, activation="sigmoid", init="xavier_normal")
PERCEPTRON_EPOCHS = 1000
LP_TOL = 1e-9


CONTROL_GATE = "AND"  # separable: every linear check must fail on it
TRUE_GATE = "XNOR"   # not separable either: every linear check must pass on it


def grid(profile: str) -> list[dict]:
    points = [{"part": part, "gate": g} for part in ("linear", "perceptron") for g in ("XOR", CONTROL_GATE, TRUE_GATE)]
    points += [{"part": "mlp", "width": w, "activation": MLP["activation"]} for w in WIDTHS[profile]]
    return points + [{"part": "mlp", "width": 2, "activation": "identity"}]  # the 2-2-1 net's negative control


def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    return {"linear": _linear, "perceptron": _perceptron, "mlp": _mlp}[point["part"]](point, ctx)


def _linear(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    from nnclaims.numeric.data import gate
    from nnclaims.numeric.separability import gordan_certificate, step_unit_lp

    X, y = gate(point["gate"])
    lp = step_unit_lp(X, y, bias=True)
    cert = gordan_certificate(X, y, bias=True)
    agreements = []
    for labels in itertools.product((0, 1), repeat=4):
        labels = np.array(labels)
        if step_unit_lp(X, labels, bias=True).feasible:
            agreements.append(int((labels == y).sum()))
    # No certificate exists for separable data: its residual is infinite, so the check fails.
    row = {"lp_margin": lp.margin, "certificate_residual": cert.residual if cert else float("inf"),
           "separable_labelings": len(agreements), "best_linear_correct": max(agreements)}
    row.update({f"lambda_{i + 1}": float(v) for i, v in enumerate(cert.weights if cert else [np.nan] * 4)})
    return {"linear": [row]}


def _perceptron(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    from nnclaims.numeric.data import gate
    from nnclaims.numeric.separability import predict, train_perceptron

    X, y = gate(point["gate"])
    rows, cycle = [], []
    for k, order in enumerate(itertools.permutations(range(4))):  # all 24 visiting orders: exact, no seeds
        r = train_perceptron(X, y, bias=True, max_epochs=PERCEPTRON_EPOCHS, order=np.array(order))
        rows.append({"order": "".join(map(str, order)), "converged": r.converged,
                     "best_correct": r.best_correct, "cycle_epochs": r.cycle_epochs or 0,
                     "epochs": r.epochs, "updates": r.updates, "w1": r.w[0], "w2": r.w[1], "b": r.b})
        if k == 0 and point["gate"] == "XOR":  # the states the first order keeps cycling through, for the figure
            cycle = [{"update": i, "w1": w[0], "w2": w[1], "b": b,
                      "correct": int((predict(X, w, b) == y).sum())} for i, (w, b) in enumerate(r.last_epoch)]
    return {"perceptron": rows, "cycle": cycle}


def _mlp(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    seeds, device = ctx.seeds, ctx.device
    import torch

    from nnclaims.numeric.data import gate
    from nnclaims.nn.models import MLPSpec
    from nnclaims.nn.training import Schedule, train

    X, y = gate("XOR")
    X, y = torch.tensor(X), torch.tensor(y, dtype=torch.float64)[:, None]
    spec = MLPSpec((2, point["width"], 1), activation=point["activation"], init=MLP["init"])
    result = train(spec, X, y, seeds, Schedule(MLP["steps"], MLP["lr"], loss="bce"),
                   dtype=torch.float64, device=device, engine=ctx.engine)
    with torch.no_grad():
        logits = result.net(X.to(device)).squeeze(-1).cpu()  # (S, 4)
    correct = ((logits > 0).double() == y.T).sum(dim=1)
    rows = [{"seed": s, "final_loss": float(result.final("loss")[i]), "correct": int(correct[i]),
             "success": bool(correct[i] == 4), "diverged": bool(result.diverged[i])}
            for i, s in enumerate(seeds)]
    nets = []
    if point["width"] == 2 and point["activation"] == MLP["activation"]:  # for the figure: regions, hidden layer
        for i, s in enumerate(seeds):
            params = result.net.seed_params(i)
            for kind in ("weight", "bias"):
                for layer, t in enumerate(params[kind]):
                    for idx, v in np.ndenumerate(t.numpy()):
                        nets.append({"seed": s, "kind": kind, "layer": layer,
                                     "index": ",".join(map(str, idx)), "value": float(v)})
    return {"records": rows, "nets": nets}


def _mlp_successes(tables: dict, width: int = 2, activation: str = MLP["activation"]):
    rows = where(tables["records"], width=width, activation=activation)
    return int(rows["success"].sum()), len(rows)


def checks(tables: dict) -> list[Check]:
    lin = where(tables["linear"], gate="XOR").iloc[0]
    per = where(tables["perceptron"], gate="XOR")
    k, n = _mlp_successes(tables)
    lam = ", ".join(f"{lin[f'lambda_{i}']:.3g}" for i in range(1, 5))
    return [
        Check("xor-not-separable", "lp-best-margin", "Best margin of any step unit (w, b) on XOR, by linear programming",
              value=lin["lp_margin"], comparator="<=", threshold=LP_TOL),
        Check("xor-not-separable", "gordan-certificate",
              f"Gordan certificate: |Σ λᵢ yᵢ (xᵢ, 1)| with λ = ({lam}); zero proves no separating hyperplane",
              value=lin["certificate_residual"], comparator="<=", threshold=1e-12),
        Check("xor-not-separable", "best-linear-accuracy",
              "Best accuracy on XOR of any linearly separable labeling of the four inputs",
              value=lin["best_linear_correct"] / 4, comparator="<=", threshold=0.75, theory=0.75),
        Check("xor-not-separable", "perceptron-never-solves",
              f"Most inputs the perceptron got right at any epoch, over all {len(per)} visiting orders "
              f"and up to {PERCEPTRON_EPOCHS} epochs", value=per["best_correct"].max(), comparator="<", threshold=4,
              unit="of 4"),
        Check("xor-not-separable", "perceptron-cycles",
              f"Share of the {len(per)} visiting orders in which the perceptron fell into an exactly repeating cycle "
              f"of weights", value=float((per["cycle_epochs"] > 0).mean()), comparator="==", threshold=1.0),
        Check.of("xor-not-separable", "mlp-2-hidden-majority",
                 f"Success rate (4/4 correct) of the 2-2-1 network over {n} seeds", wilson(k, n), ">", 0.5),
    ]


def controls(tables: dict) -> list[Control]:
    import pandas as pd

    linear, per, rec = tables["linear"], tables["perceptron"], tables["records"]
    separable = {"linear": where(linear, gate=CONTROL_GATE).assign(gate="XOR"),
                 "perceptron": where(per, gate=CONTROL_GATE).assign(gate="XOR")}
    why_and = f"{CONTROL_GATE} instead of XOR: one hyperplane separates it"
    out = [Control(c, "negative", separable, why_and) for c in
           ("lp-best-margin", "gordan-certificate", "best-linear-accuracy", "perceptron-never-solves",
            "perceptron-cycles")]
    inseparable = {"linear": where(linear, gate=TRUE_GATE).assign(gate="XOR"),
                   "perceptron": where(per, gate=TRUE_GATE).assign(gate="XOR")}
    out += [Control(c, "positive", inseparable, f"{TRUE_GATE}, XOR's complement: no hyperplane separates it either")
            for c in ("lp-best-margin", "gordan-certificate", "best-linear-accuracy", "perceptron-never-solves",
                      "perceptron-cycles")]
    plain = rec["activation"] == MLP["activation"]
    linear_net = rec[~plain].assign(activation=MLP["activation"])
    out += [Control("mlp-2-hidden-majority", "negative", {"records": pd.concat([rec[plain & (rec["width"] != 2)], linear_net])},
                    "the same 2-2-1 network without a nonlinearity (identity hidden units): it cannot solve XOR"),
            Control("mlp-2-hidden-majority", "positive", {"records": rec.assign(success=True)},
                    "every seed succeeds")]
    return out


CHANGES = [
    Change("perceptron-never-solves", "perceptron-never-solves",
           "Four inputs have only 24 visiting orders: protocol 1 drew 200 random orders (repeating each about eight "
           "times); protocol 2 runs each of the 24 once, so the check is exact."),
    Change("perceptron-cycles", "perceptron-cycles",
           "All 24 visiting orders, each once, instead of 200 random draws of them."),
]


def _net(nets, seed) -> tuple[list[np.ndarray], list[np.ndarray]]:
    rows = nets[nets["seed"] == seed]
    params = {}
    for (kind, layer), g in rows.groupby(["kind", "layer"]):
        idx = [tuple(int(i) for i in str(s).split(",")) for s in g["index"]]
        shape = tuple(max(i[d] for i in idx) + 1 for d in range(len(idx[0])))
        arr = np.zeros(shape)
        for i, v in zip(idx, g["value"]):
            arr[i] = v
        params[(kind, layer)] = arr
    layers = sorted({layer for _, layer in params})
    return [params[("weight", l)] for l in layers], [params[("bias", l)] for l in layers]


def figures(tables: dict, outdir) -> list[Figure]:
    from nnclaims.report import plotting as P
    from nnclaims.numeric.data import gate
    from nnclaims.numeric.reference import forward

    X, y = gate("XOR")
    per, mlp, nets = where(tables["perceptron"], gate="XOR"), where(tables["records"], activation=MLP["activation"]), tables["nets"]
    w2 = mlp[mlp["width"] == 2]
    good = w2[w2["success"]]["seed"]
    fig, axes = P.plt.subplots(1, 4, figsize=(14, 3.7))

    def points(ax, XX, title):
        for label, face in ((0, "white"), (1, P.color(0))):
            m = y == label
            ax.scatter(XX[m, 0], XX[m, 1], s=80, facecolors=face, edgecolors=P.color(0), linewidths=1.5,
                       zorder=3, label=f"XOR = {label}")
        ax.set_title(title, fontsize=10)

    # (a) the boundaries the perceptron cycles through
    ax = axes[0]
    cycle = tables["cycle"]
    first = per.iloc[0]
    points(ax, X, f"Perceptron: the {len(cycle)} states it cycles\nthrough (order {first['order']})")
    xs = np.linspace(-0.5, 1.5, 2)
    for k, st in cycle.iterrows():
        last = k == len(cycle) - 1
        style = dict(color=P.color(1), alpha=1.0 if last else 0.35, linewidth=2 if last else 1,
                     label=f"last boundary ({st['correct']}/4 right)" if last else None)
        if abs(st["w2"]) > 1e-12:
            ax.plot(xs, -(st["w1"] * xs + st["b"]) / st["w2"], **style)
        elif abs(st["w1"]) > 1e-12:
            ax.axvline(-st["b"] / st["w1"], **style)
    ax.set_xlim(-0.5, 1.5), ax.set_ylim(-0.5, 1.5), ax.set_xlabel("x₁"), ax.set_ylabel("x₂")
    ax.legend(fontsize=7, loc="upper right")

    if len(good):
        W, B = _net(nets, int(good.iloc[0]))
        # (b) decision regions of a successful 2-2-1 network
        ax = axes[1]
        g = np.linspace(-0.5, 1.5, 201)
        gx, gy = np.meshgrid(g, g)
        logits, _, _ = forward(W, B, np.c_[gx.ravel(), gy.ravel()], "sigmoid")
        ax.contourf(gx, gy, (logits.reshape(gx.shape) > 0).astype(float), levels=[-0.5, 0.5, 1.5],
                    colors=["#f2f2f2", "#cfe3f3"])
        ax.contour(gx, gy, logits.reshape(gx.shape), levels=[0], colors=[P.color(1)])
        points(ax, X, f"2-2-1 network (seed {int(good.iloc[0])}):\ndecision regions")
        ax.set_xlabel("x₁"), ax.set_ylabel("x₂")
        # (c) the hidden layer's picture of the four inputs, now separable
        ax = axes[2]
        _, _, posts = forward(W, B, X, "sigmoid")
        H = posts[1]
        points(ax, H, "Hidden layer's view:\nthe four inputs, now separable")
        w, b = W[1][0], B[1][0]
        hs = np.linspace(0, 1, 2)
        if abs(w[1]) > 1e-12:
            ax.plot(hs, -(w[0] * hs + b) / w[1], color=P.color(1), label="output unit's boundary")
        ax.set_xlim(-0.05, 1.05), ax.set_ylim(-0.05, 1.05)
        ax.set_xlabel("hidden unit 1"), ax.set_ylabel("hidden unit 2")
        ax.legend(fontsize=7, loc="best")
    # (d) success rate against width
    ax = axes[3]
    rates = []
    for width, g in mlp.groupby("width"):
        k, n = int(g["success"].sum()), len(g)
        ci = wilson(k, n)
        rates.append((width, k / n, ci.low, ci.high, n))
    rates = np.array(rates)
    ax.errorbar(rates[:, 0], rates[:, 1], yerr=[rates[:, 1] - rates[:, 2], rates[:, 3] - rates[:, 1]],
                marker="o", color=P.color(0), capsize=4)
    ax.axhline(0.5, **P.THEORY)
    ax.set_xscale("log", base=2)
    ax.set_xticks(rates[:, 0], [str(int(w)) for w in rates[:, 0]])
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("hidden units")
    ax.set_ylabel("success rate (4/4 correct)")
    ax.set_title(f"Success rate, 95% interval\n({int(rates[0, 4])} seeds per width)", fontsize=10)
    fig.tight_layout()
    summary = ", ".join(f"width {int(w)}: {r:.0%}" for w, r, *_ in rates)
    return [Figure(P.save(fig, outdir, "xor"), "xor-not-separable", main=True,
                   caption=("(a) The boundaries the perceptron moves through in one epoch (faint) and the last one "
                            "(bold): the weights return to where the epoch began, so it cycles forever, and every "
                            "state misclassifies at least one input (a state with w = 0 draws no line). (b) A trained 2-2-1 network carves the "
                            "plane into regions that put (0,1) and (1,0) together. (c) Its hidden layer maps the four "
                            "inputs to points that one line, the output unit, does separate. (d) How often training "
                            f"succeeds, by hidden width ({summary}); the dashed line is 1/2."),
                   alt=("Four panels: the XOR points with a perceptron line that misclassifies one; a network's "
                        "curved decision regions separating them; the hidden-layer images of the points separated "
                        f"by a line; and the training success rate by hidden width: {summary}."))]
