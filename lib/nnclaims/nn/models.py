"""The MLP: its specification, its initial parameters, and an ordinary torch module.

`MLPSpec` describes a network by layer sizes, activation and init names. `init_params`
draws one seed's parameters; the batched engine stacks them across seeds
(`nnclaims.batched`) and the loop engine loads them into `TorchMLP`, a plain
`torch.nn.Module`, so that both start from the same numbers.

Layer order in a hidden layer: linear -> [norm] -> activation -> [dropout]; a residual
hidden layer adds its input to that result. The output layer is linear (logits).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import torch
from torch import Tensor, nn

from .activations import Activation, get_activation
from .inits import Init, get_init
from ..numeric.seeding import torch_generator

NORMS = ("none", "batch", "layer")
NORM_EPS = 1e-5
BN_MOMENTUM = 0.1


@dataclass
class MLPSpec:
    """A fully connected network.

    sizes: layer widths from input to output, e.g. ``(784, 16, 16, 10)``.
    activation / activation_params: a name from `nnclaims.activations` and its parameters.
    init / init_params: a name from `nnclaims.inits` and its parameters.
    bias_std, bias_shift: biases start as ``bias_shift + bias_std * N(0, 1)``.
    residual: hidden layers whose input and output widths agree add their input;
    residual_scale: the branch is scaled first, h = a + residual_scale * branch(a) (1/sqrt(depth)
    keeps the signal of a deep ReLU residual net bounded).
    norm: ``none``, ``batch`` (batch norm) or ``layer`` (layer norm), before the activation.
    dropout: inverted-dropout probability after each hidden activation.
    """

    sizes: Sequence[int]
    activation: str = "relu"
    activation_params: dict = field(default_factory=dict)
    init: str = "he_normal"
    init_params: dict = field(default_factory=dict)
    bias_std: float = 0.0
    bias_shift: float = 0.0
    residual: bool = False
    residual_scale: float = 1.0
    norm: str = "none"
    dropout: float = 0.0

    def __post_init__(self) -> None:
        self.sizes = tuple(int(s) for s in self.sizes)
        if len(self.sizes) < 2 or min(self.sizes) < 1:
            raise ValueError(f"sizes must list at least an input and an output width, got {self.sizes}")
        if self.norm not in NORMS:
            raise ValueError(f"unknown norm {self.norm!r}; valid norms are: {', '.join(NORMS)}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must lie in [0, 1), got {self.dropout}")
        self.act  # resolve names now, so a typo fails before any training starts
        self.initializer

    @property
    def act(self) -> Activation:
        return get_activation(self.activation, **self.activation_params)

    @property
    def initializer(self) -> Init:
        return get_init(self.init, **self.init_params)

    @property
    def n_layers(self) -> int:
        """Number of linear layers (hidden layers + the output layer)."""
        return len(self.sizes) - 1

    @property
    def hidden(self) -> tuple[int, ...]:
        return self.sizes[1:-1]

    def is_residual_layer(self, layer: int) -> bool:
        """Whether hidden layer ``layer`` (0-based linear-layer index) adds its input."""
        return self.residual and layer < self.n_layers - 1 and self.sizes[layer] == self.sizes[layer + 1]

    def n_params(self) -> int:
        """Trainable parameters, counted from the sizes alone."""
        count = mlp_param_count(self.sizes)
        extra_per_unit = (2 if self.norm != "none" else 0) + (1 if self.act.learned_slope else 0)
        return count + extra_per_unit * sum(self.hidden)


def mlp_param_count(sizes: Sequence[int]) -> int:
    """Weights and biases of a plain MLP: sum over layers of fan_in * fan_out + fan_out."""
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))


def init_params(spec: MLPSpec, seed: int, dtype: torch.dtype = torch.float64) -> dict[str, list[Tensor]]:
    """One seed's initial parameters, on the CPU, in float64 unless ``dtype`` says otherwise.

    Keys: ``weight`` (out, in) and ``bias`` (out,) per linear layer; ``slope`` per hidden
    layer for PReLU; ``gain`` and ``shift`` per hidden layer for batch and layer norm.
    ``dtype=torch.float32`` draws the weights and biases in float32 (see `Init.sample`):
    faster, and a different network for the same seed.
    """
    gen = torch_generator(seed, "init")
    weights, biases = [], []
    for weight, bias in layer_params(spec, gen, dtype):
        weights.append(weight)
        biases.append(bias)
    params = {"weight": weights, "bias": biases}
    params.update(_unit_params(spec))
    return params


def layer_params(spec: MLPSpec, generator: torch.Generator, dtype: torch.dtype = torch.float64):
    """The linear layers' (weight, bias) pairs in order, drawn one layer at a time from
    ``generator`` exactly as `init_params` draws them, so a caller can use each layer and
    let it go (a 50-layer stack of width 2048 is 1.6 GB in float64)."""
    init = spec.initializer
    for fan_in, fan_out in zip(spec.sizes[:-1], spec.sizes[1:]):
        weight = init.sample(fan_in, fan_out, generator, dtype=dtype)
        noise = torch.randn(fan_out, generator=generator, dtype=dtype) if spec.bias_std else 0.0
        yield weight, spec.bias_shift + spec.bias_std * noise + torch.zeros(fan_out, dtype=dtype)


def _unit_params(spec: MLPSpec, batch: tuple[int, ...] = ()) -> dict[str, list[Tensor]]:
    """Per-unit parameters of the hidden layers, which start at constants."""
    extra: dict[str, list[Tensor]] = {}
    if spec.act.learned_slope:
        a0 = spec.act.params["init"]
        extra["slope"] = [torch.full((*batch, h), a0, dtype=torch.float64) for h in spec.hidden]
    if spec.norm != "none":
        extra["gain"] = [torch.ones((*batch, h), dtype=torch.float64) for h in spec.hidden]
        extra["shift"] = [torch.zeros((*batch, h), dtype=torch.float64) for h in spec.hidden]
    return extra


class SeededDropout(nn.Module):
    """Inverted dropout drawing its masks from an explicit generator.

    `nn.Dropout` draws from torch's global generator; an explicit one lets the loop
    engine draw exactly the masks the batched engine draws for the same seed.
    """

    def __init__(self, p: float, generator: torch.Generator) -> None:
        super().__init__()
        self.p, self.generator = p, generator

    def forward(self, a: Tensor) -> Tensor:
        if not self.training or self.p == 0:
            return a
        return a * dropout_mask(a.shape, self.p, self.generator).to(a)


def dropout_mask(shape: Sequence[int], p: float, generator: torch.Generator) -> Tensor:
    """Keep-mask scaled by 1/(1-p), so that activations keep their expected value."""
    keep = torch.rand(tuple(shape), generator=generator, dtype=torch.float64) >= p
    return keep.to(torch.float64) / (1.0 - p)


class _Slope(nn.Module):
    def __init__(self, act: Activation, slope: Tensor) -> None:
        super().__init__()
        self.act, self.slope = act, nn.Parameter(slope)

    def forward(self, z: Tensor) -> Tensor:
        return self.act(z, self.slope)


class _Fixed(nn.Module):
    def __init__(self, act: Activation) -> None:
        super().__init__()
        self.act = act

    def forward(self, z: Tensor) -> Tensor:
        return self.act(z)


class TorchMLP(nn.Module):
    """The network of an `MLPSpec` as an ordinary torch module (the loop engine's model)."""

    def __init__(self, spec: MLPSpec, params: dict[str, list[Tensor]] | None = None,
                 dropout_generator: torch.Generator | None = None) -> None:
        super().__init__()
        self.spec = spec
        params = params if params is not None else init_params(spec, seed=0)
        self.linears = nn.ModuleList()
        for w, b in zip(params["weight"], params["bias"]):
            lin = nn.Linear(w.shape[1], w.shape[0], dtype=torch.float64)
            with torch.no_grad():
                lin.weight.copy_(w)
                lin.bias.copy_(b)
            self.linears.append(lin)
        act = spec.act
        self.acts = nn.ModuleList(
            _Slope(act, s.clone()) if act.learned_slope else _Fixed(act)
            for s in params.get("slope", [None] * len(spec.hidden))
        )
        self.norms = nn.ModuleList()
        for h, g, s in zip(spec.hidden, params.get("gain", []), params.get("shift", [])):
            norm = (nn.BatchNorm1d(h, eps=NORM_EPS, momentum=BN_MOMENTUM, dtype=torch.float64)
                    if spec.norm == "batch" else nn.LayerNorm(h, eps=NORM_EPS, dtype=torch.float64))
            with torch.no_grad():
                norm.weight.copy_(g)
                norm.bias.copy_(s)
            self.norms.append(norm)
        gen = dropout_generator if dropout_generator is not None else torch.Generator()
        self.dropout = SeededDropout(spec.dropout, gen)

    def forward(self, x: Tensor) -> Tensor:
        a = x
        for i, lin in enumerate(self.linears[:-1]):
            z = lin(a)
            if self.spec.norm != "none":
                z = self.norms[i](z)
            h = self.dropout(self.acts[i](z))
            a = a + self.spec.residual_scale * h if self.spec.is_residual_layer(i) else h
        return self.linears[-1](a)


def build_mlp(sizes: Sequence[int], activation: str = "relu", init: str = "he_normal",
              seed: int = 0, dtype: torch.dtype = torch.float32, **spec_kwargs) -> TorchMLP:
    """An MLP from layer sizes, an activation name and an init name.

    Unknown activation or init names raise an error that lists the valid ones.
    """
    spec = MLPSpec(sizes, activation=activation, init=init, **spec_kwargs)
    return TorchMLP(spec, init_params(spec, seed)).to(dtype)
