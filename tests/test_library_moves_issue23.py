"""The library pieces that issue 23 moved out of experiment modules: each on a small table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nnclaims.evidence.fitted_curves import logistic_curve
from nnclaims.evidence.matched_arms import arm_columns_from
from nnclaims.evidence.width_extrapolation import fit_measurements, width_tables
from nnclaims.report import figures as F


def test_an_arms_columns_come_from_the_other_arm_of_the_same_run():
    rec = pd.DataFrame({"arm": ["a", "a", "b", "b"], "seed": [0, 1, 1, 0], "v": [1.0, 2.0, 30.0, 40.0],
                        "w": [5, 6, 7, 8]})
    out = arm_columns_from(rec, "arm", "a", "b", ["v"], ["seed"])
    assert out["v"].tolist() == [40.0, 30.0, 30.0, 40.0] and out["w"].tolist() == [5, 6, 7, 8]
    assert rec["v"].tolist() == [1.0, 2.0, 30.0, 40.0]  # a copy: the table itself is left alone
    rec["step"] = [0, 0, 0, 5]  # matched on every key: seed 0 of arm b is at another step
    both = arm_columns_from(rec, "arm", "a", "b", ["v", "w"], ["seed", "step"])
    assert both["v"].tolist()[1:] == [30.0, 30.0, 40.0] and np.isnan(both["v"].iloc[0]) and both["w"].iloc[1] == 7


def test_the_logistic_curve_rises_with_a_rising_trend_and_spans_the_data():
    x = np.repeat([0.0, 1.0, 2.0, 3.0], 3)
    xs, p = logistic_curve(x, np.repeat([1, 4, 7, 9], 3), np.full(12, 10), points=20)
    assert len(xs) == len(p) == 20 and xs[0] == 0.0 and xs[-1] == 3.0
    assert np.all(np.diff(p) > 0) and 0.0 < p[0] < 0.3 and 0.7 < p[-1] < 1.0


def test_a_gap_shrinking_like_one_over_width_extrapolates_to_its_intercept():
    rng = np.random.default_rng(0)
    widths = [64, 128, 256]
    x = np.repeat([1.0 / w for w in widths], 8)
    gap = 0.01 + 2.0 * x + 1e-4 * rng.standard_normal(len(x))
    t = width_tables(x, gap, widths, 0.9)
    assert list(t["width_gaps"]["inv_width"]) == [1.0 / w for w in widths]
    assert abs(t["width_intercept"]["estimate"].iloc[0] - 0.01) < 1e-3
    assert t["width_intercept"]["low"].iloc[0] < 0.01 < t["width_intercept"]["high"].iloc[0]
    slope, plain = fit_measurements("c", "case", "a case", x, gap, 0.9)
    assert slope.name == "case-gap-slope" and abs(slope.value - 2.0) < 0.05
    assert plain.name == "case-infinite-width-unweighted" and abs(plain.value - 0.01) < 1e-3


def test_polygons_fill_each_region_and_drawer_draws_the_declarations(tmp_path):
    square = pd.DataFrame({"region": [0] * 4 + [1] * 4, "x": [-1, 0, 0, -1, 0, 1, 1, 0], "y": [-1, -1, 1, 1] * 2})
    colours = pd.DataFrame({"region": [1, 0], "colour": [3, 5]})
    ax = F.render(F.polygons(square, colours, xlabel="x₁", ylabel="x₂"))
    assert len(ax.collections) == 1 and len(ax.collections[0].get_paths()) == 2
    assert ax.get_xlim() == (-1.0, 1.0) and ax.get_xlabel() == "x₁"
    declared = [F.figure("regions", "my-claim", caption="c", alt="a",
                         panels=[F.polygons(F.rows_of("polys"), F.rows_of("colours"))])]
    made = F.drawer(declared)({"polys": square, "colours": colours}, tmp_path)
    assert [f.file for f in made] == ["regions.svg"] and (tmp_path / "regions.svg").is_file()
