"""What an exploration decides (Protocol 2, rules 5 and 6), for the confirmatory run and the report."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, is_dataclass
from typing import Any


@dataclass
class Decisions:
    """What an exploration decided, for the confirmatory run and the report.

    values: JSON-serializable choices (e.g. ``{"lr": {"tanh": 0.1}}``); seeds: the seed
    plan by power (`nnclaims.evidence.stats.required_seeds`), or None to keep ``SEEDS``;
    notes: one sentence per choice, saying how it was made, with the numbers.
    """

    values: dict[str, Any] = field(default_factory=dict)
    seeds: Any = None
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        seeds = asdict(self.seeds) if is_dataclass(self.seeds) else self.seeds
        return {"values": self.values, "seeds": seeds, "notes": list(self.notes)}
