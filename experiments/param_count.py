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

from nnclaims.evidence import Check, Claim, Control, Figure, RunContext

CLAIMS = [
    Claim(
        id="param-count",
        title="The 784-16-16-10 MNIST network has 13,002 parameters",
        statement=("A fully connected network with layers of 784, 16, 16 and 10 units has 13,002 weights "
                   "and biases (about 13,000); the wider 784-256-128-10 network has 235,146."),
        section="A",
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


def figures(tables: dict, outdir) -> list[Figure]:
    import numpy as np

    from nnclaims.report import plotting as P

    layers = tables["layers"]
    fig, axes = P.plt.subplots(1, 2, figsize=(9, 3.6))
    for ax, (network, group) in zip(axes, layers.groupby("network", sort=False)):
        x = np.arange(len(group))
        ax.bar(x, group["weights"], color=P.color(0), label="weights")
        ax.bar(x, group["biases"], bottom=group["weights"], color=P.color(1), hatch="//", label="biases")
        for xi, (w, b) in enumerate(zip(group["weights"], group["biases"])):
            ax.annotate(f"{int(w + b):,}", (xi, w + b), ha="center", va="bottom", fontsize=8)
        ax.set_xticks(x, [f"{int(a)}→{int(b)}" for a, b in zip(group["fan_in"], group["fan_out"])])
        ax.set_yscale("log")
        ax.set_xlabel("layer (inputs → units)")
        ax.set_ylabel("parameters (log scale)")
        ax.set_title(f"{network}: {STATED[network]:,} in total")
    axes[0].legend(loc="upper right")
    file = P.save(fig, outdir, "parameters_per_layer")
    return [Figure(file, "param-count", main=True,
                   caption=("Weights (solid) and biases (hatched) per layer. The first layer holds almost all "
                            "parameters: 784 inputs times the width of the first hidden layer."),
                   alt="Bar charts of parameters per layer on a log scale. " + "; ".join(
                       f"{network}: " + ", ".join(f"{int(w + b):,}" for w, b in zip(g["weights"], g["biases"]))
                       for network, g in layers.groupby("network", sort=False)))]
