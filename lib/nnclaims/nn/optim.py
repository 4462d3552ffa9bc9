"""SGD and Adam for parameters stacked along a seed axis.

Written out rather than taken from `torch.optim` for two reasons: a network whose loss
has diverged must be frozen without disturbing the others (a per-seed mask), and the
first `torch.optim` step imports torch's compiler stack, about a second per process.
The update formulas follow torch's single-tensor implementations operation by operation,
so the loop engine (which uses `torch.optim`) agrees with these to float64 round-off.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Sequence

import numpy as np
import torch
from torch import Tensor

OPTIMIZERS = ("sgd", "adam")


class StackedOptimizer:
    """Base: ``step(params, grads, active)`` with ``active`` a ``(S,)`` bool mask.

    ``lr`` is one rate for all networks, or a ``(S,)`` tensor of one rate per network, so
    that a learning-rate sweep over several seeds trains as one computation.
    """

    state_names: tuple[str, ...] = ()  # attributes holding per-network state (lists of stacked tensors)

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

    def keep(self, rows: Tensor) -> None:
        """Keep only the networks at ``rows`` (a long tensor of indices into the current
        stack): their rates and optimizer state, for a stack that left the others out."""
        if self.per_network:
            self.lr = self.lr.index_select(0, rows.to(self.lr.device))
        for name in self.state_names:
            state = getattr(self, name)
            if state is not None:
                setattr(self, name, [s.index_select(0, rows.to(s.device)) for s in state])


class SGD(StackedOptimizer):
    state_names = ("buffers",)

    def __init__(self, lr: float | Tensor, momentum: float = 0.0) -> None:
        super().__init__(lr)
        self.momentum = momentum
        self.buffers: list[Tensor] | None = None
        # Whether some step has left a network out. From then on one rate for all steps
        # as p - (lr * g), the masked update's two roundings, not the fused p + (-lr) * g:
        # the networks that go on after others were taken out of the stack (training's
        # `_Training`) then get the same bits as when those stayed in it, masked.
        self.masked = False

    @torch.no_grad()
    def step(self, params: Sequence[Tensor], grads: Sequence[Tensor], active: Tensor) -> None:
        everyone = bool(active.all())
        self.masked = self.masked or not everyone
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
        if everyone and not self.per_network and not self.masked:
            torch._foreach_add_(params, grads, alpha=-self.lr)
        elif everyone:
            torch._foreach_sub_(params, torch._foreach_mul(grads, [self._rate(p) for p in params]))
        else:
            for p, g in zip(params, grads):
                p.copy_(torch.where(self._mask(active, p), p - self._rate(p) * g, p))


class Adam(StackedOptimizer):
    state_names = ("m", "v")

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
        if bool(active.all()):
            self._update(list(params), list(grads), bc1, bc2_sqrt)
        else:
            self._masked_update(params, grads, active, bc1, bc2_sqrt)

    def _update(self, params: list[Tensor], grads: list[Tensor], bc1: float, bc2_sqrt: float) -> None:
        """Every network steps: in place, one `_foreach` call per operation for all
        layers. The operations and their order are `_masked_update`'s, so the numbers
        are the same bits (tested); only the temporaries and the `where` go."""
        torch._foreach_lerp_(self.m, grads, 1 - self.beta1)
        torch._foreach_mul_(self.v, self.beta2)
        squares = torch._foreach_mul(grads, 1 - self.beta2)
        torch._foreach_mul_(squares, grads)
        torch._foreach_add_(self.v, squares)
        denom = self._root(self.v)
        torch._foreach_div_(denom, bc2_sqrt)
        torch._foreach_add_(denom, self.eps)
        update = torch._foreach_div(self.m, denom)
        if self.per_network:
            torch._foreach_mul_(update, [self._rate(p) / bc1 for p in params])
        else:
            torch._foreach_mul_(update, self.lr / bc1)
        torch._foreach_sub_(params, update)

    def _masked_update(self, params: Sequence[Tensor], grads: Sequence[Tensor], active: Tensor,
                       bc1: float, bc2_sqrt: float) -> None:
        """Only the networks in ``active`` step; the others keep parameters and state."""
        for p, g, m, v in zip(params, grads, self.m, self.v):
            step_size = self._rate(p) / bc1
            keep = self._mask(active, p)
            m_new = m.lerp(g, 1 - self.beta1)
            v_new = v * self.beta2 + (1 - self.beta2) * g * g
            denom = self._root([v_new])[0] / bc2_sqrt + self.eps
            m.copy_(torch.where(keep, m_new, m))
            v.copy_(torch.where(keep, v_new, v))
            p.copy_(torch.where(keep, p - step_size * (m_new / denom), p))

    def _root(self, v: list[Tensor]) -> list[Tensor]:
        """The square roots of the second moments, as new tensors. torch's CPU square root
        takes about 8 times as long on an exact 0 as on a normal number (1.7 against 0.2
        ms for 627,200 floats), and the weights of MNIST's always-blank border pixels keep
        their moments at exactly 0: `dropout`'s quick run spent 1.2 of its 14 s there.
        Moments below the dtype's smallest normal number ``tiny`` are raised to it first,
        which changes no update: their root, under sqrt(tiny) either way, divided by the
        bias correction (at least sqrt(1 - beta2)), is under half a unit in the last
        place of ``eps``, so ``denominator + eps`` rounds to ``eps`` exactly, raised or
        not (`_raising_is_exact`; the same bits, tested)."""
        if not v or not _raising_is_exact(v[0].dtype, self.beta2, self.eps):
            return torch._foreach_sqrt(v)
        roots = torch._foreach_maximum(v, torch.finfo(v[0].dtype).tiny)
        torch._foreach_sqrt_(roots)
        return roots


@lru_cache(maxsize=None)
def _raising_is_exact(dtype: torch.dtype, beta2: float, eps: float) -> bool:
    """Whether sqrt(tiny) / sqrt(1 - beta2) is under half of eps's last place in ``dtype``
    (float32 with torch's defaults: 3.4e-18 against 4.4e-16); False for other dtypes."""
    np_type = {torch.float32: np.float32, torch.float64: np.float64}.get(dtype)
    if np_type is None or eps <= 0 or not 0 <= beta2 < 1:
        return False
    half_ulp = float(np.spacing(np_type(eps))) / 2
    return math.sqrt(float(np.finfo(np_type).tiny)) / math.sqrt(1 - beta2) < half_ulp


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
