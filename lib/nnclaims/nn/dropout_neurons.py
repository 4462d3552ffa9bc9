"""Does each neuron keep its expected output under dropout? Per neuron, given the layer's input.

The chapter's sentence is about one dropout layer: at test time every unit is used, scaled so
that its output equals its expected output in training. So the probe holds the layer's input
fixed (its test-mode input: the activations the trained network computes in test mode) and
averages the layer's masked output over many mask draws; per neuron, the ratio of that mean
to the test-mode output, minus 1, is the gap. Three methods:
- "inverted": the library's own masks (`dropout_mask`, as training draws them: kept with
  probability 1 - p and scaled by 1/(1 - p)), test mode unscaled;
- "chapter": masks without the 1/(1 - p) during training, test outputs scaled by 1 - p (the
  chapter's description), from a second stream of masks;
- "no_rescale": the second stream's unscaled masks against the unscaled test output: the
  expectation falls by p.
A neuron's output summed over the probe inputs is compared (a neuron silent on all of them
has no ratio and is left out). Its standard error, for independent masks, is
sqrt(p / (1 - p) * sum h^2 / draws) / sum h: at most sqrt(p / (1 - p) / draws), the case of a
neuron seen on one input, which `draws` fixes at 1/sqrt(base) for every p.

The unconditional probe of protocol 2 (masks on in every earlier layer) is
`nnclaims.nn.dropout_probe`; past a ReLU its gap is Jensen's inequality, not a scaling.
"""

from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import Tensor

from ..numeric.seeding import torch_generator
from .batched import BatchedNet
from .models import dropout_mask

METHODS = ("inverted", "chapter", "no_rescale")


def draws(p: float, base: int) -> int:
    """Mask draws at rate ``p`` with the worst neuron's relative standard error that ``base`` draws give at p = 1/2."""
    return int(math.ceil(base * p / (1 - p)))


@torch.no_grad()
def kept_counts(shape: Sequence[int], p: float, generator: torch.Generator, n: int, chunk: int) -> Tensor:
    """The sum over ``n`` draws of the library's scaled masks of ``shape`` (the mean needs nothing else)."""
    total = torch.zeros(tuple(shape), dtype=torch.float64)
    for start in range(0, n, chunk):
        total += dropout_mask((min(chunk, n - start), *shape), p, generator).sum(0)
    return total


@torch.no_grad()
def neuron_gaps(net: BatchedNet, X: Tensor, seeds: list[int], n_draws: int, chunk: int = 2000) -> list[dict]:
    """One row per network, dropout layer and method: the worst neuron's |gap| and its standard error, the mean
    |gap| over neurons, the neurons compared, and the draws."""
    p, rows = net.spec.dropout, []
    _, trace = net(X, trace=True)
    for layer, h in enumerate(trace.post, start=1):  # test mode: the input of the dropout layer after hidden `layer`
        for s, seed in enumerate(seeds):
            x = h[s].double().cpu()
            kept = {stream: kept_counts(x.shape, p, torch_generator(seed, f"dropout-neurons {stream} {layer}"),
                                        n_draws, chunk) for stream in ("claim", "controls")}
            total = x.sum(0)
            live = total > 0
            se = ((x * x).sum(0)[live] * p / (1 - p) / n_draws).sqrt() / total[live]
            for method, k, scale in (("inverted", kept["claim"], 1.0), ("chapter", kept["controls"], 1.0),
                                     ("no_rescale", kept["controls"], 1 - p)):
                # chapter: training outputs m h with m the unscaled mask, test outputs (1 - p) h: the ratio is the
                # scaled mask's; no rescale: m h against h
                gap = ((k * x).sum(0)[live] / n_draws * scale / total[live] - 1).abs()
                w = int(gap.argmax())
                rows.append({"seed": seed, "method": method, "layer": layer, "p": p, "worst": float(gap[w]),
                             "worst_se": float(se[w] * scale), "mean_abs": float(gap.mean()),
                             "neurons": int(live.sum()), "draws": n_draws, "probe_digits": X.shape[0]})
    return rows
