"""One training entry point, three engines.

``train(spec, X, y, seeds, schedule)`` trains one network per seed and returns their
final parameters and recorded history. ``engine="batched"`` trains all seeds as one
stacked computation (`nnclaims.batched`); ``engine="loop"`` trains them one at a time
with an ordinary `torch.nn.Module` and `torch.optim` loop. The loop is the reference:
from the same seeds, init and data order the two agree to float64 round-off (tests).
``engine="fused"`` (`nnclaims.nn.fused`) is the batched engine with its
step compiled, for tiny networks.

A network whose loss stops being finite is marked diverged and frozen from that step on;
the others carry on. Nothing raises because one seed blew up.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import torch
from torch import Tensor

from . import losses
from .batched import BatchedNet
from .fused import LossOf, fused_loss
from .models import MLPSpec, TorchMLP, init_params
from .optim import StackedOptimizer, make_optimizer, make_torch_optimizer
from ..numeric import cost
from ..numeric.seeding import torch_generator

ENGINES = ("batched", "loop", "fused")  # fused: `nnclaims.nn.fused`, the batched engine compiled for tiny networks

Monitor = Callable[[BatchedNet, int], dict[str, Tensor]]


@dataclass
class Schedule:
    """How to train: steps of an optimizer on a loss, full-batch unless batch_size is set.

    ``lr`` is one rate, or one per network (per seed given to `train`, in order): a sweep
    of learning rates over repeated seeds trains as one computation.

    l1 and l2 penalize the weights (not biases): ``l1 * sum|W| + l2 / 2 * sum W^2``, so
    that l2 equals SGD weight decay. ``record_every`` records the monitors every so many
    steps (and always at step 0 and the last step).
    """

    steps: int
    lr: float | Sequence[float]
    optimizer: str = "sgd"
    momentum: float = 0.0
    loss: str = "mse"
    batch_size: int | None = None
    l1: float = 0.0
    l2: float = 0.0
    record_every: int = 0

    def rates(self, n: int) -> list[float]:
        """One learning rate per network."""
        if isinstance(self.lr, (int, float)):
            return [float(self.lr)] * n
        rates = [float(r) for r in self.lr]
        if len(rates) != n:
            raise ValueError(f"{len(rates)} learning rates were given for {n} networks; give one, or one per network")
        return rates

    def record_steps(self) -> list[int]:
        every = self.record_every or self.steps or 1
        return sorted(set(range(0, self.steps + 1, every)) | {0, self.steps})


@dataclass
class TrainResult:
    """Final networks and the recorded history.

    history[key] has shape ``(len(steps), S, ...)``; ``diverged_step`` is -1 for networks
    that never diverged.
    """

    net: BatchedNet
    seeds: list[int]
    steps: np.ndarray
    history: dict[str, np.ndarray]
    diverged_step: np.ndarray
    engine: str
    wall_s: float

    @property
    def diverged(self) -> np.ndarray:
        return self.diverged_step >= 0

    def final(self, key: str) -> np.ndarray:
        return self.history[key][-1]

    def tidy(self, keys: Sequence[str] | None = None, per_network: dict[str, Sequence] | None = None,
             **constant: object) -> list[dict]:
        """One record per (recorded step, network) with the scalar histories as columns;
        ``per_network`` adds columns that differ by network (e.g. its learning rate, when
        one seed is trained at several rates)."""
        keys = [k for k in (keys or self.history) if self.history[k].ndim == 2]
        per_network = per_network or {}
        rows = []
        for t, step in enumerate(self.steps):
            for s, seed in enumerate(self.seeds):
                row = {**constant, **{k: v[s] for k, v in per_network.items()}, "seed": seed, "step": int(step)}
                row.update({k: float(self.history[k][t, s]) for k in keys})
                row["diverged"] = bool(0 <= self.diverged_step[s] <= step)
                rows.append(row)
        return rows


class MinibatchOrder:
    """Each network's own shuffled order of examples, reshuffled every epoch."""

    def __init__(self, n: int, batch_size: int, seeds: Sequence[int]) -> None:
        if not 0 < batch_size <= n:
            raise ValueError(f"batch_size must lie in 1..{n}, got {batch_size}")
        self.n, self.batch_size = n, batch_size
        self.per_epoch = n // batch_size  # the last partial batch is dropped
        self.generators = [torch_generator(s, "data") for s in seeds]
        self.perm: Tensor | None = None

    def indices(self, step: int) -> Tensor:
        pos = step % self.per_epoch
        if pos == 0 or self.perm is None:
            self.perm = torch.stack([torch.randperm(self.n, generator=g) for g in self.generators])
        return self.perm[:, pos * self.batch_size:(pos + 1) * self.batch_size]

    def keep(self, rows: Tensor) -> None:
        """Go on with the networks at ``rows`` only. Each network draws from its own
        generator, so leaving some out changes no other network's order."""
        self.generators = [self.generators[i] for i in rows.tolist()]
        if self.perm is not None:
            self.perm = self.perm.index_select(0, rows)


