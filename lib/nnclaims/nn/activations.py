"""Activation functions by name, each with its closed-form derivative.

The closed forms are written out independently of autograd so that experiments can
check one against the other (`sigmoid-derivative`, `activation-shapes`) and so that
probes can evaluate derivative factors without a backward pass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from .registry import Registry

Elementwise = Callable[..., Tensor]


@dataclass(frozen=True)
class Activation:
    """An elementwise nonlinearity.

    ``fn(z)`` and ``derivative(z)``; an activation with a learned slope (PReLU) takes
    the slope as a second argument that broadcasts against ``z``.
    """

    name: str
    fn: Elementwise
    derivative: Elementwise
    learned_slope: bool = False
    params: dict = field(default_factory=dict)

    def __call__(self, z: Tensor, slope: Tensor | None = None) -> Tensor:
        return self.fn(z, slope) if self.learned_slope else self.fn(z)

    def grad(self, z: Tensor, slope: Tensor | None = None) -> Tensor:
        return self.derivative(z, slope) if self.learned_slope else self.derivative(z)


ACTIVATIONS: Registry[Callable[..., Activation]] = Registry("activation")


def _act(name: str):
    return ACTIVATIONS.register(name)


@_act("identity")
def identity() -> Activation:
    return Activation("identity", lambda z: z, torch.ones_like)


@_act("step")
def step() -> Activation:
    # Heaviside with H(0) = 0, the perceptron's convention; its derivative is zero
    # almost everywhere, which is why the perceptron has its own learning rule.
    return Activation("step", lambda z: (z > 0).to(z.dtype), torch.zeros_like)


@_act("sigmoid")
def sigmoid() -> Activation:
    def d(z: Tensor) -> Tensor:
        s = torch.sigmoid(z)
        return s * (1 - s)

    return Activation("sigmoid", torch.sigmoid, d)


@_act("sigmoid_centered")
def sigmoid_centered() -> Activation:
    # sigma(x) - 1/2 = tanh(x/2)/2: the sigmoid's saturation with a zero-centred output,
    # to tell "zero-centred" from "tanh" in tanh-vs-sigmoid.
    def d(z: Tensor) -> Tensor:
        s = torch.sigmoid(z)
        return s * (1 - s)

    return Activation("sigmoid_centered", lambda z: torch.sigmoid(z) - 0.5, d)


@_act("tanh")
def tanh() -> Activation:
    return Activation("tanh", torch.tanh, lambda z: 1 - torch.tanh(z) ** 2)


@_act("relu")
def relu() -> Activation:
    return Activation("relu", torch.relu, lambda z: (z > 0).to(z.dtype))


@_act("leaky_relu")
def leaky_relu(slope: float = 0.01) -> Activation:
    # F.leaky_relu computes z > 0 ? z : slope * z, as torch.where(z > 0, z, slope * z)
    # did, in one kernel each way: the same values (tested), where cost 17 times as much
    # forward and backward on this build and held a third of dying_relu's training.
    return Activation(
        "leaky_relu",
        lambda z: F.leaky_relu(z, slope),
        lambda z: torch.where(z > 0, torch.ones_like(z), torch.full_like(z, slope)),
        params={"slope": slope},
    )


@_act("prelu")
def prelu(init: float = 0.25) -> Activation:
    # The slope is a learned parameter; `init` is its starting value (He et al. 2015).
    # torch._prelu_kernel is F.prelu's elementwise core, z > 0 ? z : a * z with `a`
    # broadcast, the same values as torch.where(z > 0, z, a * z) (tested) at 2.7 times
    # the speed; F.prelu itself wants one slope per channel, not the batched (S, 1, h).
    return Activation(
        "prelu",
        lambda z, a: torch._prelu_kernel(z, a),
        lambda z, a: torch.where(z > 0, torch.ones_like(z), a.expand_as(z)),
        learned_slope=True,
        params={"init": init},
    )


_SQRT2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


@_act("gelu")
def gelu() -> Activation:
    # The exact form x * Phi(x), not the tanh approximation.
    def f(z: Tensor) -> Tensor:
        return 0.5 * z * (1 + torch.erf(z / _SQRT2))

    def d(z: Tensor) -> Tensor:
        return 0.5 * (1 + torch.erf(z / _SQRT2)) + z * _INV_SQRT_2PI * torch.exp(-0.5 * z * z)

    return Activation("gelu", f, d)


@_act("softplus")
def softplus() -> Activation:
    # log(1 + e^z): ReLU made smooth and never exactly zero (relu-sparsity's contrast)
    return Activation("softplus", torch.nn.functional.softplus, torch.sigmoid)


@_act("swish")
def swish() -> Activation:
    def d(z: Tensor) -> Tensor:
        s = torch.sigmoid(z)
        return s * (1 + z * (1 - s))

    return Activation("swish", lambda z: z * torch.sigmoid(z), d)


def get_activation(name: str, **params: float) -> Activation:
    """The activation called ``name``; unknown names raise, listing the valid ones."""
    factory = ACTIVATIONS.get(name)
    try:
        return factory(**params)
    except TypeError as err:
        raise ValueError(f"activation {name!r} does not take parameters {params}: {err}") from None


def activation_names() -> list[str]:
    return ACTIVATIONS.names()
