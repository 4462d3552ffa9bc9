"""The fused step (issue 22, item 2): ``engine: fused`` in the config.

The batched engine's step for tiny networks with 1-D inputs or outputs is mostly memory
traffic: a layer with one input or one output is a batched matrix product with a
dimension of 1, which BLAS runs far below its peak, and every elementwise operation
after it (bias, activation, their gradients) reads and writes the whole hidden array
again. Written in reduction form (a layer with one input as an outer product, a layer
with one output as an elementwise product summed over its inputs) and compiled by
`torch.compile`, the forward pass, the loss and the backward pass fuse into a few loops
over the hidden array.

The numbers differ from the batched engine's in the last bits (sums run in another
order), so it is an engine of its own: ``engine="fused"``, recorded in its `TrainResult` and
in the run key, its agreement with the plain loop tested within a tolerance. It covers the
networks it was made for, plain MLPs (no norm, dropout, residual or learned slope) with a
1-D input or output; for any other network (where BLAS's matrix products already run
near peak), and where no C++ compiler is found for torch's compiler, training runs the
batched engine's eager step and the result says ``engine="batched"`` (with one sentence
on stderr for the missing compiler).

Dynamo keeps its compiled versions on the function's code object and, past a limit,
silently runs a frame uncompiled: a result would then depend on what the process trained
before. So each network structure gets its own copy of the code (a cache of its own),
and hitting the limit anyway is an error, never a silent change of engine.
"""

from __future__ import annotations

import shutil
import sys
import types
from typing import Callable, Sequence

import torch
from torch import Tensor

from . import losses
from .models import MLPSpec

LossOf = Callable[[Sequence[Tensor], Tensor, Tensor], Tensor]
COMPILERS = ("g++", "c++", "clang++")  # what torch's CPU code generator can build with


RECOMPILES = 8  # per structure: a first stack, a smaller one once networks diverge, dtypes; never reached


def supported(spec: MLPSpec) -> bool:
    """Whether the fused step covers this network: a plain MLP with a 1-D input or output."""
    return (spec.norm == "none" and spec.dropout == 0 and not spec.residual
            and not spec.act.learned_slope and 1 in (spec.sizes[0], spec.sizes[-1]))


def compiler_available() -> bool:
    return any(shutil.which(name) for name in COMPILERS)


def forward(act: Callable[[Tensor], Tensor], weights: Sequence[Tensor], biases: Sequence[Tensor],
            x: Tensor) -> Tensor:
    """Logits ``(S, B, out)`` of plain MLPs with parameters in the batched layout.

    Inside, activations run as ``(S, width, B)``, the batch on the inner axis, so that the
    backward pass's sums over the batch (the gradients of weights and biases) run along
    contiguous memory: measured twice as fast compiled as the ``(S, B, width)`` layout.
    A layer of one input is an outer product, one of one output a sum over its inputs,
    so that no matrix product has a dimension of 1.
    """
    a = x.transpose(1, 2)
    last = len(weights) - 1
    for i, (w, b) in enumerate(zip(weights, biases)):
        wt, bt = w.transpose(1, 2), b.transpose(1, 2)  # (S, out, in), (S, out, 1)
        if w.shape[1] == 1:  # (S, out, 1) * (S, 1, B)
            z = wt * a + bt
        elif w.shape[2] == 1:  # (S, in, 1) * (S, in, B), summed over in
            z = (w * a).sum(dim=1, keepdim=True) + bt
        else:
            z = torch.baddbmm(bt, wt, a)
        a = z if i == last else act(z)
    return a.transpose(1, 2)


def fused_loss(spec: MLPSpec, loss: str) -> LossOf | None:
    """The compiled per-network training loss of ``spec``'s networks as a function of
    their stacked parameters (in `BatchedNet.parameters` order: biases, then weights),
    a minibatch and its targets; None where the fused step does not apply."""
    if not supported(spec):
        return None
    if not compiler_available():
        print("nnclaims: no C++ compiler found for torch.compile, so the fused engine runs the batched "
              "engine's eager step", file=sys.stderr)
        return None
    structure = (spec.activation, tuple(sorted(spec.activation_params.items())), spec.n_layers, loss)
    if structure not in _COMPILED:
        _COMPILED[structure] = _compile(spec.act, spec.n_layers, loss)
    return _COMPILED[structure]


# One compiled loss per network structure, for the process: a sweep's later calls reuse
# what its first call compiled (compiling costs seconds, a tiny step microseconds).
_COMPILED: dict[tuple, LossOf] = {}


def _compile(act: Callable[[Tensor], Tensor], n: int, loss: str) -> LossOf:
    def loss_of(params: Sequence[Tensor], xb: Tensor, yb: Tensor) -> Tensor:
        biases, weights = params[:n], params[n:]
        x = xb.expand(weights[0].shape[0], *xb.shape) if xb.dim() == 2 else xb
        return losses.per_network(loss, forward(act, weights, biases, x), yb)

    # A code object of its own: this structure's compiled versions are counted apart
    # from every other structure's.
    own = types.FunctionType(loss_of.__code__.replace(), loss_of.__globals__, loss_of.__name__,
                             loss_of.__defaults__, loss_of.__closure__)
    # dynamic=None: one compile for the first stack; if networks leave it (divergence),
    # one more for a stack of any size, never one per size
    compiled = torch.compile(own, dynamic=None)

    def guarded(params: Sequence[Tensor], xb: Tensor, yb: Tensor) -> Tensor:
        with torch._dynamo.config.patch(recompile_limit=RECOMPILES, fail_on_recompile_limit_hit=True):
            return compiled(params, xb, yb)

    return guarded
