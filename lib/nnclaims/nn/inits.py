"""Weight initializations by name.

Every init samples in float64 on the CPU from an explicit generator, whatever dtype and
device the model later uses, so that a seed means the same starting weights in float32
and float64, on CPU and GPU, and in the loop and batched engines. Each init also states
its weight variance, which the theory module needs for its recursions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import torch
from torch import Tensor

from .registry import Registry


@dataclass(frozen=True)
class Init:
    """Samples weights of shape ``(*batch, fan_out, fan_in)`` (torch's layout).

    ``dtype`` is the precision the numbers are drawn in: float64 (the default, what every
    network of a seed starts from) or float32, about five times faster to draw, for
    experiments that only need a random network, not the one `init_params` gives a seed
    in float64.
    """

    name: str
    variance: Callable[[int, int], float]
    uniform: bool = False
    params: dict = field(default_factory=dict)

    def sample(
        self, fan_in: int, fan_out: int, generator: torch.Generator, batch: tuple[int, ...] = (),
        dtype: torch.dtype = torch.float64,
    ) -> Tensor:
        shape = (*batch, fan_out, fan_in)
        std = math.sqrt(self.variance(fan_in, fan_out))
        if self.uniform:
            # U(-a, a) has variance a^2 / 3.
            a = std * math.sqrt(3.0)
            return (torch.rand(shape, generator=generator, dtype=dtype) * 2 - 1) * a
        return torch.randn(shape, generator=generator, dtype=dtype) * std


INITS: Registry[Callable[..., Init]] = Registry("init")


@INITS.register("normal")
def normal(std: float = 0.01) -> Init:
    # The chapter's forward-pass example draws weights with std 0.01.
    return Init("normal", lambda fi, fo: std**2, params={"std": std})


@INITS.register("xavier_normal")
def xavier_normal() -> Init:
    return Init("xavier_normal", lambda fi, fo: 2.0 / (fi + fo))


@INITS.register("xavier_uniform")
def xavier_uniform() -> Init:
    return Init("xavier_uniform", lambda fi, fo: 2.0 / (fi + fo), uniform=True)


@INITS.register("he_normal")
def he_normal() -> Init:
    return Init("he_normal", lambda fi, fo: 2.0 / fi)


@INITS.register("he_uniform")
def he_uniform() -> Init:
    return Init("he_uniform", lambda fi, fo: 2.0 / fi, uniform=True)


@INITS.register("lecun_normal")
def lecun_normal() -> Init:
    return Init("lecun_normal", lambda fi, fo: 1.0 / fi)


@INITS.register("variance_scaling")
def variance_scaling(sw2: float = 1.0) -> Init:
    # Weight variance sw^2 / fan_in, the parametrization of the mean-field papers.
    return Init("variance_scaling", lambda fi, fo: sw2 / fi, params={"sw2": sw2})


def get_init(name: str, **params: float) -> Init:
    """The init called ``name``; unknown names raise, listing the valid ones."""
    factory = INITS.get(name)
    try:
        return factory(**params)
    except TypeError as err:
        raise ValueError(f"init {name!r} does not take parameters {params}: {err}") from None


def init_names() -> list[str]:
    return INITS.names()
