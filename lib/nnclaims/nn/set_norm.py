"""Batch norm that takes its statistics from a chosen set of examples, and training with it.

Batch norm normalizes each unit with the mean and variance of the mini-batch it is given,
so a unit's output depends on which other examples share its batch: noise. The same
network can instead normalize with the statistics of a fixed set (the whole training set,
at the current weights), which removes that noise and changes nothing else. This module
computes both, without touching the running averages `BatchedNet` keeps for evaluation:

- `forward_with_statistics(net, x, ref)`: logits for ``x`` with every batch-norm layer
  normalized by the statistics of ``ref`` at the current weights (``ref=None``: ``x``'s
  own, batch norm's training mode). Gradients flow through the statistics, as they do
  through a mini-batch's.
- `train_with_statistics(..., stats="batch" | "set")`: one network per seed, plain
  minibatch training whose loss is on each batch, normalized with the batch's statistics
  or with the whole training set's; ``"batch"`` is the library's batched engine step for
  step (tests), so the two arms differ in the statistics alone.
- `set_statistics_monitor`: accuracy and cross-entropy on the training set and on a test
  set, both normalized with the training set's statistics.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch import Tensor

from . import losses
from .batched import BatchedNet, Trace
from .models import NORM_EPS, MLPSpec
from .optim import make_optimizer
from ..numeric import cost

STATS = ("batch", "set")


def forward_with_statistics(net: BatchedNet, x: Tensor, ref: Tensor | None = None,
                            trace: bool = False) -> Tensor | tuple[Tensor, Trace]:
    """Logits ``(S, B, out)`` for ``x`` (``(B, in)`` or ``(S, B, in)``), each batch-norm layer
    normalized with the mean and (biased) variance over ``ref``'s examples at that layer;
    ``ref=None`` uses ``x`` itself. A network without batch norm is evaluated as usual."""
    spec, S = net.spec, net.S
    if spec.norm not in ("none", "batch") or spec.dropout or spec.act.learned_slope:
        raise ValueError("set statistics are defined here for batch norm (or none), no dropout, fixed activations")
    a = x.expand(S, *x.shape) if x.dim() == 2 else x
    n_ref = 0
    if ref is not None and spec.norm == "batch":
        r = ref.expand(S, *ref.shape) if ref.dim() == 2 else ref
        n_ref, a = r.shape[1], torch.cat([r, a], dim=1)  # one pass: the statistics come from the first rows
    tr = Trace() if trace else None
    for i in range(spec.n_layers - 1):
        z = torch.baddbmm(net.bias[i], a, net.weight[i])
        if spec.norm == "batch":
            basis = z[:, :n_ref] if n_ref else z
            mean, var = basis.mean(dim=1, keepdim=True), basis.var(dim=1, keepdim=True, unbiased=False)
            z = (z - mean) / torch.sqrt(var + NORM_EPS) * net.params["gain"][i] + net.params["shift"][i]
        h = net.act(z)
        a = a + spec.residual_scale * h if spec.is_residual_layer(i) else h
        if tr is not None:
            tr.pre.append(z[:, n_ref:])
            tr.post.append(a[:, n_ref:])
    out = torch.baddbmm(net.bias[-1], a, net.weight[-1])[:, n_ref:]
    return (out, tr) if tr is not None else out


def set_statistics_monitor(X: Tensor, y: Tensor, X_test: Tensor, y_test: Tensor):
    """A monitor (see `nnclaims.nn.training`) recording ``loss`` and ``train_accuracy`` on (X, y)
    and ``test_loss`` and ``test_accuracy`` on the test set, every network normalized with
    the statistics of X (its whole training set) at its current weights."""
    def monitor(net: BatchedNet, step: int) -> dict[str, Tensor]:
        out = {}
        with torch.no_grad():
            for name, xs, ys in (("train", X, y), ("test", X_test, y_test)):
                logits = forward_with_statistics(net, xs, X)
                out[f"{name}_loss"] = losses.per_network("ce", logits, ys)
                out[f"{name}_accuracy"] = (logits.argmax(dim=-1) == ys).to(logits.dtype).mean(dim=1)
        return {"loss": out["train_loss"], **out}
    return monitor


def train_with_statistics(spec: MLPSpec, X: Tensor, y: Tensor, seeds: Sequence[int], *, steps: int,
                          lr: float | Sequence[float], batch_size: int, stats: str, device: str | torch.device,
                          monitors: Sequence = (), record_every: int = 0, dtype: torch.dtype = torch.float32):
    """Plain SGD on the cross-entropy of each mini-batch, one network per seed (the same
    initialization and data order as `nnclaims.nn.training.train`); batch norm normalizes
    with the batch's statistics (``stats="batch"``) or with all of X's (``"set"``).
    A network whose loss stops being finite is frozen from that step on. Returns a
    `TrainResult` as `nnclaims.nn.training.train` does (its ``engine``: ``"statistics:<stats>"``)."""
    from .training import MinibatchOrder, Schedule, TrainResult

    if stats not in STATS:
        raise ValueError(f"unknown statistics {stats!r}; valid: {', '.join(STATS)}")
    X, y = X.to(device=device, dtype=dtype), y.to(device=device, dtype=torch.long)
    net = BatchedNet.init(spec, list(seeds), dtype, device)
    params = net.requires_grad_(True).parameters()
    rates = Schedule(steps, lr).rates(net.S)
    opt = make_optimizer("sgd", rates[0] if len(set(rates)) == 1 else torch.tensor(rates, dtype=dtype, device=device))
    order, records = MinibatchOrder(X.shape[0], batch_size, list(seeds)), Schedule(steps, lr, record_every=record_every)
    history: dict[str, list] = {}
    diverged, recorded = torch.full((net.S,), -1, dtype=torch.long), set(records.record_steps())
    for step in range(steps + 1):
        if step in recorded:
            for monitor in monitors:
                for key, value in monitor(net, step).items():
                    history.setdefault(key, []).append(value.detach().to("cpu", torch.float64).numpy())
        if step == steps:
            break
        idx = order.indices(step).to(X.device).reshape(-1)
        xb, yb = X.index_select(0, idx).view(net.S, batch_size, -1), y.index_select(0, idx).view(net.S, batch_size)
        loss = losses.per_network("ce", forward_with_statistics(net, xb, X if stats == "set" else None), yb)
        finite = torch.isfinite(loss.detach()).cpu() & (diverged < 0)
        diverged[~finite & (diverged < 0)] = step
        grads = torch.autograd.grad(torch.where(finite.to(loss.device), loss, 0.0).sum(), params, allow_unused=True)
        rows = batch_size + (X.shape[0] if stats == "set" and spec.norm == "batch" else 0)  # the set's pass is work too
        cost.add(net.S, cost.step_flops([tuple(w.shape[-2:]) for w in net.weight], rows), int((diverged >= 0).sum()))
        opt.step(params, [torch.zeros_like(p) if g is None else g for p, g in zip(params, grads)], finite.to(device))
    net.requires_grad_(False)
    return TrainResult(net, list(seeds), np.array(records.record_steps()), {k: np.stack(v) for k, v in history.items()},
                       diverged.numpy(), f"statistics:{stats}", 0.0)
