"""What a run computed, counted from the shapes: network-steps and training FLOPs.

The pipeline's bench (issue 22) sets an experiment's time against the work it did: the
FLOPs of its training steps over its job time is its share of the machine's measured
matmul peak, and the network-steps spent on networks whose outcome was already decided
(diverged) are pure waste. Timing alone cannot tell a slow kernel from a large workload.

The tally is scoped, like a profiler: `counting()` opens one for the code inside it (a run
shard, in `nnclaims.stages`), the training engine adds to it, and outside any `counting()`
adding costs nothing. Only training through `nnclaims.nn.training.train` is counted; the
evaluations a monitor makes at recorded steps are not, so the share of the peak is a lower
bound.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass

# A forward pass costs 2 FLOPs per weight and example (multiply, add); the backward pass
# twice that (the gradient with respect to the layer's input and to its weights).
FLOPS_PER_WEIGHT_EXAMPLE = 6


@dataclass
class Tally:
    steps: int = 0           # optimizer steps of a stack (or of one network, in the loop engine)
    network_steps: int = 0   # one optimizer step of one network
    diverged_network_steps: int = 0  # of them, on networks already diverged (decided; wasted)
    train_flops: float = 0.0

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


_current: ContextVar[Tally | None] = ContextVar("nnclaims_cost_tally", default=None)


@contextmanager
def counting() -> Iterator[Tally]:
    """A fresh tally for the code inside; nested tallies do not add to their parent."""
    tally = Tally()
    token = _current.set(tally)
    try:
        yield tally
    finally:
        _current.reset(token)


def step_flops(weights: Sequence[tuple[int, int]], examples: int) -> float:
    """Training FLOPs of one step of one network: its weight matrices' shapes, its batch."""
    return float(FLOPS_PER_WEIGHT_EXAMPLE * examples * sum(a * b for a, b in weights))


def add(networks: int, flops_each: float, diverged: int = 0) -> None:
    """Count one step of ``networks`` networks (``diverged`` of them already decided)."""
    tally = _current.get()
    if tally is not None:
        tally.steps += 1
        tally.network_steps += networks
        tally.diverged_network_steps += diverged
        tally.train_flops += networks * flops_each
