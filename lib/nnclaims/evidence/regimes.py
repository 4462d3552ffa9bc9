"""Protocol 3, rule 18 (with amendment P3-7): when a sentence holds, computed, never written.

Where a sentence holds in one regime of a swept setting and not in another, the reason
names the regime ("holds at σw² ≤ 1, fails above"), and the index shows that phrase
beside the verdict. The phrase is computed from the per-value outcomes of the sweep,
and the theory's crossing of the threshold (the σw² at which the sigmoid's per-layer
factor crosses 4) from the theory curve, so no phrase can disagree with its numbers.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np


def crossing(xs: Sequence[float], ys: Sequence[float], threshold: float, log_x: bool = True) -> list[float]:
    """The settings at which a curve ``ys(xs)`` crosses ``threshold``, by linear
    interpolation between neighbouring grid points (in log10 x when ``log_x``: the
    sweeps here are geometric). A point exactly on the threshold is a crossing."""
    x = np.asarray(xs, dtype=float)
    y = np.asarray(ys, dtype=float) - threshold
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError("xs and ys must be 1-D and of one length")
    order = np.argsort(x)
    x, y = x[order], y[order]
    if log_x and (x <= 0).any():
        raise ValueError("a log-scale crossing needs positive settings")
    u = np.log10(x) if log_x else x
    out = [float(x[i]) for i in range(len(x)) if y[i] == 0]
    for i in range(len(x) - 1):
        a, b = y[i], y[i + 1]
        if a * b < 0:
            t = a / (a - b)
            v = u[i] + t * (u[i + 1] - u[i])
            out.append(float(10 ** v) if log_x else float(v))
    return sorted(out)


def _fmt(x: float) -> str:
    # three significant digits, but a whole number of up to six digits as it is (2000, not 2e+03)
    return f"{x:.0f}" if float(x).is_integer() and abs(x) < 1e6 else f"{x:.3g}"


def regime_phrase(name: str, xs: Sequence[float], outcomes: Sequence[str]) -> str:
    """The regime in words from per-setting outcomes ("pass", "fail", "inconclusive"):
    "holds at σw² ≤ 1, fails above", "holds at every σw² tried (0.5 to 64)", or, when the
    outcomes do not split the sweep in two, the settings of each outcome."""
    if len(xs) != len(outcomes) or not len(xs):
        raise ValueError("need one outcome per setting, and at least one setting")
    pairs = sorted(zip((float(x) for x in xs), outcomes))
    seq = [o for _, o in pairs]
    lo, hi = _fmt(pairs[0][0]), _fmt(pairs[-1][0])
    for word, outcome in (("holds", "pass"), ("fails", "fail")):
        if all(o == outcome for o in seq):
            return f"{word} at every {name} tried ({lo} to {hi})"
    decided = [(x, o) for x, o in pairs if o != "inconclusive"]
    split = _split(decided)
    if split is not None:
        (x_last, first), (x_next, _) = split
        between = [x for x, o in pairs if o == "inconclusive"]
        if len(decided) == len(pairs):
            side = "≤" if first == "pass" else "≥"
            edge = x_last if first == "pass" else x_next
            other = "above" if first == "pass" else "below"
            return f"holds at {name} {side} {_fmt(edge)}, fails {other}"
        if all(x_last < x < x_next for x in between):  # the undecided settings sit at the change
            lo_word, hi_word = ("holds", "fails") if first == "pass" else ("fails", "holds")
            return (f"{lo_word} at {name} ≤ {_fmt(x_last)}, {hi_word} at {name} ≥ {_fmt(x_next)}, "
                    f"undecided between")
    return "; ".join(f"{word} at {name} = {', '.join(_fmt(x) for x, o in pairs if o == outcome)}"
                     for word, outcome in (("holds", "pass"), ("fails", "fail"), ("undecided", "inconclusive"))
                     if any(o == outcome for _, o in pairs))


def _split(decided: list[tuple[float, str]]):
    """The two neighbouring settings where the outcome changes, when it changes exactly once."""
    changes = [i for i in range(len(decided) - 1) if decided[i][1] != decided[i + 1][1]]
    if len(changes) != 1:
        return None
    i = changes[0]
    return decided[i], decided[i + 1]


def theory_crossing(theory: Callable[[float], float], xs: Sequence[float], threshold: float,
                    log_x: bool = True) -> list[float]:
    """The settings at which a theory curve crosses ``threshold``, found on the curve
    itself (Brent's method inside each grid interval where it changes side), not by
    interpolating between grid points: the sigmoid's factor crosses 4 at σw² = 1.14,
    where a line between σw² = 1 and 2 would say 1.16."""
    from scipy.optimize import brentq

    grid = sorted(float(x) for x in xs)
    to_x = (lambda u: 10 ** u) if log_x else (lambda u: u)  # noqa: E731
    g = lambda u: theory(to_x(u)) - threshold  # noqa: E731
    us = [np.log10(x) if log_x else x for x in grid]
    out = [x for x, u in zip(grid, us) if g(u) == 0]
    for a, b in zip(us[:-1], us[1:]):
        if g(a) * g(b) < 0:
            out.append(float(to_x(brentq(g, a, b, xtol=1e-12))))
    return sorted(out)


def theory_phrase(name: str, xs: Sequence[float], theory: Callable[[float], float] | Sequence[float],
                  threshold: float, above_holds: bool = True, log_x: bool = True) -> str:
    """Where the theory says the sentence holds: e.g. "theory: holds at σw² below 1.14"
    when the theory curve is above ``threshold`` (``above_holds``) only at small σw².
    ``theory`` is the curve (a function, root-found exactly) or its values on ``xs``."""
    if callable(theory):
        cuts = theory_crossing(theory, xs, threshold, log_x)
        theory = [theory(float(x)) for x in xs]
    else:
        cuts = crossing(xs, theory, threshold, log_x)
    x = np.asarray(xs, dtype=float)
    y = np.asarray(theory, dtype=float)
    holds = (y >= threshold) if above_holds else (y <= threshold)
    if not cuts:
        return f"theory: {'holds' if holds.all() else 'fails'} at every {name} tried"
    if len(cuts) > 1:
        return f"theory: crosses the threshold at {name} = {', '.join(_fmt(c) for c in cuts)}"
    first = bool(holds[np.argmin(x)])
    word = "below" if first else "above"
    return f"theory: holds at {name} {word} {_fmt(cuts[0])}"

