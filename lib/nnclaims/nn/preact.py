"""Pre-activation residual networks, and what flows through a residual stream.

`PreActNet` is the batched engine's network with the pre-activation block of He et al.
(2016, "Identity Mappings"), one linear layer per branch: a linear stem a₀ = x W₀ + b₀,
then L blocks a ← a + s (act(a) W + b) with s = ``spec.residual_scale`` (1/√L keeps the
sum of L mean-zero branches bounded), and the head act(a_L) W_out + b_out. Its spec is an
ordinary `MLPSpec` with ``residual=True`` and sizes ``(in, width × (L + 1), out)``: the
stem, the L blocks and the head are its L + 2 linear layers, drawn by `init_params`
exactly as for a plain MLP. Pass it to `nnclaims.nn.training.train` as ``net=`` (the
batched engine; the loop engine has no such block). The post-activation block that
`BatchedNet` computes (a + s·act(a W + b)) adds a branch that is never negative for a
ReLU, so its means pile up block after block; this one's branch has mean zero.

Probes, for a residual stream or the hidden layers of a plain net (``stream``: the
activation inputs of the blocks, a₀ … a_L; for a plain net the hidden outputs h₁ … h_L):
`backprop_ratio` (how much of the backpropagated signal reaches the bottom), `path_shares`
(the input gradient split exactly by path length, Veit et al. 2016) and `lesions` (each
block deleted in turn, Veit's lesion study).
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import torch
from torch import Tensor

from . import losses
from .at_init import signal
from .batched import BatchedNet, Trace
from .models import MLPSpec

Block = Callable[[Tensor], Tensor]


class PreActNet(BatchedNet):
    """S pre-activation residual networks sharing an `MLPSpec` (see the module's docstring)."""

    def forward(self, x: Tensor, *, train: bool = False, trace: bool = False,
                dropout_generators=None) -> Tensor | tuple[Tensor, Trace]:
        """Logits ``(S, B, out)``; with ``trace``, the stream a₀ … a_L as both ``pre`` (the
        activations' inputs) and ``post`` (the blocks' outputs, a₀ being the stem's)."""
        stem, blocks, head = parts(self)
        states = [stem(x)]
        for block in blocks:
            states.append(block(states[-1]))
        out = head(states[-1])
        return (out, Trace(pre=list(states), post=states)) if trace else out

    __call__ = forward

    def to(self, dtype: torch.dtype | None = None, device: str | torch.device | None = None) -> "PreActNet":
        moved = super().to(dtype, device)  # a BatchedNet: keep the block
        return PreActNet(moved.spec, moved.params, moved.buffers)


def init_nets(spec: MLPSpec, seeds: Sequence[int], pre_activation: bool, dtype: torch.dtype = torch.float32,
              device: str | torch.device = "cpu") -> BatchedNet:
    """One network per seed: pre-activation residual nets (`PreActNet`) or `BatchedNet`'s own."""
    return (PreActNet if pre_activation else BatchedNet).init(spec, seeds, dtype=dtype, device=device)


def parts(net: BatchedNet) -> tuple[Block, list[Block], Block]:
    """The stem, the blocks and the head of a pre-activation residual net or of an MLP without
    norm or dropout: an MLP's stem is its first hidden layer, its blocks the hidden layers
    after it (h to act(h W + b), or h + s act(h W + b) when residual), so that deleting one
    passes h on."""
    if net.spec.norm != "none" or net.spec.dropout or net.act.learned_slope:
        raise ValueError("blocks are read off nets without norm, dropout or a learned slope")
    W, b, act, S = net.weight, net.bias, net.act, net.S
    lin = lambda i, a: torch.baddbmm(b[i], a.expand(S, *a.shape) if a.dim() == 2 else a, W[i])  # noqa: E731
    n = len(W)
    if isinstance(net, PreActNet):
        s = net.spec.residual_scale
        return (lambda x: lin(0, x), [lambda a, i=i: a + s * lin(i, act(a)) for i in range(1, n - 1)],
                lambda a: lin(n - 1, act(a)))
    s = net.spec.residual_scale

    def hidden(i: int) -> Block:  # a post-activation residual layer (`BatchedNet`'s) adds its input
        return (lambda a: a + s * act(lin(i, a))) if net.spec.is_residual_layer(i) else (lambda a: act(lin(i, a)))
    return (lambda x: act(lin(0, x)), [hidden(i) for i in range(1, n - 1)], lambda a: lin(n - 1, a))


def _stream(net: BatchedNet, X: Tensor) -> list[Tensor]:
    """The stream a₀ … a_L of every network on X, without a graph (a₀: the stem's output)."""
    stem, blocks, _ = parts(net)
    with torch.no_grad():
        states = [stem(X.to(net.dtype))]
        for block in blocks:
            states.append(block(states[-1]))
    return states


def backprop_ratio(net: BatchedNet, X: Tensor, y: Tensor, loss: str = "ce") -> dict[str, Tensor]:
    """Per network ``(S,)``: log10 of |∂L/∂a₀| / |∂L/∂a_L|, the backpropagated signal at the
    bottom of the stream over its top (norms over examples and units; 0: nothing lost), and
    the forward signal's growth and common share from a₀ to a_L (`at_init.signal`)."""
    _, blocks, head = parts(net)
    first = _stream(net, X)[0].requires_grad_(True)
    with torch.enable_grad():
        a = first
        for block in blocks:
            a = block(a)
        last = a
        g0, gL = torch.autograd.grad(losses.per_network(loss, head(last), y).sum(), [first, last])
    ratio = g0.flatten(1).norm(dim=1) / gL.flatten(1).norm(dim=1)
    forward = [signal(first[s].detach(), last[s].detach()) for s in range(net.S)]
    return {"log10_ratio": torch.log10(ratio).detach(),
            "signal_growth": torch.tensor([f["signal_growth"] for f in forward]),
            "common_share": torch.tensor([f["common_share"] for f in forward])}


def path_shares(net: PreActNet, X: Tensor, y: Tensor, loss: str = "ce") -> Tensor:
    """The gradient of the loss with respect to the stem's output a₀, split exactly by path
    length, ``(S, L + 1)``: entry k is |G_k| / Σ_j |G_j|, where G_k sums the paths through k
    branches and Σ_k G_k is the gradient itself. Exact for ReLU, whose gates are frozen at
    their values on X (act(a) = D a, D the gate pattern), as in Veit et al.'s analysis."""
    if not isinstance(net, PreActNet) or net.spec.activation != "relu":
        raise ValueError("path shares need a pre-activation residual net of ReLU gates (act(a) = D a)")
    W, s, (_, _, head) = net.weight, net.spec.residual_scale, parts(net)
    states = _stream(net, X)
    top = states[-1].requires_grad_(True)
    with torch.enable_grad():
        g = torch.autograd.grad(losses.per_network(loss, head(top), y).sum(), top)[0]
    L = len(states) - 1
    G = torch.zeros((L + 1, *g.shape), dtype=g.dtype, device=g.device)
    G[0] = g
    with torch.no_grad():
        for i in range(L, 0, -1):  # block i maps a_{i-1} to a_i: G_k(a_{i-1}) = G_k + s G_{k-1} W_iᵀ D_i
            gate = (states[i - 1] > 0).to(g.dtype)
            depth = L - i + 1  # at most this many branches lie above a_{i-1}
            G[1:depth + 1] += s * torch.matmul(G[:depth], W[i].transpose(-1, -2)) * gate
    norms = G.flatten(2).norm(dim=2).T  # (S, L + 1)
    return norms / norms.sum(dim=1, keepdim=True)


def path_monitor(X: Tensor, y: Tensor, at: set[int]):
    """A training monitor (`nnclaims.nn.training.train`) of `path_shares` on (X, y) at the steps
    ``at`` (NaN at the other recorded steps): ``path_share``, ``(S, L + 1)``."""
    def monitor(net: PreActNet, step: int) -> dict[str, Tensor]:
        if step not in at:
            return {"path_share": torch.full((net.S, len(net.weight) - 1), float("nan"))}
        return {"path_share": path_shares(net, X, y)}
    return monitor


def effective_length(shares: Tensor) -> Tensor:
    """The mean path length under the shares ``(..., L + 1)``: Σ_k k share_k."""
    return (shares * torch.arange(shares.shape[-1], dtype=shares.dtype, device=shares.device)).sum(dim=-1)


@torch.no_grad()
def lesions(net: BatchedNet, X: Tensor, y: Tensor) -> dict[str, Tensor]:
    """Veit et al.'s lesion study on S networks: the accuracy on (X, y) of the intact
    networks ``(S,)``, with each block deleted in turn ``(S, n_blocks)`` (the block passes
    its input on unchanged), and each block's share of the stream it feeds, |Δ_i| / |a_L|
    with Δ_i = a_i − a_{i−1} the part a deletion removes ``(S, n_blocks)``."""
    _, blocks, head = parts(net)
    states = _stream(net, X)
    accuracy = lambda a: (head(a).argmax(dim=-1) == y).to(net.dtype).mean(dim=1)  # noqa: E731
    norm = lambda t: t.flatten(1).norm(dim=1)  # noqa: E731
    deleted = []
    for i in range(len(blocks)):
        a = states[i]
        for block in blocks[i + 1:]:
            a = block(a)
        deleted.append(accuracy(a))
    shares = [norm(states[i + 1] - states[i]) / norm(states[-1]) for i in range(len(blocks))]
    return {"accuracy": accuracy(states[-1]), "deleted": torch.stack(deleted, dim=1),
            "share": torch.stack(shares, dim=1)}


def branch_scale(blocks: int) -> float:
    """1/√L: the residual scale that keeps the sum of L mean-zero branches bounded."""
    return 1.0 / math.sqrt(blocks)
