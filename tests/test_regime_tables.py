"""A threshold check repeated over a swept setting: the table and the phrase read the same
checks and the same theory."""

from __future__ import annotations

import numpy as np
import pytest

from nnclaims.evidence import Check, mean_ci
from nnclaims.evidence.regime_tables import regime_table, regime_text, theory_curve


def _checks(means: dict[float, float]) -> dict[float, Check]:
    rng = np.random.default_rng(3)
    return {x: Check.of("c", "steady", f"at x = {x:g}", mean_ci(m + 1e-3 * rng.standard_normal(8)), ">=", 0.5)
            for x, m in means.items()}


def theory(x: float) -> float:
    return 1 / (1 + 10 * x)  # crosses 0.5 at x = 0.1


def test_the_table_has_one_row_per_setting_with_the_checks_numbers_and_the_theory():
    checks = _checks({0.01: 0.9, 0.3: 0.25, 1.0: 0.09})
    table = regime_table("x", checks, theory)
    assert table["x"].tolist() == [0.01, 0.3, 1.0]
    assert table["outcome"].tolist() == ["pass", "fail", "fail"]
    assert table["estimate"].tolist() == [c.value for c in checks.values()]
    assert (table["low"] <= table["estimate"]).all() and (table["estimate"] <= table["high"]).all()
    assert table["theory"].to_numpy() == pytest.approx([theory(x) for x in (0.01, 0.3, 1.0)])
    assert table["n"].tolist() == [8, 8, 8]


def test_the_phrase_words_the_outcomes_and_where_the_theory_crosses():
    table = regime_table("x", _checks({0.01: 0.9, 0.3: 0.25, 1.0: 0.09}), theory)
    assert regime_text("x", table, "x", theory, 0.5) == "holds at x ≤ 0.01, fails above (theory: holds at x below 0.1)"
    flat = regime_table("x", _checks({0.01: 0.9, 0.3: 0.9, 1.0: 0.9}), theory)
    assert regime_text("x", flat, "x", theory, 0.5).startswith("holds at every x tried (0.01 to 1)")


def test_the_theory_curve_samples_the_same_function():
    xs = np.geomspace(0.01, 1, 7)
    curve = theory_curve("x", xs, theory, "ratio")
    assert list(curve.columns) == ["x", "ratio"]
    assert curve["ratio"].to_numpy() == pytest.approx([theory(x) for x in xs])
