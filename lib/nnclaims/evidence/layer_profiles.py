"""A positive quantity traced through layers, per network, summarised for a figure or a measurement.

A signal's second moment q_l spans decades across layers and networks, so it is averaged
on a log scale: the geometric mean over networks, with a band of percentiles of the
networks (how far one network strays, not an interval of the mean), or the decay q_l / q_1
of each network, geometrically averaged (with a t interval on log10 when it is measured).
Each comes with the theory's values beside it.
"""

from __future__ import annotations

import numpy as np

from .checks import Measurement
from .stats import mean_ci


def layer_band(q: np.ndarray, theory: np.ndarray, band=(0.1, 0.9), **labels):
    """``q`` and ``theory``: (networks, layers). One row per layer: the ``labels`` (constant
    columns first), ``layer`` (from 1), the geometric mean ``q``, the ``low`` and ``high``
    percentiles ``band`` of the networks, and the first network's ``theory``."""
    import pandas as pd

    logq = np.log10(q)
    lo, hi = np.quantile(logq, list(band), axis=0)
    return pd.DataFrame({**labels, "layer": np.arange(1, logq.shape[1] + 1), "q": 10 ** logq.mean(axis=0),
                         "low": 10**lo, "high": 10**hi, "theory": theory[0]})


def layer_decay(q: np.ndarray, theory: np.ndarray, **labels):
    """``q`` and ``theory``: (networks, layers). One row per layer: the ``labels``, ``layer``,
    the geometric mean over networks of q_l / q_1 (``ratio``) and the theory's (``theory``)."""
    import pandas as pd

    return pd.DataFrame({**labels, "layer": np.arange(1, q.shape[1] + 1),
                         "ratio": np.exp(np.log(q / q[:, :1]).mean(axis=0)), "theory": theory[0] / theory[0, 0]})


def decay_measurement(claim: str, name: str, description: str, q: np.ndarray, theory: np.ndarray) -> Measurement:
    """``q`` and ``theory``: (networks, layers). The geometric mean over networks of
    q_last / q_1 with its t interval (taken on log10), beside the theory's geometric mean."""
    r, th = q[:, -1] / q[:, 0], theory[:, -1] / theory[:, 0]
    iv = mean_ci(np.log10(r), method="t")
    return Measurement(claim, name, description, value=float(10 ** iv.estimate), ci_low=float(10 ** iv.low),
                       ci_high=float(10 ** iv.high), n_seeds=iv.n, method=f"t on log10, {iv.level:.0%}",
                       theory=float(np.exp(np.log(th).mean())))
