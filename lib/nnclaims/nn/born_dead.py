"""Random ReLU networks dead at birth: constant over a domain, or with an all-zero layer at a point.

A network is "born dead" when its output is one constant over the inputs of interest; it
is "dead at a point" when some hidden layer outputs all zeros there (Lu, Shin, Su and
Karniadakis 2020). `born_dead_counts` draws many random networks of one architecture
(in chunks, so memory stays bounded) and counts both; `constant_over` decides constancy
layer by layer, so a network whose hidden layer is already constant is not computed further.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from .batched import BatchedNet
from .models import MLPSpec
from . import probes


@dataclass(frozen=True)
class BornDead:
    """Counts over random networks of one architecture: how many are constant over the
    domain (of ``n_domain``), how many have an all-zero hidden layer at the point (of
    ``n_point``), and on how many of the first ones the layer-by-layer early exit and the
    library's `probes.constant_output` disagree (a self-check; it should be none)."""

    constant: int
    dead_at_point: int
    probe_disagreements: int


def first(net: BatchedNet, k: int) -> BatchedNet:
    """The first ``k`` networks of a `BatchedNet`."""
    return BatchedNet(net.spec, {key: [t[:k] for t in v] for key, v in net.params.items()})


def constant_over(net: BatchedNet, x: Tensor) -> Tensor:
    """``(S,)``: whether each network's output is one constant over the points x, layer by
    layer: a network whose hidden layer is constant across the points is constant from
    there on and is set aside, so the deep layers are computed only for the others."""
    S = net.S
    a = x.expand(S, *x.shape)
    alive = torch.arange(S, device=x.device)
    constant = torch.zeros(S, dtype=torch.bool, device=x.device)
    with torch.no_grad():
        for i in range(net.spec.n_layers):
            z = torch.baddbmm(net.bias[i][alive], a, net.weight[i][alive])
            a = net.act(z) if i < net.spec.n_layers - 1 else z
            flat = (a.amax(dim=1) == a.amin(dim=1)).all(dim=-1)
            constant[alive[flat]] = True
            alive, a = alive[~flat], a[~flat]
            if len(alive) == 0:
                break
    return constant.cpu()


def dead_at(net: BatchedNet, point: Tensor) -> int:
    """How many of the networks have a hidden layer that outputs all zeros at ``point`` (1, d_in)."""
    _, trace = net(point, trace=True)
    return int(torch.stack([(h == 0).all(dim=-1).squeeze(-1) for h in trace.post], dim=1).any(dim=1).sum())


def born_dead_counts(spec: MLPSpec, n_domain: int, n_point: int, generator: torch.Generator, domain: Tensor,
                     point: Tensor, *, chunk: int = 1000, probe_check: int = 64) -> BornDead:
    """Draw ``max(n_domain, n_point)`` random networks of ``spec`` (float64, in chunks of
    ``chunk``, from ``generator``): the first ``n_domain`` are tested for a constant output
    over ``domain`` (points, d_in), the first ``n_point`` for an all-zero layer at ``point``;
    the first ``probe_check`` are also tested with `probes.constant_output`."""
    constant = dead = disagree = 0
    total = max(n_domain, n_point)
    for start in range(0, total, chunk):
        net = BatchedNet.random(spec, min(chunk, total - start), generator, dtype=torch.float64, device=domain.device)
        k = min(net.S, n_domain - start)
        if k > 0:
            sub = first(net, k)
            flat = constant_over(sub, domain)
            constant += int(flat.sum())
            if start == 0:
                m = min(k, probe_check)
                disagree += int((flat[:m] != probes.constant_output(first(sub, m), domain).cpu()).sum())
        k = min(net.S, n_point - start)
        if k > 0:
            dead += dead_at(first(net, k), point)
    return BornDead(constant, dead, disagree)
