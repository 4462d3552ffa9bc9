"""A threshold check repeated at each value of a swept setting: the regime as a table and in words.

Rule 18 asks where a sentence holds across a swept setting (an input scale, a width, σw²).
When the sentence is one threshold check, run at each value of the setting, the regime is
that check's outcome per value beside the theory's prediction of the checked quantity.
`regime_table` lays it out for the regime figure (`nnclaims.report.figures.regime`),
`theory_curve` samples the prediction densely for the figure's dashed line, and
`regime_text` words both (`nnclaims.evidence.regimes`), so that the figure, the phrase
and the checks read the same numbers.
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

from .checks import Check
from .regimes import regime_phrase, theory_phrase


def regime_table(setting: str, checks: Mapping[float, Check], theory: Callable[[float], float]):
    """One row per value of ``setting`` (in the order of ``checks``): the check's
    ``estimate``, interval (``low``, ``high``), ``outcome`` and seeds (``n``), and the
    theory's value of the checked quantity there (``theory``)."""
    import pandas as pd

    return pd.DataFrame([{setting: x, "estimate": c.value, "low": c.ci_low, "high": c.ci_high, "outcome": c.outcome,
                          "n": c.n_seeds, "theory": theory(x)} for x, c in checks.items()])


def theory_curve(setting: str, xs: Sequence[float], theory: Callable[[float], float], column: str = "theory"):
    """The theory at each of ``xs`` (a dense grid for the figure), as ``setting`` and ``column``."""
    import pandas as pd

    return pd.DataFrame({setting: xs, column: [theory(x) for x in xs]})


def regime_text(name: str, table, setting: str, theory: Callable[[float], float], threshold: float,
                above_holds: bool = True) -> str:
    """"<where the check holds> (<where the theory says it holds>)", from a `regime_table`
    and the same theory; ``name`` words the setting, e.g. "input scale q₁"."""
    xs = table[setting].tolist()
    measured = regime_phrase(name, xs, table["outcome"].tolist())
    return f"{measured} ({theory_phrase(name, xs, theory, threshold, above_holds=above_holds)})"
