"""Fitting curves on [0, 1] with stacks of small 1-D ReLU networks, the best of restarts.

One network per run (target, seed, restart, learning rate), all trained as one
computation by `nnclaims.nn.training.train` with Adam on minibatches; each is scored by
its final training loss and its test error on other points, normalized by the target's
variance. A seed's network is its restart with the lowest final training loss (a
diverged one is never chosen), and its affine pieces are counted exactly from its
weights (`nnclaims.numeric.pieces`).
"""

from __future__ import annotations

from typing import Callable, Mapping

import numpy as np
import pandas as pd
import torch

from ..numeric import pieces
from .models import MLPSpec
from .training import Schedule, TrainResult, train

Run = tuple[str, int, int, float]  # target, seed, restart, learning rate


def fit_curves(spec: MLPSpec, targets: Mapping[str, Callable], runs: list[Run], steps: int, x: np.ndarray,
               xt: np.ndarray, *, batch: int, stride: int, device: str, engine: str) -> tuple[list[dict], TrainResult]:
    """Train one network per run on (x, target(x)); restart r of seed s trains from seed
    s + r * ``stride``. Per run its final loss and normalized test error on ``xt``, and the
    training result."""
    X = torch.tensor(np.tile(x[None, :, None], (len(runs), 1, 1)), dtype=torch.float32)
    Y = torch.tensor(np.stack([targets[n](x)[:, None] for n, _, _, _ in runs]), dtype=torch.float32)
    result = train(spec, X, Y, [s + r * stride for _, s, r, _ in runs],
                   Schedule(steps, [lr for _, _, _, lr in runs], optimizer="adam", batch_size=batch),
                   device=device, engine=engine)
    with torch.no_grad():
        pred = result.net(torch.tensor(xt, dtype=torch.float32, device=device)[:, None])[..., 0].cpu().numpy()
    final = result.final("loss")
    rows = []
    for i, (name, seed, restart, lr) in enumerate(runs):
        truth = targets[name](xt)
        loss = float(final[i]) if not result.diverged[i] else float("nan")
        rows.append({"target": name, "seed": seed, "restart": restart, "lr": lr, "loss": loss,
                     "diverged": bool(result.diverged[i]),
                     "test_nmse": float(np.mean((pred[i] - truth) ** 2) / np.var(truth))})
    return rows, result


def best_of_restarts(rows: list[dict], result: TrainResult, spec: MLPSpec, curve_x: np.ndarray, first_seed: int,
                     device: str) -> tuple[list[dict], list[dict]]:
    """Per (target, seed) the restart with the lowest final training loss, with its exact
    piece count and how many of its restarts diverged; and ``first_seed``'s fitted curves
    on ``curve_x``. ``rows``: `fit_curves`'s, in the order of its runs."""
    frame = pd.DataFrame(rows)
    frame["rank_loss"] = frame["loss"].fillna(np.inf)
    best = frame.loc[frame.groupby(["target", "seed"], sort=False)["rank_loss"].idxmin()]
    records, fits = [], []
    with torch.no_grad():
        curve = result.net(torch.tensor(curve_x, dtype=torch.float32, device=device)[:, None])[..., 0].cpu().numpy()
    for i, row in best.iterrows():
        p = result.net.seed_params(i)
        layers = [(w.numpy(), b.numpy()) for w, b in zip(p["weight"], p["bias"])]
        records.append({k: row[k] for k in ("target", "seed", "restart", "lr", "loss", "diverged", "test_nmse")}
                       | {"params": spec.n_params(), "pieces": pieces.pieces_exact(layers)[0],
                          "restarts_diverged": int(frame[(frame["target"] == row["target"]) &
                                                         (frame["seed"] == row["seed"])]["diverged"].sum())})
        if row["seed"] == first_seed:
            fits += [{"target": row["target"], "x": float(a), "y": float(b)} for a, b in zip(curve_x, curve[i])]
    return records, fits
