"""SGD and Adam for parameters stacked along a seed axis.

Written out rather than taken from `torch.optim` for two reasons: a network whose loss
has diverged must be frozen without disturbing the others (a per-seed mask), and the
first `torch.optim` step imports torch's compiler stack, about a second per process.
The update formulas follow torch's single-tensor implementations operation by operation,
so the loop engine (which uses `torch.optim`) agrees with these to float64 round-off.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor

OPTIMIZERS = ("sgd", "adam")


class StackedOptimizer:
    """Base: ``step(params, grads, active)`` with ``active`` a ``(S,)`` bool mask.

    ``lr`` is one rate for all networks, or a ``(S,)`` tensor of one rate per network, so
    that a learning-rate sweep over several seeds trains as one computation.
    """

    def __init__(self, lr: float | Tensor) -> None:
        self.lr = lr
        self.per_network = isinstance(lr, Tensor)

    @staticmethod
    def _mask(active: Tensor, like: Tensor) -> Tensor:
        return active.view(-1, *([1] * (like.dim() - 1)))

    def _rate(self, like: Tensor) -> float | Tensor:
        """The learning rate shaped to broadcast against a stacked parameter."""
        if not self.per_network:
            return self.lr
        return self.lr.to(like).view(-1, *([1] * (like.dim() - 1)))

    def step(self, params: Sequence[Tensor], grads: Sequence[Tensor], active: Tensor) -> None:
        raise NotImplementedError


class SGD(StackedOptimizer):
    def __init__(self, lr: float | Tensor, momentum: float = 0.0) -> None:
        super().__init__(lr)
        self.momentum = momentum
        self.buffers: list[Tensor] | None = None

    @torch.no_grad()
    def step(self, params: Sequence[Tensor], grads: Sequence[Tensor], active: Tensor) -> None:
        everyone = bool(active.all())
        params, grads = list(params), list(grads)
        if self.momentum:
            if self.buffers is None:
                self.buffers = [g.clone() for g in grads]
            elif everyone:  # one fused call per operation for all layers: deep nets have many tensors
                torch._foreach_mul_(self.buffers, self.momentum)
                torch._foreach_add_(self.buffers, grads)
            else:
                for b, g in zip(self.buffers, grads):
                    b.copy_(torch.where(self._mask(active, b), b * self.momentum + g, b))
            grads = self.buffers
        if everyone and not self.per_network:
            torch._foreach_add_(params, grads, alpha=-self.lr)
        elif everyone:
            torch._foreach_sub_(params, torch._foreach_mul(grads, [self._rate(p) for p in params]))
        else:
            for p, g in zip(params, grads):
                p.copy_(torch.where(self._mask(active, p), p - self._rate(p) * g, p))


class Adam(StackedOptimizer):
    def __init__(self, lr: float | Tensor, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        super().__init__(lr)
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.t = 0
        self.m: list[Tensor] | None = None
        self.v: list[Tensor] | None = None

    @torch.no_grad()
    def step(self, params: Sequence[Tensor], grads: Sequence[Tensor], active: Tensor) -> None:
        if self.m is None:
            self.m = [torch.zeros_like(p) for p in params]
            self.v = [torch.zeros_like(p) for p in params]
        self.t += 1
        bc1 = 1 - self.beta1**self.t
        bc2_sqrt = (1 - self.beta2**self.t) ** 0.5
        for p, g, m, v in zip(params, grads, self.m, self.v):
            step_size = self._rate(p) / bc1
            keep = self._mask(active, p)
            m_new = m.lerp(g, 1 - self.beta1)
            v_new = v * self.beta2 + (1 - self.beta2) * g * g
            denom = v_new.sqrt() / bc2_sqrt + self.eps
            m.copy_(torch.where(keep, m_new, m))
            v.copy_(torch.where(keep, v_new, v))
            p.copy_(torch.where(keep, p - step_size * (m_new / denom), p))


def make_optimizer(name: str, lr: float | Tensor, momentum: float = 0.0) -> StackedOptimizer:
    if name == "sgd":
        return SGD(lr, momentum)
    if name == "adam":
        return Adam(lr)
    raise ValueError(f"unknown optimizer {name!r}; valid optimizers are: {', '.join(OPTIMIZERS)}")


def make_torch_optimizer(name: str, params, lr: float, momentum: float = 0.0) -> torch.optim.Optimizer:
    """The `torch.optim` counterpart, for the loop engine."""
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=momentum)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr)
    raise ValueError(f"unknown optimizer {name!r}; valid optimizers are: {', '.join(OPTIMIZERS)}")
