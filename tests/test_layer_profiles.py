"""Through-layer summaries on a log scale: geometric means, percentile bands, decay and its
measurement, checked on networks whose values are known."""

from __future__ import annotations

import numpy as np
import pytest

from nnclaims.evidence.layer_profiles import decay_measurement, layer_band, layer_decay

# three networks, four layers: network k halves at every layer from 10^k
Q = np.array([[10.0 ** k * 0.5 ** l for l in range(4)] for k in range(3)])
THEORY = np.tile(0.5 ** np.arange(4), (3, 1))


def test_the_band_is_the_geometric_mean_with_percentiles_of_networks():
    t = layer_band(Q, THEORY, band=(0.0, 1.0), arm="x")
    assert list(t.columns) == ["arm", "layer", "q", "low", "high", "theory"]
    assert t["layer"].tolist() == [1, 2, 3, 4]
    assert t["q"].to_numpy() == pytest.approx(10.0 * 0.5 ** np.arange(4))  # geometric mean of 1, 10, 100
    assert t["low"].to_numpy() == pytest.approx(Q[0]) and t["high"].to_numpy() == pytest.approx(Q[2])
    assert t["theory"].to_numpy() == pytest.approx(THEORY[0])


def test_the_decay_is_relative_to_each_networks_first_layer():
    t = layer_decay(Q, THEORY * 3, width=8)
    assert (t["width"] == 8).all()
    assert t["ratio"].to_numpy() == pytest.approx(0.5 ** np.arange(4))
    assert t["theory"].to_numpy() == pytest.approx(0.5 ** np.arange(4))


def test_the_decay_measurement_is_a_geometric_mean_with_an_interval():
    rng = np.random.default_rng(1)
    q = Q[[0] * 10] * np.exp(0.1 * rng.standard_normal((10, 4)))
    m = decay_measurement("c", "ratio", "q_4 / q_1", q, THEORY[[0] * 10])
    assert m.ci_low < m.value < m.ci_high and m.n_seeds == 10
    assert m.value == pytest.approx(np.exp(np.log(q[:, -1] / q[:, 0]).mean()))
    assert m.theory == pytest.approx(0.125) and m.method == "t on log10, 95%"