def penalty(weights: Sequence[Tensor], l1: float, l2: float) -> Tensor | float:
    """Per-network weight penalty for stacked weights ``(S, in, out)``."""
    total: Tensor | float = 0.0
    for w in weights:
        if l1:
            total = total + l1 * w.abs().sum(dim=(1, 2))
        if l2:
            total = total + 0.5 * l2 * (w * w).sum(dim=(1, 2))
    return total


def loss_monitor(X: Tensor, y: Tensor, loss: str, name: str = "loss") -> Monitor:
    """Records each network's loss on (X, y) with the network in evaluation mode."""
    def monitor(net: BatchedNet, step: int) -> dict[str, Tensor]:
        with torch.no_grad():
            return {name: losses.per_network(loss, net(X), y)}
    return monitor


def classification_monitor(X: Tensor, y: Tensor, prefix: str, *, training_data: bool = False) -> Monitor:
    """Records each network's cross-entropy and accuracy on (X, y) as ``<prefix>_loss``
    and ``<prefix>_accuracy``, in evaluation mode.

    ``training_data``: (X, y) are the data the networks train on, shared by all of them,
    and the training loss is the cross-entropy. The same pass then also records the
    training loss as ``loss`` (the same numbers), and `train` leaves out its own pass
    over the same data: on MNIST, that second pass was a fifth of a run (issue 22).
    """
    def monitor(net: BatchedNet, step: int) -> dict[str, Tensor]:
        with torch.no_grad():
            logits = net(X)
            target = y.to(logits.device)
            ce = losses.per_network("ce", logits, target)
            out = {"loss": ce} if training_data else {}
            return out | {f"{prefix}_loss": ce,
                          f"{prefix}_accuracy": (logits.argmax(dim=-1) == target).to(logits.dtype).mean(dim=1)}
    return records_training_loss(monitor, "ce") if training_data else monitor


def records_training_loss(monitor: Monitor, loss: str) -> Monitor:
    """Mark ``monitor`` as one that evaluates the networks on the data they train on
    (shared by all of them) and returns their training loss ``loss`` there as ``loss``:
    `train` then leaves out its own pass over the same data. The monitor must compute it
    as `losses.per_network` does, so that the record is the same."""
    monitor.records_loss = loss  # type: ignore[attr-defined]  # read by `_with_loss_monitor`
    return monitor


def _with_loss_monitor(monitors: Sequence[Monitor], X: Tensor, y: Tensor, loss: str) -> list[Monitor]:
    """The monitors `train` calls: the given ones, after its own of the training loss
    unless one of them records it already (`records_training_loss`)."""
    given = [getattr(m, "records_loss", None) for m in monitors]
    if not any(given):
        return [loss_monitor(X, y, loss), *monitors]
    if given.count(None) != len(given) - 1 or loss not in given:
        raise ValueError(f"one monitor may record the training loss, and only the one being trained on "
                         f"({loss!r}); these record {[g for g in given if g]}")
    return list(monitors)


