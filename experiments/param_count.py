"""param-count: how many weights and biases the chapter's networks have.

Expected (stated before running): 784-16-16-10 has 784*16+16 + 16*16+16 + 16*10+10 =
13,002 parameters ("about 13,000"); 784-256-128-10 has 235,146. Exact checks: the count
from the layer sizes, the count on the built torch model, and the count on the batched
engine's stacked parameters must all equal the stated numbers.
Controls: each count must fail when the biases are left out (12,960 and 234,752: the
mistake of counting only the weight matrices) and pass on the count worked out by hand,
layer by layer.
"""

from __future__ import annotations

from nnclaims.evidence import Check, Claim, Control, RunContext, Sentence
from nnclaims.report.figures import From, bars, drawer, figure, rows_of

CLAIMS = [
    Claim(
        id="param-count",
        title="The 784-16-16-10 MNIST network has 13,002 parameters",
        statement=("A fully connected network with layers of 784, 16, 16 and 10 units has 13,002 weights "
                   "and biases (about 13,000); the wider 784-256-128-10 network has 235,146."),
        section="A",
        # No protocol-3 text: the count as catalogue section A quotes it.
        sentences=(Sentence("001", "the 784-16-16-10 network",
                            "The digit-reading network of 784, 16, 16 and 10 units has about thirteen thousand "
                            "weights and biases.", ("about 13,000",), words="catalogue"),),
    )
]
SEEDS = {"quick": 1, "full": 1}  # exact: no randomness involved
STATED = {"784-16-16-10": 13_002, "784-256-128-10": 235_146}


def grid(profile: str) -> list[dict]:
    return [{"network": name, "stated": count} for name, count in STATED.items()]


def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    import torch

    from nnclaims.nn.batched import BatchedNet
    from nnclaims.nn.models import MLPSpec, build_mlp, mlp_param_count

    sizes = [int(s) for s in point["network"].split("-")]
    model = build_mlp(sizes, activation="sigmoid", init="xavier_normal")
    net = BatchedNet.init(MLPSpec(sizes, activation="sigmoid", init="xavier_normal"), ctx.seeds, device=ctx.device)
    layers = [{"layer": i + 1, "fan_in": a, "fan_out": b, "weights": a * b, "biases": b}
              for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]))]
    total = {"formula": mlp_param_count(sizes),
             "torch_model": sum(p.numel() for p in model.parameters()),
             "batched_engine": sum(p[0].numel() for p in net.parameters()),
             "weights_only": sum(lin.weight.numel() for lin in model.linears),  # the negative control's count
             "torch_version": torch.__version__}
    return {"records": [total], "layers": layers}


def checks(tables: dict) -> list[Check]:
    totals = tables["records"].set_index("network")
    out = []
    for network, stated in STATED.items():
        row = totals.loc[network]
        for source in SOURCES:
            label = {"formula": "from the layer sizes", "torch_model": "on the built torch model",
                     "batched_engine": "on the batched engine's parameters"}[source]
            out.append(Check("param-count", f"{network}-{source}", f"{network}: parameters counted {label}",
                             value=row[source], comparator="==", threshold=stated, unit="parameters"))
    return out


SOURCES = ("formula", "torch_model", "batched_engine")


def plain_reasons(tables: dict) -> dict[str, str]:
    """The reason a student reads first on the index."""
    totals = tables["records"].set_index("network")
    parts = []
    for network, stated in STATED.items():
        counts = sorted({int(totals.loc[network, source]) for source in SOURCES})
        parts.append(f"the {network} network has {' or '.join(f'{c:,}' for c in counts)} parameters "
                     f"(stated: {stated:,})")
    return {"param-count": "Counted three ways, " + "; ".join(parts) + "."}


def controls(tables: dict) -> list[Control]:
    rec = tables["records"]
    no_biases = rec.assign(**{source: rec["weights_only"] for source in SOURCES})
    by_hand = rec.assign(**{source: rec["network"].map(_by_hand) for source in SOURCES})
    out = []
    for network in STATED:
        for source in SOURCES:
            check = f"{network}-{source}"
            out += [Control(check, "positive", {"records": by_hand}, "the count worked out by hand, layer by layer"),
                    Control(check, "negative", {"records": no_biases}, "biases left out of the count")]
    return out


def _by_hand(network: str) -> int:
    """Weights and biases of each layer, fan_in * fan_out + fan_out, summed: written out here
    apart from the library's formula, so the positive control does not lean on the code it checks."""
    sizes = [int(s) for s in network.split("-")]
    total = 0
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        total += fan_in * fan_out + fan_out
    return total


def analysis(tables: dict) -> dict:
    """Each layer named by its shape, for the bars."""
    layers = tables["layers"]
    return {"layer_bars": layers.assign(layer=[f"{int(a)}→{int(b)}" for a, b in zip(layers["fan_in"], layers["fan_out"])])}


def _layer_totals(tables: dict) -> str:
    """Each network's parameters per layer, for the alt text."""
    return "; ".join(f"{n}: " + ", ".join(f"{int(w + b):,}" for w, b in zip(g["weights"], g["biases"]))
                     for n, g in tables["layer_bars"].groupby("network", sort=False))


FIGURES = [figure(
    "parameters_per_layer", "param-count", main=True, size=(9, 3.6),
    caption=("Weights (solid) and biases (hatched) per layer. The first layer holds almost all parameters: 784 "
             "inputs times the width of the first hidden layer."),
    alt=From(lambda T: "Bar charts of parameters per layer on a log scale. " + _layer_totals(T)),
    panels=[bars(rows_of("layer_bars", network=n), "layer", ["weights", "biases"], ylog=True, legend=not i,
                 xlabel="layer (inputs → units)", ylabel="parameters (log scale)", title=f"{n}: {STATED[n]:,} in total")
            for i, n in enumerate(STATED)])]
figures = drawer(FIGURES)
