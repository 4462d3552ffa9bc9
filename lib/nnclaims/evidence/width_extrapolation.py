"""A finite-width gap extrapolated to infinite width: fit against 1/width, read the intercept.

A measured quantity's signed gap from a mean-field theory shrinks like 1/width; a weighted
straight line through the per-width gaps (`grouped_linear_fit`: each width weighted by its
own spread) extrapolates it to 1/width = 0. The check tests the intercept; here are the
tables a figure draws (the per-width gaps, the line, the intercept) and the measurements
beside it (the slope, and the intercept of an unweighted fit for comparison).
"""

from __future__ import annotations

import numpy as np

from .checks import Measurement
from .stats import grouped_linear_fit, linear_fit, mean_ci


def width_tables(x, gap, widths, level: float) -> dict:
    """``x``: 1 / width per network, ``gap``: its gap. ``width_gaps`` (mean and t interval
    per width), ``width_fit`` (the weighted line over 0 ... the widest 1/width) and
    ``width_intercept`` (its intercept with the interval at ``level``)."""
    import pandas as pd

    means = [mean_ci(gap[np.isclose(x, 1.0 / w)], method="t") for w in widths]
    fit = grouped_linear_fit(x, gap, level=level)
    grid_x = np.linspace(0, max(x) * 1.05, 50)
    return {
        "width_gaps": pd.DataFrame({"inv_width": [1.0 / w for w in widths], "estimate": [m.estimate for m in means],
                                    "low": [m.low for m in means], "high": [m.high for m in means]}),
        "width_fit": pd.DataFrame({"inv_width": grid_x, "gap": fit.intercept.estimate + fit.slope.estimate * grid_x}),
        "width_intercept": pd.DataFrame({"inv_width": [0.0], "estimate": [fit.intercept.estimate],
                                         "low": [fit.intercept.low], "high": [fit.intercept.high]}),
    }


def fit_measurements(claim: str, name: str, what: str, x, gap, level: float) -> list[Measurement]:
    """The weighted fit's slope (the finite-width correction), ``{name}-gap-slope``, and the
    intercept of an unweighted fit (every network alike), ``{name}-infinite-width-unweighted``;
    ``what`` names the case, e.g. "tanh, Xavier"."""
    plain = linear_fit(x, gap, level=level)
    return [Measurement.of(claim, f"{name}-gap-slope",
                           f"{what}: slope of the layer-50 gap against 1/width (the finite-width correction: "
                           "the gap at width N is about intercept + slope / N)", grouped_linear_fit(x, gap).slope),
            Measurement.of(claim, f"{name}-infinite-width-unweighted",
                           f"{what}: the same intercept from an unweighted least-squares fit (each network "
                           "counted alike, so the noisiest width rules it)", plain.intercept, theory=0.0)]