def train(spec: MLPSpec, X: Tensor, y: Tensor, seeds: Sequence[int], schedule: Schedule, *,
          device: str | torch.device, engine: str, dtype: torch.dtype = torch.float32,
          monitors: Sequence[Monitor] = (), net: BatchedNet | None = None) -> TrainResult:
    """Train one network per seed on (X, y).

    ``device`` and ``engine`` have no defaults on purpose: they come from the settings
    (an experiment passes ``ctx.device`` and ``ctx.engine``), and a forgotten one would
    silently ignore them. X is ``(N, in)`` shared by all networks or ``(S, N, in)`` per
    network; y likewise.
    ``monitors`` are called at the recorded steps on the networks in evaluation mode and
    return ``(S, ...)`` tensors; the training loss on (X, y) is always recorded as
    ``loss``. The loop engine calls monitors on one network at a time, so with data per
    network only the built-in loss monitor sees each network's own data. ``net`` starts
    from given networks instead of fresh ones (batched engine).
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; valid engines are: {', '.join(ENGINES)}")
    losses._check(schedule.loss)
    if X.dim() == 3 and any(getattr(m, "records_loss", None) for m in monitors):
        # (S, N, in): each network its own data, which such a monitor does not see
        raise ValueError("a monitor that records the training loss needs data shared by all networks")
    X, y = X.to(device=device, dtype=dtype), _targets(y, schedule.loss, device, dtype)
    start = time.perf_counter()
    if engine in ("batched", "fused"):
        monitors = _with_loss_monitor(monitors, X, y, schedule.loss)
        result = _train_batched(spec, X, y, list(seeds), schedule, dtype, device, monitors, net, engine == "fused")
    else:
        if net is not None:
            raise ValueError("the loop engine starts from fresh networks; pass net=None")
        result = _train_loop(spec, X, y, list(seeds), schedule, dtype, device, list(monitors))
    result.wall_s = time.perf_counter() - start
    return result


def _targets(y: Tensor, loss: str, device, dtype) -> Tensor:
    return y.to(device=device, dtype=torch.long if loss == "ce" else dtype)


def _batch(X: Tensor, y: Tensor, idx: Tensor | None, per_network: bool) -> tuple[Tensor, Tensor]:
    """The minibatch of every network: ``idx`` is ``(S, B)``.

    Gathers with `index_select` on flattened rows, several times faster on the CPU than
    advanced indexing (``X[idx]``), which matters when a batch of MNIST digits for ten
    networks is four megabytes.
    """
    if idx is None:
        return X, y
    idx = idx.to(X.device)
    S, B = idx.shape
    if per_network:
        idx = idx + torch.arange(S, device=X.device)[:, None] * X.shape[1]
        X, y = X.flatten(0, 1), y.flatten(0, 1)
    flat = idx.reshape(-1)
    return (X.index_select(0, flat).view(S, B, *X.shape[1:]),
            y.index_select(0, flat).view(S, B, *y.shape[1:]))


def _record(history: dict[str, list], monitors: Sequence[Monitor], net: BatchedNet, step: int) -> None:
    for monitor in monitors:
        for key, value in monitor(net, step).items():
            history.setdefault(key, []).append(value.detach().to("cpu", torch.float64).numpy())


class _Training:
    """The networks still training, as one stacked computation, with all that is theirs
    alone: data (when per network), minibatch order, dropout generators, optimizer state.

    Until a network diverges this is the whole batch, ``full``. At a step where some
    diverge their outcome is decided (frozen from that step on, as the loop engine
    freezes them), so the stack is gathered once without them: from then on they cost no
    forward or backward pass, where a mask would compute them every step (in learning-
    rate sweeps, about a third of all network-steps: issue 22). `sync` writes the stack
    back into ``full`` before anything reads it.
    """

    def __init__(self, full: BatchedNet, X: Tensor, y: Tensor, opt: StackedOptimizer,
                 order: MinibatchOrder | None, dropout: list[torch.Generator] | None, y_per_network: bool,
                 loss_of: LossOf | None = None) -> None:
        self.full = self.net = full
        self.loss_of = loss_of  # the fused engine's compiled loss; None: the eager batched step
        self.rows: Tensor | None = None  # the stack's networks as rows of `full`; None: all of them
        self.X, self.y, self.opt, self.order, self.dropout = X, y, opt, order, dropout
        self.per_network, self.y_per_network = X.dim() == 3, y_per_network
        self.params = full.requires_grad_(True).parameters()

    def step(self, step: int, schedule: Schedule) -> Tensor:
        """One optimizer step of every network in the stack; returns which of them had a
        finite loss (a CPU bool mask). The others are left exactly as they were."""
        net = self.net
        xb, yb = _batch(self.X, self.y, self.order.indices(step) if self.order else None, self.per_network)
        if self.loss_of is not None:
            loss = self.loss_of(self.params, xb, yb)
        else:
            loss = losses.per_network(schedule.loss, net(xb, train=True, dropout_generators=self.dropout), yb)
        if schedule.l1 or schedule.l2:
            loss = loss + penalty(net.weight, schedule.l1, schedule.l2)
        finite = torch.isfinite(loss.detach()).cpu()
        active = finite.to(loss.device)
        total = loss.sum() if bool(finite.all()) else torch.where(active, loss, 0.0).sum()
        grads = torch.autograd.grad(total, self.params, allow_unused=True)
        grads = [torch.zeros_like(p) if g is None else g for p, g in zip(self.params, grads)]
        self.opt.step(self.params, grads, active)
        cost.add(net.S, cost.step_flops([tuple(w.shape[-2:]) for w in net.weight], xb.shape[-2]))
        return finite

    def rows_of(self, mask: Tensor) -> Tensor:
        """Rows of ``full`` of the stack's networks where ``mask`` (CPU) holds."""
        local = mask.nonzero().flatten()
        return local if self.rows is None else self.rows[local]

    def drop(self, keep: Tensor) -> None:
        """Leave out the stack's networks where ``keep`` (a CPU bool mask) is False."""
        self.sync()
        local = keep.nonzero().flatten()
        rows, on = self.rows_of(keep), local.to(self.net.device)
        params = {k: [t.detach().index_select(0, on).requires_grad_(True) for t in v]
                  for k, v in self.net.params.items()}
        buffers = {k: [t.index_select(0, on) for t in v] for k, v in self.net.buffers.items()}
        self.net = type(self.full)(self.full.spec, params, buffers)  # a subclass (nn.preact) keeps its forward
        self.params, self.rows = self.net.parameters(), rows
        self.opt.keep(on)
        if self.order is not None:
            self.order.keep(local)
        if self.dropout is not None:
            self.dropout = [self.dropout[i] for i in local.tolist()]
        if self.per_network:
            self.X = self.X.index_select(0, on)
        if self.y_per_network:
            self.y = self.y.index_select(0, on)

    @torch.no_grad()
    def sync(self) -> None:
        """Write the stack's parameters and buffers into their rows of ``full``."""
        if self.rows is None:
            return  # the stack is ``full`` itself
        rows = self.rows.to(self.full.device)
        for whole, part in ((self.full.params, self.net.params), (self.full.buffers, self.net.buffers)):
            for key, tensors in part.items():
                for target, mine in zip(whole[key], tensors):
                    target.index_copy_(0, rows, mine.detach())


