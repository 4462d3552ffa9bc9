"""Independent random streams derived from one seed.

A run's seed drives several random choices (initial weights, data order, dropout masks,
generated data). Each gets its own stream so that, say, changing the batch size does not
change the initial weights, and so that the loop and batched engines draw the very same
numbers for the same seed.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch


def stream_seed(seed: int, stream: str) -> int:
    """A 63-bit integer seed for the named stream of ``seed`` (stable across runs)."""
    if seed < 0:
        raise ValueError(f"seeds are non-negative integers, got {seed}")
    state = np.random.SeedSequence([int(seed), zlib.crc32(stream.encode())]).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(1))


def torch_generator(seed: int, stream: str) -> "torch.Generator":
    """A CPU generator for the named stream of ``seed``."""
    import torch  # here, not at the top: data generation and plotting need no torch

    return torch.Generator().manual_seed(stream_seed(seed, stream))


def numpy_rng(seed: int, stream: str) -> np.random.Generator:
    """A NumPy generator for the named stream of ``seed``."""
    return np.random.default_rng(stream_seed(seed, stream))
