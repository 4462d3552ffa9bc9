"""Controls by rescaling a signal traced through layers: each puts the checked quantity where
the design says, and touches only the rows it names."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nnclaims.evidence.rescaled_signal import (
    every_layer_controls, factor_controls, intercept_controls, rescaled, steady_controls,
)

LAYERS, SEEDS = 10, 5


def records(factor: float = 0.9, gap: float = 0.02) -> pd.DataFrame:
    """Two arms; arm "a" measures q = map * (1 + gap) ** (l - 1) times small noise, with map = factor^(l-1)."""
    rng = np.random.default_rng(7)
    rows = []
    for arm in ("a", "b"):
        for seed in range(SEEDS):
            noise = 1 + 1e-3 * rng.standard_normal(LAYERS)
            for l in range(1, LAYERS + 1):
                th = factor ** (l - 1)
                rows.append({"arm": arm, "seed": seed, "layer": l, "theory": th,
                             "q": th * (1 + gap) ** (l - 1) * noise[l - 1]})
    return pd.DataFrame(rows)


def _per_layer_factor(frame) -> np.ndarray:
    q = frame.pivot(index="seed", columns="layer", values="q").to_numpy()
    return (q[:, -1] / q[:, 0]) ** (1 / (q.shape[1] - 1))


def test_rescaled_touches_only_the_named_rows_given_as_a_mask_or_a_part():
    rec = records()
    mine = (rec["arm"] == "a").to_numpy()
    by_mask, by_part = rescaled(rec, mine, 2.0), rescaled(rec, rec[mine], 2.0)
    pd.testing.assert_frame_equal(by_mask, by_part)
    assert by_mask.loc[mine, "q"].to_numpy() == pytest.approx(2 * rec.loc[mine, "q"].to_numpy())
    assert (by_mask.loc[~mine, "q"] == rec.loc[~mine, "q"]).all()


def test_factor_controls_put_the_factor_on_the_map_and_then_off_it():
    rec = records()
    a = rec[rec["arm"] == "a"]
    gap = _per_layer_factor(a) / 0.9 - 1
    positive, negative = factor_controls("f", rec, a, gap.mean(), 1.1, 0.05)
    assert (positive.kind, negative.kind) == ("positive", "negative")
    fixed = positive.tables["records"]
    assert _per_layer_factor(fixed[fixed["arm"] == "a"]).mean() == pytest.approx(0.9, rel=1e-3)
    off = negative.tables["records"]
    assert _per_layer_factor(off[off["arm"] == "a"]).mean() == pytest.approx(0.99, rel=1e-3)
    assert "10% off" in negative.why and "2 times the tolerance" in negative.why


def test_every_layer_controls_remove_each_layers_mean_gap():
    rec = records()
    a = rec[rec["arm"] == "a"]
    positive, negative = every_layer_controls("e", rec, a, 1.1, 0.05)
    for control, want in ((positive, 1.0), (negative, 1.1)):
        t = control.tables["records"]
        ratio = (t["q"] / t["theory"])[t["arm"] == "a"].groupby(t["layer"]).mean()
        assert ratio.to_numpy() == pytest.approx(want, rel=1e-12)


def test_intercept_controls_shift_the_gap_by_the_fitted_intercept():
    rec = records()
    last = ((rec["arm"] == "a") & (rec["layer"] == LAYERS)).to_numpy()
    gap = (rec["q"] / rec["theory"] - 1)[last].to_numpy()
    positive, negative = intercept_controls("i", rec, last, gap.mean(), 0.05, 0.02)
    for control, want in ((positive, 0.0), (negative, 0.05)):
        t = control.tables["records"]
        assert (t["q"] / t["theory"] - 1)[last].mean() == pytest.approx(want, abs=1e-12)
    assert "2.5 times the tolerance" in negative.why


def test_steady_controls_keep_the_signal_level_or_halve_it_every_layer():
    rec = records(factor=1.0, gap=0.0)
    mine = (rec["arm"] == "b").to_numpy()
    positive, negative = steady_controls("s", rec, mine)
    level, halved = (_per_layer_factor(c.tables["records"][mine]) for c in (positive, negative))
    # each network's own q_1 times its measured ratio to the (level) map: level up to the 0.1% noise kept
    assert level == pytest.approx(1.0, rel=1e-2)
    assert halved == pytest.approx(0.5, rel=1e-2)
