"""Losses by name, per network for the batched engine and plain for the loop engine.

Both forms call the same `torch.nn.functional` kernels; the batched form only averages
over everything but the leading seed axis, so that each network's loss is exactly the
loss it would have on its own.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

LOSSES = ("mse", "bce", "ce")


def _check(name: str) -> None:
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; valid losses are: {', '.join(LOSSES)}")


def per_network(name: str, logits: Tensor, target: Tensor) -> Tensor:
    """Loss of each network: ``logits`` is ``(S, B, out)``; returns ``(S,)``.

    mse: mean squared error against float targets shaped like the logits;
    bce: binary cross-entropy on logits, targets in {0, 1} shaped like the logits;
    ce: softmax cross-entropy, integer class targets ``(S, B)`` or ``(B,)``.
    """
    _check(name)
    S, B = logits.shape[:2]
    if name == "ce":
        target = target.expand(S, B) if target.dim() == 1 else target
        # Same as F.cross_entropy, but the softmax runs along dim 0 of the transposed
        # logits: torch's CPU kernel is several times slower along a short last dim (10
        # classes) than across rows, and this is most of a small MNIST net's step.
        logp = F.log_softmax(logits.reshape(S * B, -1).T, dim=0).T
        per = F.nll_loss(logp, target.reshape(S * B), reduction="none")
        return per.view(S, B).mean(dim=1)
    target = target.expand_as(logits) if target.dim() < logits.dim() else target
    fn = F.mse_loss if name == "mse" else F.binary_cross_entropy_with_logits
    return fn(logits, target, reduction="none").reshape(S, -1).mean(dim=1)


def single(name: str, logits: Tensor, target: Tensor) -> Tensor:
    """Loss of one network, ``logits`` ``(B, out)``: what an ordinary loop computes."""
    _check(name)
    if name == "ce":
        return F.cross_entropy(logits, target)
    if name == "mse":
        return F.mse_loss(logits, target)
    return F.binary_cross_entropy_with_logits(logits, target)