def _train_batched(spec, X, y, seeds, schedule, dtype, device, monitors, net, fused=False) -> TrainResult:
    S = len(seeds)
    net = net if net is not None else BatchedNet.init(spec, seeds, dtype, device)
    if net.S != S:
        raise ValueError(f"net holds {net.S} networks but {S} seeds were given")
    rates = schedule.rates(S)
    lr = rates[0] if len(set(rates)) == 1 else torch.tensor(rates, dtype=net.dtype, device=net.device)
    order = (MinibatchOrder(X.shape[-2], schedule.batch_size, seeds)
             if schedule.batch_size else None)
    dropout = [torch_generator(s, "dropout") for s in seeds] if spec.dropout else None
    y_per_network = y.dim() == (2 if schedule.loss == "ce" else 3)
    loss_of = fused_loss(spec, schedule.loss) if fused else None
    training = _Training(net, X, y, make_optimizer(schedule.optimizer, lr, schedule.momentum), order, dropout,
                         y_per_network, loss_of)
    diverged_step = torch.full((S,), -1, dtype=torch.long)
    records = set(schedule.record_steps())
    history: dict[str, list] = {}
    for step in range(schedule.steps + 1):
        if step in records:
            training.sync()
            _record(history, monitors, net, step)
        if step == schedule.steps:
            break
        if training.net.S == 0:
            continue  # every network has diverged: only the records are left to take
        finite = training.step(step, schedule)
        if not bool(finite.all()):
            diverged_step[training.rows_of(~finite)] = step
            training.drop(finite)
    net.requires_grad_(False)
    return TrainResult(net, seeds, np.array(sorted(records)), _stack(history),
                       diverged_step.numpy(), "batched" if loss_of is None else "fused", 0.0)


