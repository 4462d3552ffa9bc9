"""A network at initialization, seed by seed in float64: the gradient that reaches its
first and last hidden layers, and how its forward signal fares on the way to the output.

One network at a time: the trace of a 100-layer network on a thousand inputs is large.
"""

from __future__ import annotations

import torch
from torch import Tensor

from . import probes
from .batched import BatchedNet
from .models import MLPSpec


def gradient_and_signal(spec: MLPSpec, seeds: list[int], X: Tensor, y: Tensor, device: str | torch.device,
                        loss: str = "ce") -> dict[int, dict]:
    """Per seed: the weight-gradient norms of the first layer and of the last hidden
    layer (``first_layer_grad``, ``last_hidden_grad``) of the loss on (X, y), and the
    forward signal's ``signal_growth`` and ``common_share`` (see `signal`)."""
    X = X.double()
    out = {}
    for seed in seeds:
        net = BatchedNet.init(spec, [seed], dtype=torch.float64, device=device)
        g = probes.gradient_norms(net, X, y, loss)["weight_grad"][0]
        with torch.no_grad():
            _, trace = net(X, trace=True)
        out[seed] = {"first_layer_grad": float(g[0]), "last_hidden_grad": float(g[-2]),
                     **signal(trace.post[0][0], trace.post[-1][0])}
    return out


def signal(first: Tensor, last: Tensor) -> dict[str, float]:
    """How the forward signal fares from the first hidden layer's output to the last's:
    the growth of its root mean square, and the share of the last layer's second moment
    that is one value common to every unit and input (near 1: every input looks alike to
    the output layer)."""
    rms = lambda a: float(a.pow(2).mean().sqrt())  # noqa: E731
    return {"signal_growth": rms(last) / rms(first), "common_share": float(last.mean() ** 2 / last.pow(2).mean())}
