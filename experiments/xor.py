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

xor-hidden-separable (Protocol 3, new claim, amendment P3-2). Expected: a constructed
2-2-1 network (step units OR and AND with integer weights) maps XOR's four inputs to
hidden codes that one line separates, decided exactly (an LP, confirmed by rational
weights or refuted by a summable witness); negative control: the raw inputs (no hidden
layer: not separable); positive control: codes that are XOR itself. Measurements: the
share of trained 2-2-1 nets (this run's, all seeds) whose hidden codes are separable at
initialization and after training, with Wilson intervals.
"""

from __future__ import annotations

import itertools

import numpy as np

from nnclaims.evidence import Change, Check, Claim, Control, Figure, Measurement, RunContext, Sentence, where, wilson

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
        # No protocol-3 text: the sentence of catalogue section A, its decisive words as the catalogue gives them.
        sentences=(Sentence("003", "the perceptron and XOR",
                            "No straight line separates XOR's true inputs from its false ones, so one perceptron "
                            "cannot learn it, while a network with one hidden layer can.",
                            ("No single hyperplane", "cannot learn it", "one hidden layer can"), words="catalogue"),),
    ),
    Claim(
        id="xor-hidden-separable",
        title="A hidden layer maps XOR into a space where it is linearly separable",
        statement=("The hidden layer of a 2-2-1 network can map XOR's four inputs to points that one line separates, "
                   "which the output unit then does."),
        section="A",
        reference="Protocol 3, new claim (amendment P3-2: an existence sentence, decided by a construction).",
        sentences=(Sentence("003", "XOR and the hidden layer",
                            "A hidden layer can map XOR to a space where one line separates it.",
                            ("becomes linearly separable",)),),
    ),
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
    points += [{"part": "hidden"}]  # xor-hidden-separable's construction and its controls
    return points + [{"part": "mlp", "width": 2, "activation": "identity"}]  # the 2-2-1 net's negative control


def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    return {"linear": _linear, "perceptron": _perceptron, "mlp": _mlp, "hidden": _hidden}[point["part"]](point, ctx)


# The constructed 2-2-1 network's hidden layer: step units with integer weights, an OR unit
# (2 x1 + 2 x2 - 1 > 0) and an AND unit (2 x1 + 2 x2 - 3 > 0); its output unit h1 - h2
# computes XOR. Integer weights keep the hidden codes, and so the decision, exact.
CONSTRUCTED_W, CONSTRUCTED_B = np.array([[2, 2], [2, 2]]), np.array([-1, -3])
# Hidden codes of the four inputs: the constructed layer's, the raw inputs (the negative
# control: no hidden layer) and codes that are XOR itself (the positive control).
HIDDEN_CODES = {
    "constructed": lambda X: (X @ CONSTRUCTED_W.T + CONSTRUCTED_B > 0),
    "raw inputs": lambda X: X,
    "xor itself": lambda X: np.c_[X[:, 0] != X[:, 1], np.zeros(len(X))],
}


def _hidden(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    from nnclaims.numeric.data import gate
    from nnclaims.numeric.separability import step_unit_lp
    from nnclaims.numeric.threshold import computable

    X, y = gate("XOR")
    rows = []
    for kind, codes in HIDDEN_CODES.items():
        H = np.asarray(codes(np.asarray(X, dtype=np.int64)), dtype=np.int64)
        rows.append({"codes": kind, "separable": bool(computable(H, np.asarray(y, dtype=bool))),
                     "lp_margin": step_unit_lp(H.astype(float), np.asarray(y), bias=True).margin,
                     "points": "; ".join(f"({a}, {b})" for a, b in H)})
    return {"hidden": rows}


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
    nets, init_nets = [], []
    if point["width"] == 2 and point["activation"] == MLP["activation"]:  # the figure; xor-hidden-separable
        from nnclaims.nn.models import init_params

        for i, s in enumerate(seeds):
            nets += _param_rows(result.net.seed_params(i), s)
            init_nets += _param_rows(init_params(spec, s), s)  # the very weights training started from
    return {"records": rows, "nets": nets, "init_nets": init_nets}


def _param_rows(params: dict, seed: int) -> list[dict]:
    return [{"seed": seed, "kind": kind, "layer": layer, "index": ",".join(map(str, idx)), "value": float(v)}
            for kind in ("weight", "bias") for layer, t in enumerate(params[kind])
            for idx, v in np.ndenumerate(t.numpy())]


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
              f"of weights", value=float((per["cycle_epochs"] > 0).mean()), comparator="==", threshold=1.0,
              basis="supporting"),  # the perceptron cycling theorem: a mechanism, not the sentence
        Check.of("xor-not-separable", "mlp-2-hidden-majority",
                 f"Success rate (4/4 correct) of the 2-2-1 network over {n} seeds", wilson(k, n), ">", 0.5),
        Check("xor-hidden-separable", "constructed-hidden-separable",
              "The constructed 2-2-1 network's hidden codes of XOR's inputs (OR and AND units) are linearly "
              "separable: 1 = yes, by an exact certificate",
              value=int(where(tables["hidden"], codes="constructed")["separable"].iloc[0]), comparator="==",
              threshold=1),
    ]


def plain_reasons(tables: dict) -> dict[str, str]:
    """The reason a student reads first on the index (the numbers with their intervals are on
    the claim's page)."""
    lin = where(tables["linear"], gate="XOR").iloc[0]
    per = where(tables["perceptron"], gate="XOR")
    k, n = _mlp_successes(tables)
    separable = bool(where(tables["hidden"], codes="constructed")["separable"].iloc[0])
    return {
        "xor-not-separable": (f"The best straight line gets {int(lin['best_linear_correct'])} of XOR's 4 points right; "
                              f"the perceptron never got more than {int(per['best_correct'].max())} right in any of "
                              f"its {len(per)} visiting orders; a network with 2 hidden units solved XOR in {k} of "
                              f"{n} seeds."),
        "xor-hidden-separable": ("The hand-built 2-2-1 network's hidden layer " +
                                 ("maps XOR's four points to where one line separates them." if separable else
                                  "leaves XOR's four points where no line separates them.")),
    }


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
    hidden = tables["hidden"]
    for kind, sign in (("xor itself", "positive"), ("raw inputs", "negative")):
        swapped = where(hidden, codes=kind).assign(codes="constructed")
        out.append(Control("constructed-hidden-separable", sign, {"hidden": swapped},
                           f"the {kind} in place of the hidden codes"))
    return out


def measurements(tables: dict) -> list[Measurement]:
    """Whether the 2-2-1 nets' hidden codes of XOR's inputs are linearly separable, at
    initialization and after training, over all seeds (a net solves XOR only if its output
    unit separates its hidden codes, so "after training" restates success; the contrast
    with initialization is what training did), and the constructed layer's LP margin."""
    from nnclaims.numeric.data import gate
    from nnclaims.numeric.reference import forward
    from nnclaims.numeric.separability import step_unit_lp

    X, y = gate("XOR")
    seeds = [int(s) for s in where(tables["records"], width=2, activation=MLP["activation"])["seed"]]
    out = []
    for when, table in (("initialization", "init_nets"), ("training", "nets")):
        k = 0
        for seed in seeds:
            W, B = _net(tables[table], seed)
            _, _, posts = forward(W, B, X, MLP["activation"])
            k += bool(step_unit_lp(posts[1], np.asarray(y), bias=True).feasible)
        out.append(Measurement.of("xor-hidden-separable", f"separable-after-{when}",
                                  f"share of the 2-2-1 nets whose hidden codes one line separates, after {when} "
                                  f"(LP margin > 1e-9, float)", wilson(k, len(seeds)),
                                  note="the xor-not-separable run's 2-2-1 networks (width 2, sigmoid), all seeds"))
    margin = where(tables["hidden"], codes="constructed")["lp_margin"].iloc[0]
    out.append(Measurement("xor-hidden-separable", "constructed-lp-margin",
                           "LP margin of the constructed hidden codes (step units, boxed weights)", value=margin))
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


def analysis(tables: dict) -> dict:
    """XOR's inputs, the perceptron's cycle of boundaries, a successful 2-2-1 network's
    decision regions and hidden codes, and the success rate by width."""
    import pandas as pd

    from nnclaims.evidence.summaries import shares
    from nnclaims.numeric.data import gate
    from nnclaims.numeric.reference import forward

    X, y = gate("XOR")
    mlp = where(tables["records"], activation=MLP["activation"])
    cycle = tables["cycle"].reset_index(drop=True)
    out = {"xor_points": pd.DataFrame({"x1": X[:, 0], "x2": X[:, 1], "xor": y.astype(int)}),
           "cycle_lines": cycle.assign(faint=cycle.index < len(cycle) - 1,
                                       label=[f"last boundary ({c}/4 right)" for c in cycle["correct"]])[
               ["w1", "w2", "b", "faint", "label"]],
           "success": shares(mlp, "width", "success")}
    good = mlp[(mlp["width"] == 2) & mlp["success"].astype(bool)]["seed"]
    if len(good):
        W, B = _net(tables["nets"], int(good.iloc[0]))
        g = np.linspace(-0.5, 1.5, 201)
        gx, gy = np.meshgrid(g, g)
        logits, _, _ = forward(W, B, np.c_[gx.ravel(), gy.ravel()], "sigmoid")
        H = forward(W, B, X, "sigmoid")[2][1]
        out.update({"regions": pd.DataFrame({"x1": gx.ravel(), "x2": gy.ravel(), "value": logits.ravel(),
                                              "seed": int(good.iloc[0])}),
                    "hidden_points": pd.DataFrame({"h1": H[:, 0], "h2": H[:, 1], "xor": y.astype(int)}),
                    "hidden_line": pd.DataFrame([{"w1": W[1][0][0], "w2": W[1][0][1], "b": B[1][0],
                                                  "label": "output unit's boundary"}])})
    return out


def figures(tables: dict, outdir) -> list[Figure]:
    from nnclaims.report.figures import Line, draw, figure, plane, regime

    T, order = tables, where(tables["perceptron"], gate="XOR").iloc[0]["order"]
    rates = T["success"]
    summary = ", ".join(f"width {int(w)}: {r:.0%}" for w, r in zip(rates["width"], rates["estimate"]))
    pts = dict(names="XOR = {}", xlabel="x₁", ylabel="x₂")
    panels = [plane(T["xor_points"], "x1", "x2", "xor", lines=T["cycle_lines"], **pts,
                    title=f"Perceptron: the {len(T['cycle_lines'])} states it cycles\nthrough (order {order})")]
    if "regions" in T:
        panels += [plane(T["xor_points"], "x1", "x2", "xor", regions=T["regions"], legend=False, **pts,
                         title=f"2-2-1 network (seed {int(T['regions']['seed'].iloc[0])}):\ndecision regions"),
                   plane(T["hidden_points"], "h1", "h2", "xor", lines=T["hidden_line"], names="XOR = {}",
                         lim=(-0.05, 1.05), xlabel="hidden unit 1", ylabel="hidden unit 2",
                         title="Hidden layer's view:\nthe four inputs, now separable")]
    panels.append(regime(rates, "width", connect=True, threshold=Line(0.5, theory=True), xscale={"value": "log", "base": 2},
                         xticks=list(rates["width"]), xticklabels=[str(int(w)) for w in rates["width"]], ylim=(0, 1.05),
                         xlabel="hidden units", ylabel="success rate (4/4 correct)", legend=False,
                         title=f"Success rate, 95% interval\n({int(rates['n'].iloc[0])} seeds per width)"))
    return draw(outdir, [figure("xor", "xor-not-separable", main=True, caption=CAPTION.format(summary),
                                alt=ALT.format(summary), size=(14, 3.7), ncols=4, panels=panels)])


CAPTION = (
    "(a) The boundaries the perceptron moves through in one epoch (faint) and the last one (bold): the weights return "
    "to where the epoch began, so it cycles forever, and every state misclassifies at least one input (a state with w "
    "= 0 draws no line). (b) A trained 2-2-1 network carves the plane into regions that put (0,1) and (1,0) together. "
    "(c) Its hidden layer maps the four inputs to points that one line, the output unit, does separate. (d) How often "
    "training succeeds, by hidden width ({}); the dashed line is 1/2.")
ALT = ("Four panels: the XOR points with a perceptron line that misclassifies one; a network's curved decision regions "
       "separating them; the hidden-layer images of the points separated by a line; and the training success rate by "
       "hidden width: {}.")
