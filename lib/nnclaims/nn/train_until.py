"""Training until the training cross-entropy reaches a threshold, or a step budget runs out.

Each network stops at its first record (every ``schedule.record_every`` steps) whose training
cross-entropy, in evaluation mode, is at most ``threshold``: a monitor keeps its parameters
there, so the network returned is the one that stopped. `train` has no per-network stop, so
the networks run in passes: all of them for ``first_pass`` steps, then the ones that had not
stopped again from scratch for twice as many steps, and so on up to the budget. Every network
draws its initialization, data order and dropout masks from its own seed
(`nnclaims.nn.training`), so a later pass repeats an earlier pass's steps exactly and goes on:
the same run, longer. A network that stops at step t costs at most about 4t steps in all
(2t on average), where a full budget for every network would cost the budget.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np
import torch
from torch import Tensor

from .models import MLPSpec
from .training import Monitor, Schedule, TrainResult, classification_monitor, records_training_loss, train


@dataclass
class Stopped:
    """The passes (result, stop step per network or -1, seeds) and, per seed, where it ended."""

    passes: list[tuple[TrainResult, np.ndarray, list[int]]]
    end: dict[int, tuple[TrainResult, int, int]]  # seed -> (its pass, its row there, its last step)

    def net(self, seed: int) -> tuple:
        """(the stacked networks holding this seed's, its row)."""
        result, row, _ = self.end[seed]
        return result.net, row

    def tidy(self, keys: Sequence[str], **constant: object) -> list[dict]:
        """Records up to each seed's end, from the pass that ended it (`TrainResult.tidy`)."""
        rows = []
        for result, _, seeds in self.passes:
            rows += [r for r in result.tidy(keys, **constant)
                     if self.end[r["seed"]][0] is result and r["step"] <= self.end[r["seed"]][2]]
        return sorted(rows, key=lambda r: (r["seed"], r["step"]))


def stopping_monitor(X: Tensor, y: Tensor, threshold: float) -> tuple[Monitor, dict]:
    """The training-data monitor (``loss``, ``train_loss``, ``train_accuracy``) that also keeps each network's
    parameters at its first record with cross-entropy ≤ ``threshold``; ``state``: "step" and "params" per network."""
    inner, state = classification_monitor(X, y, "train", training_data=True), {}

    def monitor(net, step: int) -> dict[str, Tensor]:
        out = inner(net, step)
        stop = state.setdefault("step", np.full(net.S, -1))
        for s in np.flatnonzero((out["loss"].cpu().numpy() <= threshold) & (stop < 0)):
            stop[s] = step
            state.setdefault("params", {})[s] = {k: [t[s].detach().clone() for t in v] for k, v in net.params.items()}
        return out
    return records_training_loss(monitor, "ce"), state


def _one_pass(spec, X, y, seeds, schedule, threshold, device, engine, monitors):
    stopper, state = stopping_monitor(X.to(device), y.to(device), threshold)
    result = train(spec, X, y, seeds, schedule, device=device, engine=engine, monitors=[stopper, *monitors])
    with torch.no_grad():  # each stopped network put back as it was at its stop
        for s, params in state.get("params", {}).items():
            for key, tensors in params.items():
                for whole, mine in zip(result.net.params[key], tensors):
                    whole[s] = mine
    return result, state.get("step", np.full(len(seeds), -1))


def train_until(spec: MLPSpec, X: Tensor, y: Tensor, seeds: Sequence[int], schedule: Schedule, threshold: float, *,
                first_pass: int, device: str, engine: str, monitors: Sequence[Monitor] = ()) -> Stopped:
    """Train one network per seed with cross-entropy until its training loss is ≤ ``threshold`` at a record, or for
    ``schedule.steps`` steps; ``first_pass``: the steps of the first pass, doubled in each later one."""
    if schedule.loss != "ce":
        raise ValueError("train_until stops on the training cross-entropy; the schedule's loss must be 'ce'")
    seeds, rates = list(seeds), schedule.rates(len(seeds))
    passes, end, todo, budget = [], {}, seeds, min(first_pass, schedule.steps)
    while todo:
        step = replace(schedule, steps=budget, lr=[rates[seeds.index(s)] for s in todo])
        result, stop = _one_pass(spec, X, y, todo, step, threshold, device, engine, monitors)
        final = budget >= schedule.steps
        end.update({s: (result, i, int(st) if st >= 0 else budget)
                    for i, (s, st) in enumerate(zip(todo, stop)) if st >= 0 or final})
        passes.append((result, stop, todo))
        todo, budget = [s for s in todo if s not in end], min(2 * budget, schedule.steps)
    return Stopped(passes, end)
