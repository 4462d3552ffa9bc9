"""A fit drawn: the fitted curve over the range of its data, as a table a figure draws as theory.

The checks fit a line or a logistic curve and test its slope; the figure shows the fitted
curve beside the data. The curve is computed here once from the same fit, rather than
evaluated by hand in each experiment's analysis.
"""

from __future__ import annotations

import numpy as np

from .stats import logistic_fit


def logistic_curve(x, successes, trials, points: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """The logistic fit of ``successes`` of ``trials`` against ``x``: ``points`` values of x
    evenly over the data's range, and the fitted probability at each."""
    x = np.asarray(x)
    fit = logistic_fit(x, np.asarray(successes), np.asarray(trials))
    xs = np.linspace(x.min(), x.max(), points)
    return xs, 1 / (1 + np.exp(-(fit.intercept.estimate + fit.slope.estimate * xs)))
