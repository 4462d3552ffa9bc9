"""Internal covariate shift, measured two ways during training.

- Distributions (Ioffe and Szegedy's definition: the change in the distribution of a
  layer's inputs as the layers before it learn). `moment_monitor(probe)` records, at each
  recorded step, every hidden unit's mean and standard deviation over a fixed probe set:
  the input of the next layer (batch norm normalized with the probe set's own statistics,
  `nnclaims.nn.set_norm`). `distribution_shift` turns consecutive records into one number
  per layer: per unit, the 2-Wasserstein distance between the normal laws with those
  moments, sqrt(Δμ² + Δσ²) (zero exactly when both moments stay), divided by the unit's
  earlier standard deviation so that a layer whose activations are ten times larger does
  not shift ten times more; the median over the layer's units (a nearly dead unit's ratio
  can be huge). Units with zero spread at the earlier probe have no scale and are left out.
- Gradients (Santurkar, Tsipras, Ilyas and Madry 2018, §2.2). `gradient_change` compares
  the gradient of the loss with respect to a layer's weights before and after every layer
  before it takes one SGD step on the same batch, the later layers unchanged: the relative
  ℓ2 change |G − G'| / |G| and the cosine of G and G'.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch import Tensor

from . import losses
from .batched import BatchedNet
from .set_norm import forward_with_statistics


def moment_monitor(probe: Tensor):
    """A monitor (see `nnclaims.nn.training`): ``unit_mean_<l>`` and ``unit_std_<l>``, ``(S, width)``,
    of hidden layer l's output (1-based) over the probe set."""
    def monitor(net: BatchedNet, step: int) -> dict[str, Tensor]:
        with torch.no_grad():
            _, trace = forward_with_statistics(net, probe, trace=True)
        out = {}
        for l, a in enumerate(trace.post, start=1):
            out[f"unit_mean_{l}"] = a.mean(dim=1)
            out[f"unit_std_{l}"] = a.std(dim=1, unbiased=False)
        return out
    return monitor


def distribution_shift(means: np.ndarray, stds: np.ndarray, standardized: bool = True) -> np.ndarray:
    """``(T - 1, S)``: for each pair of consecutive records (``means``, ``stds``: ``(T, S, units)``),
    the median over units of sqrt(Δμ² + Δσ²), over the earlier std when ``standardized``
    (units with zero earlier std left out; NaN when no unit is left)."""
    means, stds = np.asarray(means, dtype=float), np.asarray(stds, dtype=float)
    if means.shape != stds.shape or means.ndim != 3 or means.shape[0] < 2:
        raise ValueError(f"need (records >= 2, networks, units) moments of one shape, got {means.shape}, {stds.shape}")
    step = np.hypot(np.diff(means, axis=0), np.diff(stds, axis=0))
    if standardized:
        earlier = stds[:-1]
        step = np.where(earlier > 0, step / np.where(earlier > 0, earlier, 1.0), np.nan)
    with np.errstate(all="ignore"):
        empty = np.isnan(step).all(axis=-1)
        return np.where(empty, np.nan, np.nanmedian(np.where(empty[..., None], 0.0, step), axis=-1))


def _loss(net: BatchedNet, params: dict[str, list[Tensor]], X: Tensor, y: Tensor) -> Tensor:
    return losses.per_network("ce", forward_with_statistics(BatchedNet(net.spec, params, net.buffers), X), y).sum()


def gradient_change(net: BatchedNet, X: Tensor, y: Tensor, lr: float | Sequence[float]) -> dict[str, Tensor]:
    """Per network and linear layer l ≥ 2 (``(S, n_layers - 1)``): ``grad_rel_l2`` = |G − G'| / |G|
    and ``grad_cos`` = cos(G, G'), with G the gradient of the cross-entropy on (X, y) with
    respect to layer l's weights and G' the same after the parameters of layers 1..l−1
    (weights, biases, batch-norm gains and shifts) take the SGD step ``lr`` (one, or one per
    network) on that batch. Batch norm uses the batch's own statistics."""
    base = {k: [t.detach() for t in v] for k, v in net.params.items()}
    rate = torch.as_tensor(lr, dtype=base["weight"][0].dtype, device=base["weight"][0].device).reshape(-1, 1, 1)
    live = {k: [t.clone().requires_grad_(True) for t in v] for k, v in base.items()}
    keys = sorted(live)
    grads = torch.autograd.grad(_loss(net, live, X, y), [t for k in keys for t in live[k]])
    g, at = {}, 0
    for k in keys:
        g[k], at = list(grads[at:at + len(live[k])]), at + len(live[k])
    rel, cos = [], []
    for l in range(1, len(base["weight"])):
        moved = {k: [t - rate * g[k][i] if i < l else t for i, t in enumerate(v)] for k, v in base.items()}
        moved["weight"][l] = moved["weight"][l].clone().requires_grad_(True)
        after = torch.autograd.grad(_loss(net, moved, X, y), moved["weight"][l])[0].flatten(1)
        before = g["weight"][l].flatten(1)
        n0, n1 = before.norm(dim=1), after.norm(dim=1)
        rel.append((before - after).norm(dim=1) / n0)
        cos.append((before * after).sum(dim=1) / (n0 * n1))
    return {"grad_rel_l2": torch.stack(rel, dim=1).detach(), "grad_cos": torch.stack(cos, dim=1).detach()}


def gradient_change_monitor(X: Tensor, y: Tensor, lr: float | Sequence[float]):
    """`gradient_change` on the fixed batch (X, y) as a monitor."""
    def monitor(net: BatchedNet, step: int) -> dict[str, Tensor]:
        with torch.enable_grad():
            return gradient_change(net, X, y, lr)
    return monitor
