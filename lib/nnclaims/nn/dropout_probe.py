"""Does dropout keep each layer's expected activation? Training mode against test mode.

For S trained networks with dropout p, every layer's mean output (hidden layers 1, 2, …
and the logits as the last layer) in training mode, masks on and averaged over mask
draws, against the same mean in test mode, for three arms:
- "inverted": the library's own training-mode forward pass (inverted dropout: survivors
  scaled by 1/(1-p));
- "non_inverted": masks without the 1/(1-p) scaling, which lowers every expectation;
- "identity": inverted dropout in the same network with the identity in place of the
  activation, where linearity keeps the expectation exactly at every layer.
The gap is signed and relative: (training mode - test mode) / mean |test-mode value|.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

from ..numeric.seeding import torch_generator
from .batched import BatchedNet
from .models import dropout_mask

ARMS = ("inverted", "non_inverted", "identity")


@torch.no_grad()
def expectation_gaps(net: BatchedNet, X: Tensor, seeds: list[int], draws: int) -> list[dict]:
    """One row per network, arm and layer: the mean output in training mode (over ``draws``
    mask draws, each arm with its own generator stream per seed) and in test mode, the
    mean |test-mode value| and the signed relative gap."""
    p = net.spec.dropout
    logits, trace = net(X, trace=True)
    relu_test = [*trace.post, logits]
    ident_test = _forward(net, X, lambda z: z, None, 1.0)
    arms = {}
    for arm in ARMS:
        gens = [torch_generator(s, f"dropout-probe {arm}") for s in seeds]
        total = 0.0
        for _ in range(draws):
            if arm == "inverted":  # the library's own training-mode forward pass
                logits_on, trace_on = net(X, train=True, trace=True, dropout_generators=gens)
                total = total + _layer_means([*trace_on.post, logits_on])
            elif arm == "non_inverted":
                total = total + _layer_means(_forward(net, X, torch.relu, gens, 1.0 - p))
            else:
                total = total + _layer_means(_forward(net, X, lambda z: z, gens, 1.0))
        test = relu_test if arm != "identity" else ident_test
        arms[arm] = (total / draws, _layer_means(test),
                     torch.stack([o.abs().flatten(1).mean(dim=1) for o in test], dim=1).double())
    rows = []
    for arm, (on, off, scale) in arms.items():
        for s, seed in enumerate(seeds):
            for layer in range(on.shape[1]):
                rows.append({"seed": seed, "arm": arm, "layer": layer + 1, "mean_train_mode": float(on[s, layer]),
                             "mean_test_mode": float(off[s, layer]), "mean_abs_test_mode": float(scale[s, layer]),
                             "gap": float((on[s, layer] - off[s, layer]) / scale[s, layer])})
    return rows


def _layer_means(outputs: list[Tensor]) -> Tensor:
    """Each layer's mean output per network: a list of (S, B, width) -> (S, layers)."""
    return torch.stack([o.flatten(1).mean(dim=1) for o in outputs], dim=1).double()


def _forward(net: BatchedNet, X: Tensor, activation: Callable[[Tensor], Tensor], gens: list | None,
             scale: float) -> list[Tensor]:
    """Every layer's output of a forward pass written out by hand, with ``activation``, and
    with masks from ``gens`` (kept with probability 1 - p, scaled by 1/(1-p) by
    `dropout_mask`) times ``scale`` after each hidden layer when ``gens`` is given."""
    p = net.spec.dropout
    a = X.expand(net.S, *X.shape)
    outs = []
    for i in range(len(net.weight) - 1):
        h = activation(torch.baddbmm(net.bias[i], a, net.weight[i]))
        if gens is not None:
            h = h * torch.stack([dropout_mask(h.shape[1:], p, g) for g in gens]).to(h) * scale
        outs.append(h)
        a = h
    outs.append(torch.baddbmm(net.bias[-1], a, net.weight[-1]))
    return outs
