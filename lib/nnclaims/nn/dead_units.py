"""Dead hidden units during training: a monitor, and the counts of units that die and come back.

A unit is *dead* when its activation derivative is zero on every training example (it
passes no gradient to its incoming weights); it *would be dead* when its pre-activation is
at most 0 on every example (for ReLU the same thing; a Leaky ReLU or PReLU unit in that
state still passes a gradient). `dead_unit_monitor` records both masks at every recorded
step, with the largest gradient any would-be-dead unit's incoming weights get;
`unit_counts` turns the recorded masks into per-layer counts between two steps.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor

from . import losses
from .batched import BatchedNet


def dead_unit_monitor(X: Tensor, y: Tensor, loss: str, hidden: int):
    """A training monitor: per network, the training loss (one pass, not two), which hidden
    units would be dead and which are dead (masks ``wbd``, ``dead``: (N, hidden * width)),
    the dead fraction, and the largest |gradient| on would-be-dead units' incoming weights,
    in the first layer (``max_dead_grad``) and in any of the ``hidden`` layers (``max_dead_grad_all``)."""

    def monitor(net: BatchedNet, step: int):
        weights = [w.detach().requires_grad_(True) for w in net.weight]
        probe = BatchedNet(net.spec, {**net.params, "weight": weights}, net.buffers)
        out, trace = probe(X, trace=True)
        value = losses.per_network(loss, out, y)  # also the record of the training loss: one pass, not two
        grads = torch.autograd.grad(value.sum(), weights[:hidden])
        pre = [z.detach() for z in trace.pre]
        wbd = [(z <= 0).all(dim=1) for z in pre]  # (N, width): would be dead
        # (N, width): zero derivative on every example (what probes.dead_units computes, from this pass)
        slope = net.params.get("slope")
        dead = [((net.act.grad(z, slope[i]) if net.act.learned_slope else net.act.grad(z)) == 0).all(dim=1)
                for i, z in enumerate(pre)]
        # Largest |gradient| on the incoming weights of would-be-dead units, per layer: (N, hidden).
        dead_grad = torch.stack([torch.where(m[:, None, :], g.abs(), torch.zeros_like(g)).amax(dim=(1, 2))
                                 for m, g in zip(wbd, grads)], dim=1)
        dead_all = torch.cat(dead, dim=1)
        return {"loss": value.detach(), "wbd": torch.cat(wbd, dim=1).float(), "dead": dead_all.float(),
                "dead_fraction": dead_all.float().mean(dim=1), "max_dead_grad": dead_grad[:, 0],
                "max_dead_grad_all": dead_grad.amax(dim=1)}

    return monitor


def unit_counts(result, labels: Sequence[dict], hidden: int, width: int, half: int) -> tuple[list[dict], list[dict]]:
    """From a training run recorded with `dead_unit_monitor`: per (network, layer) and per
    network (``labels[n]`` names network n), the units dead and would-be-dead at step
    ``half`` and at the end, and those that came back in between (``revived``: dead, then
    not; ``wbd_back``: would be dead, then not)."""
    steps = len(result.steps)
    h, end = list(result.steps).index(half), steps - 1
    dead = result.history["dead"].astype(bool).reshape(steps, len(labels), hidden, width)
    wbd = result.history["wbd"].astype(bool).reshape(steps, len(labels), hidden, width)
    units, networks = [], []
    for n, label in enumerate(labels):
        diverged = bool(result.diverged[n])
        for layer in range(hidden):
            dh, de, wh, we = dead[h, n, layer], dead[end, n, layer], wbd[h, n, layer], wbd[end, n, layer]
            units.append({**label, "layer": layer + 1, "units": width, "diverged": diverged,
                          "dead_half": int(dh.sum()), "revived": int((dh & ~de).sum()), "dead_end": int(de.sum()),
                          "wbd_half": int(wh.sum()), "wbd_back": int((wh & ~we).sum()), "wbd_end": int(we.sum())})
        networks.append({**label, "diverged": diverged, "units": hidden * width,
                         "dead_end": int(dead[end, n].sum()), "wbd_end": int(wbd[end, n].sum())})
    return units, networks


def learned_slopes(result, labels: Sequence[dict]) -> list[dict]:
    """PReLU's learned negative-side slopes, per layer and unit of every network that did
    not diverge (a diverged network's slopes mean nothing)."""
    slopes = []
    for layer, a in enumerate(result.net.params["slope"]):
        for n, label in enumerate(labels):
            if not result.diverged[n]:
                slopes += [{**label, "layer": layer + 1, "unit": u, "slope": float(v)}
                           for u, v in enumerate(a[n, 0].cpu())]
    return slopes

