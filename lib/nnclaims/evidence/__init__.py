"""The evidence: the experiment contract, checks and verdicts, statistics, results.

Experiments import their vocabulary from here: ``from nnclaims.evidence import Claim,
Check, Control, Figure, mean_ci, ...``. Nothing here imports torch.
"""

from .analysis import best_rate, by_seed, final_values, last_step, paired, tuning_note, where
from .checks import Check, Measurement, verdict
from .decisions import Decisions
from .experiment import Change, Claim, Control, Figure, RunContext
from .sentences import Sentence
from .stats import (
    Interval, SeedPlan, bca_ci, combine_plans, equivalence, equivalence_proportions,
    group_ci, grouped_linear_fit, linear_fit, logistic_fit, mean_ci, newcombe, paired_ci, required_seeds, training_outcome,
    wilson,
)

__all__ = [
    "Claim", "Sentence", "Check", "Change", "Control", "Decisions", "Figure", "Measurement", "RunContext", "verdict",
    "Interval", "mean_ci", "paired_ci", "bca_ci", "wilson", "newcombe", "equivalence", "equivalence_proportions",
    "linear_fit", "grouped_linear_fit", "logistic_fit", "required_seeds", "combine_plans", "SeedPlan", "training_outcome", "group_ci",
    "last_step", "by_seed", "final_values", "where", "paired", "best_rate", "tuning_note",
]
