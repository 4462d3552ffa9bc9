"""The evidence: the experiment contract, checks and verdicts, statistics, results.

Experiments import their vocabulary from here: ``from nnclaims.evidence import Claim,
Check, Figure, ...``. Nothing here imports torch.
"""

from .checks import Check, Measurement, verdict
from .experiment import Change, Claim, Control, Figure, RunContext
from .stats import bootstrap_ci, difference_ci, group_ci, proportion_ci

__all__ = ["Claim", "Check", "Change", "Control", "Figure", "Measurement", "RunContext", "verdict", "bootstrap_ci",
           "difference_ci", "group_ci", "proportion_ci"]
