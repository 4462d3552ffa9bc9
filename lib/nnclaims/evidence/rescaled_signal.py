"""Controls for a signal traced through layers against its mean-field map, made by rescaling
what was measured: the map right (positive) or off by a margin (negative), the noise kept.

The records hold one row per (network, layer): ``seed``, ``layer``, the measured ``q`` and
the map's ``theory``. Each control multiplies the measured q of some ``rows`` (a boolean
mask over the records, or a part of the records, matched by index) so that the checked
quantity comes out as the design asks, while the real seed-to-seed and layer-to-layer
noise stays in the table: a check that passes on the positive control and fails on the
negative one tells the map's error from noise. One function per quantity a check reads:
the per-layer factor, the gap at every layer, a width extrapolation's intercept, and the
decay from the first layer (is the signal steady?).
"""

from __future__ import annotations

import numpy as np

from .experiment import Control


def _mask(frame, rows) -> np.ndarray:
    import pandas as pd

    return frame.index.isin(rows.index) if isinstance(rows, pd.DataFrame) else np.asarray(rows, dtype=bool)


def rescaled(frame, rows, factor, column: str = "q"):
    """A copy of ``frame`` with ``column`` multiplied by ``factor`` (a number, or an array
    aligned with ``frame``) in the ``rows``."""
    mask = _mask(frame, rows)
    out = frame.copy()
    out.loc[mask, column] = out.loc[mask, column].to_numpy() * (np.asarray(factor)[mask] if np.ndim(factor) else factor)
    return out


def _layer(frame) -> np.ndarray:
    return frame["layer"].to_numpy(dtype=float)


def factor_controls(check: str, frame, rows, mean_gap: float, off: float, tol: float,
                    table: str = "records") -> list[Control]:
    """For a check of the per-layer factor's relative gap from the map (mean ``mean_gap``):
    q_l times c^(l−1), c removing the mean gap; and times (``off`` c)^(l−1)."""
    layer, c = _layer(frame), 1 / (1 + mean_gap)
    return [Control(check, "positive", {table: rescaled(frame, rows, c ** (layer - 1))},
                    "the measured q_l times c^(l-1), c removing the mean gap of the factor: theory right, the real "
                    "seed-to-seed noise kept"),
            Control(check, "negative", {table: rescaled(frame, rows, (off * c) ** (layer - 1))},
                    f"the measured q_l times ({off:g} c)^(l-1): a per-layer factor {abs(off - 1):.0%} off the theory, "
                    f"{abs(off - 1) / tol:g} times the tolerance, with the real noise")]


def every_layer_controls(check: str, frame, rows, off: float, tol: float, table: str = "records") -> list[Control]:
    """For a check of the relative gap from the map at every layer: each layer's q divided
    by its mean ratio to the map (over the ``rows``), and then times ``off``."""
    mask = _mask(frame, rows)
    mine = frame[mask]
    per_row = 1 / frame["layer"].map((mine["q"] / mine["theory"]).groupby(mine["layer"]).mean()).fillna(1.0).to_numpy()
    return [Control(check, "positive", {table: rescaled(frame, mask, per_row)},
                    "each layer's q divided by its mean ratio to the map: the map right at every layer, the real "
                    "noise kept"),
            Control(check, "negative", {table: rescaled(frame, mask, off * per_row)},
                    f"each layer's q divided by its mean ratio to the map, then {abs(off - 1):.0%} off it: "
                    f"{abs(off - 1) / tol:g} times the tolerance at every layer, with the real noise")]


def intercept_controls(check: str, frame, rows, intercept: float, shift: float, tol: float,
                       table: str = "records") -> list[Control]:
    """For a check of a gap extrapolated to infinite width (`width_extrapolation`), read in
    the ``rows``: the measured gaps less their fitted ``intercept``, and then
    plus ``shift``; the real finite-width trend and noise kept."""
    ratio = (frame["q"] / frame["theory"]).to_numpy()
    return [Control(check, "positive", {table: rescaled(frame, rows, (ratio - intercept) / ratio)},
                    "the measured gaps less their fitted intercept: the map right at infinite width, the real "
                    "finite-width trend and noise kept"),
            Control(check, "negative", {table: rescaled(frame, rows, (ratio - intercept + shift) / ratio)},
                    f"the measured gaps less their fitted intercept, plus {shift:g}: a map off by {shift:.0%} at "
                    f"infinite width, {shift / tol:g} times the tolerance, with the real trend and noise")]


def steady_controls(check: str, frame, rows, rate: float = 0.5, table: str = "records") -> list[Control]:
    """For a check that the signal stays steady (q_last / q_1 above a threshold), in the
    ``rows`` (one network per seed): q_l set to each network's q_1 times its
    measured ratio to the map (level), and times ``rate``^(l−1) as well (decaying)."""
    layer, mask = _layer(frame), _mask(frame, rows)
    q1 = frame["seed"].map(frame[mask & (layer == 1)].set_index("seed")["q"]).to_numpy()
    ratio = (frame["q"] / frame["theory"]).to_numpy()
    level = q1 * ratio / frame["q"].to_numpy()  # q_l -> q_1 * (q_l / map_l): level, with the real noise
    decaying = q1 * rate ** (layer - 1) * ratio / frame["q"].to_numpy()
    return [Control(check, "positive", {table: rescaled(frame, mask, level)},
                    "q_l set to q_1 times its measured ratio to the map: a signal that stays level"),
            Control(check, "negative", {table: rescaled(frame, mask, decaying)},
                    f"q_l set to q_1 times {rate:g}^(l-1) times its measured ratio to the map: a signal that shrinks "
                    f"by a factor {rate:g} at every layer")]
