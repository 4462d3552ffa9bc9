"""S networks of one shape as one computation.

Parameters are stacked along a leading seed axis: weight ``(S, fan_in, fan_out)``, bias
``(S, 1, fan_out)``, per-unit parameters ``(S, 1, width)``. A layer is one ``baddbmm``
for all S networks, so training twenty seeds of a small net costs about what one costs
(see `bench/`). Each network only ever touches its own slice: the S networks are
independent, exactly as if trained one at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import torch
from torch import Tensor

from .models import BN_MOMENTUM, NORM_EPS, MLPSpec, _unit_params, dropout_mask, init_params


@dataclass
class Trace:
    """Intermediate values of a forward pass, one entry per hidden layer.

    pre: the input of the activation (after the norm, if any), ``(S, B, width)``.
    post: the hidden layer's output (after dropout and the residual sum), ``(S, B, width)``.
    """

    pre: list[Tensor] = field(default_factory=list)
    post: list[Tensor] = field(default_factory=list)


class BatchedNet:
    """S networks sharing an `MLPSpec`, with parameters stacked on axis 0."""

    def __init__(self, spec: MLPSpec, params: dict[str, list[Tensor]],
                 buffers: dict[str, list[Tensor]] | None = None) -> None:
        self.spec = spec
        self.params = params
        self.buffers = buffers if buffers is not None else _fresh_buffers(spec, self.S, self.weight[0])
        self.act = spec.act

    # -- construction -------------------------------------------------------------------
    @classmethod
    def init(cls, spec: MLPSpec, seeds: Sequence[int], dtype: torch.dtype = torch.float32,
             device: str | torch.device = "cpu") -> "BatchedNet":
        """One network per seed, each with exactly the parameters `init_params` gives it."""
        per_seed = [init_params(spec, s) for s in seeds]
        return cls.stack(spec, per_seed, dtype, device)

    @classmethod
    def stack(cls, spec: MLPSpec, per_seed: Sequence[dict[str, list[Tensor]]],
              dtype: torch.dtype = torch.float32, device: str | torch.device = "cpu") -> "BatchedNet":
        params: dict[str, list[Tensor]] = {}
        for key in per_seed[0]:
            layers = []
            for i in range(len(per_seed[0][key])):
                t = torch.stack([p[key][i] for p in per_seed])
                layers.append(_to_layout(key, t).to(device=device, dtype=dtype))
            params[key] = layers
        return cls(spec, params)

    @classmethod
    def random(cls, spec: MLPSpec, n: int, generator: torch.Generator,
               dtype: torch.dtype = torch.float32, device: str | torch.device = "cpu") -> "BatchedNet":
        """``n`` independent random networks drawn in bulk from one generator.

        Much faster than `init` for thousands of networks (born-dead statistics), but the
        i-th network is not the one `init_params` gives seed i.
        """
        init = spec.initializer
        params: dict[str, list[Tensor]] = {"weight": [], "bias": []}
        for fan_in, fan_out in zip(spec.sizes[:-1], spec.sizes[1:]):
            params["weight"].append(init.sample(fan_in, fan_out, generator, batch=(n,)))
            noise = torch.randn((n, fan_out), generator=generator, dtype=torch.float64)
            params["bias"].append(spec.bias_shift + spec.bias_std * noise)
        params.update(_unit_params(spec, batch=(n,)))
        params = {k: [_to_layout(k, t).to(device=device, dtype=dtype) for t in v]
                  for k, v in params.items()}
        return cls(spec, params)

    # -- views --------------------------------------------------------------------------
    @property
    def weight(self) -> list[Tensor]:
        return self.params["weight"]

    @property
    def bias(self) -> list[Tensor]:
        return self.params["bias"]

    @property
    def S(self) -> int:
        return self.params["weight"][0].shape[0]

    @property
    def dtype(self) -> torch.dtype:
        return self.weight[0].dtype

    @property
    def device(self) -> torch.device:
        return self.weight[0].device

    def parameters(self) -> list[Tensor]:
        return [t for key in sorted(self.params) for t in self.params[key]]

    def requires_grad_(self, flag: bool = True) -> "BatchedNet":
        for t in self.parameters():
            t.requires_grad_(flag)
        return self

    def seed_params(self, i: int) -> dict[str, list[Tensor]]:
        """Network ``i``'s parameters in `init_params`'s layout (float64, CPU)."""
        return {k: [_from_layout(k, t[i]).detach().to("cpu", torch.float64) for t in v]
                for k, v in self.params.items()}

    def to(self, dtype: torch.dtype | None = None, device: str | torch.device | None = None) -> "BatchedNet":
        move = lambda t: t.detach().to(device=device or t.device, dtype=dtype or t.dtype)  # noqa: E731
        return BatchedNet(self.spec, {k: [move(t) for t in v] for k, v in self.params.items()},
                          {k: [move(t) for t in v] for k, v in self.buffers.items()})

    # -- computation --------------------------------------------------------------------
    def forward(self, x: Tensor, *, train: bool = False, trace: bool = False,
                dropout_generators: Sequence[torch.Generator] | None = None) -> Tensor | tuple[Tensor, Trace]:
        """Logits ``(S, B, out)`` for inputs ``(B, in)`` (shared) or ``(S, B, in)``.

        ``train`` selects batch statistics for batch norm (and updates the running ones)
        and turns dropout on; dropout then needs one generator per network.
        """
        spec, S = self.spec, self.S
        a = x.expand(S, *x.shape) if x.dim() == 2 else x
        tr = Trace() if trace else None
        for i in range(spec.n_layers - 1):
            z = torch.baddbmm(self.bias[i], a, self.weight[i])
            if spec.norm != "none":
                z = self._norm(i, z, train)
            h = self.act(z, self.params["slope"][i]) if self.act.learned_slope else self.act(z)
            if train and spec.dropout > 0:
                h = h * self._masks(h, dropout_generators)
            a = a + spec.residual_scale * h if spec.is_residual_layer(i) else h
            if tr is not None:
                tr.pre.append(z)
                tr.post.append(a)
        out = torch.baddbmm(self.bias[-1], a, self.weight[-1])
        return (out, tr) if tr is not None else out

    __call__ = forward

    def _norm(self, i: int, z: Tensor, train: bool) -> Tensor:
        gain, shift = self.params["gain"][i], self.params["shift"][i]
        if self.spec.norm == "layer":
            mean = z.mean(dim=-1, keepdim=True)
            var = z.var(dim=-1, keepdim=True, unbiased=False)
        elif train:
            mean = z.mean(dim=1, keepdim=True)
            var = z.var(dim=1, keepdim=True, unbiased=False)
            with torch.no_grad():
                n = z.shape[1]
                rm, rv = self.buffers["running_mean"][i], self.buffers["running_var"][i]
                rm.mul_(1 - BN_MOMENTUM).add_(mean.detach(), alpha=BN_MOMENTUM)
                rv.mul_(1 - BN_MOMENTUM).add_(var.detach() * n / max(n - 1, 1), alpha=BN_MOMENTUM)
        else:
            mean, var = self.buffers["running_mean"][i], self.buffers["running_var"][i]
        return (z - mean) / torch.sqrt(var + NORM_EPS) * gain + shift

    def _masks(self, h: Tensor, generators: Sequence[torch.Generator] | None) -> Tensor:
        if generators is None or len(generators) != self.S:
            raise ValueError("dropout in training mode needs one generator per network")
        p = self.spec.dropout
        return torch.stack([dropout_mask(h.shape[1:], p, g) for g in generators]).to(h)


def _to_layout(key: str, t: Tensor) -> Tensor:
    """From `init_params`'s layout (plus a leading axis) to the batched layout."""
    if key == "weight":
        return _transposed(t)  # (S, in, out): x @ W without a transpose
    return t.unsqueeze(-2)  # (S, 1, width): broadcasts over the batch axis


