"""One part of an experiment on a later protocol's seeds (rule 17), the rest on its own.

An experiment's seeds come from the block that `settings.block_for` gives its role and its
``PROTOCOL``. Where protocol 3 changes only one part of an experiment (dying-relu: only the
born-dead networks are decided anew), the experiment keeps ``PROTOCOL = 2``, so its other
parts keep their seeds and their results bit for bit, and the changed part moves its own
seeds with `seed_for`: the same offset in the block `block_for` gives the same role under
the later protocol (confirmatory 10000 + k -> 30000 + k, exploration 20000 + k -> 40000 + k).
The exploration / confirmatory split is kept, and no draw of the changed part reuses a seed
that the earlier protocol saw.
"""

from __future__ import annotations

from .settings import SEED_BLOCKS, block_for


def block_of(seed: int) -> str:
    """The seed block ``seed`` lies in: the one with the largest start at or below it."""
    starts = [(start, name) for name, start in SEED_BLOCKS.items() if start <= seed]
    if not starts:
        raise ValueError(f"seed {seed} lies in no seed block")
    return max(starts)[1]


def seed_for(seed: int, protocol: int) -> int:
    """The seed at ``seed``'s offset in the block of the same role under ``protocol``."""
    block = block_of(seed)
    return SEED_BLOCKS[block_for(block, protocol)] + seed - SEED_BLOCKS[block]