def _train_loop(spec, X, y, seeds, schedule, dtype, device, monitors) -> TrainResult:
    per_network = X.dim() == 3
    rates = schedule.rates(len(seeds))
    histories, nets, diverged = [], [], []
    for s, seed in enumerate(seeds):
        Xs, ys = (X[s], y[s]) if per_network else (X, y)
        # the loss on this network's own data: with data per network, the batched engine's
        # monitor on all of X would feed every network's data to this one network
        watch = _with_loss_monitor(monitors, Xs, ys, schedule.loss)
        model = TorchMLP(spec, init_params(spec, seed), torch_generator(seed, "dropout"))
        model = model.to(device=device, dtype=dtype)
        opt = make_torch_optimizer(schedule.optimizer, model.parameters(), rates[s], schedule.momentum)
        order = MinibatchOrder(Xs.shape[0], schedule.batch_size, [seed]) if schedule.batch_size else None
        records = set(schedule.record_steps())
        history: dict[str, list] = {}
        diverged_at = -1
        for step in range(schedule.steps + 1):
            if step in records:
                model.eval()
                _record(history, watch, to_batched(model), step)
                model.train()
            if step == schedule.steps:
                break
            if order is None:
                xb, yb = Xs, ys
            else:
                idx = order.indices(step)[0].to(Xs.device)
                xb, yb = Xs[idx], ys[idx]
            loss = losses.single(schedule.loss, model(xb), yb)
            loss = loss + _loop_penalty(model, schedule.l1, schedule.l2)
            if diverged_at < 0 and not torch.isfinite(loss):
                diverged_at = step
            flops = cost.step_flops([tuple(lin.weight.shape) for lin in model.linears], xb.shape[0])
            if diverged_at >= 0:
                cost.add(1, flops / 3, diverged=1)  # its forward pass was computed for nothing
                continue  # frozen, as the batched engine freezes a diverged network
            cost.add(1, flops)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        histories.append(history)
        nets.append(to_batched(model))
        diverged.append(diverged_at)
    history = {k: np.concatenate([np.stack(h[k]) for h in histories], axis=1) for k in histories[0]}
    net = BatchedNet.stack(spec, [n.seed_params(0) for n in nets], dtype, device)
    net.buffers = {k: [torch.cat([n.buffers[k][i] for n in nets]) for i in range(len(nets[0].buffers[k]))]
                   for k in nets[0].buffers}
    return TrainResult(net, seeds, np.array(schedule.record_steps()), history,
                       np.array(diverged), "loop", 0.0)


def _loop_penalty(model: TorchMLP, l1: float, l2: float) -> Tensor | float:
    total: Tensor | float = 0.0
    for lin in model.linears:
        if l1:
            total = total + l1 * lin.weight.abs().sum()
        if l2:
            total = total + 0.5 * l2 * (lin.weight * lin.weight).sum()
    return total


def to_batched(model: TorchMLP) -> BatchedNet:
    """A one-network `BatchedNet` view of a `TorchMLP` (a copy), so probes serve both engines."""
    params: dict[str, list[Tensor]] = {
        "weight": [lin.weight.detach() for lin in model.linears],
        "bias": [lin.bias.detach() for lin in model.linears],
    }
    if model.spec.act.learned_slope:
        params["slope"] = [a.slope.detach() for a in model.acts]
    if model.spec.norm != "none":
        params["gain"] = [n.weight.detach() for n in model.norms]
        params["shift"] = [n.bias.detach() for n in model.norms]
    w = params["weight"][0]
    net = BatchedNet.stack(model.spec, [params], w.dtype, w.device)
    if model.spec.norm == "batch":
        net.buffers = {"running_mean": [n.running_mean.detach().clone().view(1, 1, -1) for n in model.norms],
                       "running_var": [n.running_var.detach().clone().view(1, 1, -1) for n in model.norms]}
    return net


def _stack(history: dict[str, list]) -> dict[str, np.ndarray]:
    return {k: np.stack(v) for k, v in history.items()}