# torch's transposing copy of a stack of matrices runs 3.5-4.5x slower than its copy of one
# matrix once a matrix has 2^18 entries or more (1 x 1024 x 1024: 8.5 ms against 2.3; a third
# of `mean_field`'s time per network); below that, the per-matrix loop costs more than it saves.
_WIDE = 1 << 18


def _transposed(t: Tensor) -> Tensor:
    """``t`` with its last two axes swapped, contiguous: the same values, copied matrix by matrix when wide."""
    if t.dim() < 3 or t.shape[-1] * t.shape[-2] < _WIDE:
        return t.transpose(-1, -2).contiguous()
    out = t.new_empty(*t.shape[:-2], t.shape[-1], t.shape[-2])
    for o, m in zip(out.view(-1, *out.shape[-2:]), t.reshape(-1, *t.shape[-2:])):
        o.copy_(m.t())
    return out


def _from_layout(key: str, t: Tensor) -> Tensor:
    return t.transpose(-1, -2) if key == "weight" else t.squeeze(-2)


def _fresh_buffers(spec: MLPSpec, S: int, like: Tensor) -> dict[str, list[Tensor]]:
    if spec.norm != "batch":
        return {}
    kw = dict(dtype=like.dtype, device=like.device)
    return {"running_mean": [torch.zeros((S, 1, h), **kw) for h in spec.hidden],
            "running_var": [torch.ones((S, 1, h), **kw) for h in spec.hidden]}
