"""Measurements on S networks at once: gradients, activations, dead units.

Every probe takes a `BatchedNet` and returns tensors with the seed axis first, so one
call measures all seeds. Layers are indexed from the input: hidden layer 0 is the first.
"""

from __future__ import annotations

import torch
from torch import Tensor

from . import losses
from .batched import BatchedNet
from .models import MLPSpec, layer_params
from ..numeric.seeding import torch_generator


def gradient_norms(net: BatchedNet, X: Tensor, y: Tensor, loss: str) -> dict[str, Tensor]:
    """Per-layer gradient norms of each network's loss on (X, y).

    weight_grad: ``(S, n_layers)`` Frobenius norm of dL/dW for every linear layer;
    pre_grad: ``(S, n_hidden)`` norm of dL/dz over the batch for every hidden layer's
    pre-activation z (the signal that backpropagation carries between layers);
    loss: ``(S,)`` the loss itself, so that a monitor need not evaluate it again.
    """
    weights = [w.detach().requires_grad_(True) for w in net.weight]
    probe = BatchedNet(net.spec, {**net.params, "weight": weights}, net.buffers)
    out, trace = probe(X, trace=True)
    per_network = losses.per_network(loss, out, y)
    grads = torch.autograd.grad(per_network.sum(), [*weights, *trace.pre])
    L = len(weights)
    return {
        "loss": per_network.detach(),
        "weight_grad": torch.stack([g.flatten(1).norm(dim=1) for g in grads[:L]], dim=1),
        "pre_grad": torch.stack([g.flatten(1).norm(dim=1) for g in grads[L:]], dim=1)
        if len(grads) > L else torch.zeros(net.S, 0),
    }


@torch.no_grad()
def activation_stats(net: BatchedNet, X: Tensor) -> dict[str, Tensor]:
    """Mean and variance of every hidden layer's pre-activations and outputs, ``(S, n_hidden)``.

    Statistics pool all examples and units of a layer, as the variance recursions of
    the init theory describe them.
    """
    _, trace = net(X, trace=True)
    stat = lambda ts, f: torch.stack([f(t.flatten(1)) for t in ts], dim=1)  # noqa: E731
    return {
        "pre_mean": stat(trace.pre, lambda t: t.mean(dim=1)),
        "pre_var": stat(trace.pre, lambda t: t.var(dim=1, unbiased=False)),
        "post_mean": stat(trace.post, lambda t: t.mean(dim=1)),
        "post_var": stat(trace.post, lambda t: t.var(dim=1, unbiased=False)),
        "pre_second_moment": stat(trace.pre, lambda t: (t * t).mean(dim=1)),
    }


@torch.no_grad()
def streamed_second_moments(spec: MLPSpec, seed: int, X: Tensor, dtype: torch.dtype = torch.float64) -> Tensor:
    """Mean square of every hidden layer's pre-activations, ``(n_hidden,)``, of the network
    `init_params` gives ``seed`` (with the same ``dtype``), on inputs X ``(B, in)``.

    The same numbers as ``activation_stats(net, X)["pre_second_moment"][0]``, but each
    layer is drawn, applied and dropped in turn, so memory holds one layer, not the whole
    stack. Plain MLPs only (no norm, dropout, residual sums or learned slopes).
    """
    if spec.norm != "none" or spec.dropout or spec.residual or spec.act.learned_slope:
        raise ValueError("streamed_second_moments handles plain MLPs only (no norm, dropout, residual, learned slope)")
    act = spec.act
    gen = torch_generator(seed, "init")
    a = X.to(dtype)
    out = []
    for i, (weight, bias) in enumerate(layer_params(spec, gen, dtype)):
        if i == spec.n_layers - 1:
            break  # the output layer carries no pre-activation of a hidden layer
        z = torch.addmm(bias.to(a.device), a, weight.to(a.device).T)
        out.append((z * z).mean())
        a = act(z)
    return torch.stack(out)


@torch.no_grad()
def derivative_factors(net: BatchedNet, X: Tensor) -> Tensor:
    """Largest activation derivative of each hidden layer over all examples and units, ``(S, n_hidden)``.

    Along any path through the network, the product of derivative factors is at most
    the product of these maxima; for sigmoid each is at most 1/4.
    """
    _, trace = net(X, trace=True)
    return torch.stack([_derivative(net, i, z).flatten(1).max(dim=1).values
                        for i, z in enumerate(trace.pre)], dim=1)


@torch.no_grad()
def dead_units(net: BatchedNet, X: Tensor) -> list[Tensor]:
    """Per hidden layer, ``(S, width)`` masks of units whose activation derivative is zero
    on every example of X: such a unit passes no gradient to its incoming weights.
    For ReLU this is the same as the unit outputting zero on every example.
    """
    _, trace = net(X, trace=True)
    return [(_derivative(net, i, z) == 0).all(dim=1) for i, z in enumerate(trace.pre)]


@torch.no_grad()
def constant_output(net: BatchedNet, X: Tensor) -> Tensor:
    """``(S,)``: whether each network computes one constant over all inputs X ("born dead")."""
    out = net(X)
    return (out.amax(dim=1) == out.amin(dim=1)).all(dim=-1)


def _derivative(net: BatchedNet, layer: int, z: Tensor) -> Tensor:
    return net.act.grad(z, net.params["slope"][layer]) if net.act.learned_slope else net.act.grad(z)
