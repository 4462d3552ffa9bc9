"""init-variance under Protocol 3: one ReLU factor check, the regime over the input scale
q₁ computed from the tables (rule 18, P3-7), and every check's controls behaving.

Synthetic records follow the theory's recursion with small multiplicative noise from a
fixed generator (no test reads a seed's value); two tests run the real `run` at tiny
widths to check the premises the design rests on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import REPO
from nnclaims.evidence.experiment import RunContext, load
from nnclaims.evidence.summary import evaluate
from nnclaims.numeric import theory

EXP = load(REPO / "experiments" / "init_variance.py")
M = EXP.module
SW2 = {"He": 2.0, "Xavier": 1.0, "std 0.01": 1e-4, "std 0.1": 1e-2}  # per unit of fan_in, but for Xavier


def _gain(init: str, width: int) -> float:
    return 1.0 if init == "Xavier" else SW2[init] if init == "He" else width * SW2[init]


def synthetic(n_seeds: int = 8, noise: float = 1e-4, profile: str = "quick") -> pd.DataFrame:
    """Records of every grid point: q = the theory times (1 + noise z) per layer; ReLU's four
    inits share their noise (one weight draw, scaled), as positive homogeneity makes them."""
    rng = np.random.default_rng(12345)
    shared = 1 + noise * rng.standard_normal((n_seeds, M.DEPTH))
    rows = []
    for point in M.grid(profile):
        if point["chunk"]:
            continue
        gain = _gain(point["init"], point["width"])
        mult = shared if point["activation"] == "relu" else 1 + noise * rng.standard_normal((n_seeds, M.DEPTH))
        th = theory.variance_recursion(point["activation"], gain * point["scale"], gain, M.DEPTH)
        for seed in range(n_seeds):
            rows += [{**point, "chunks": 1, "seed": seed, "layer": l + 1, "q": th[l] * mult[seed, l], "theory": th[l],
                      "sw2": gain} for l in range(M.DEPTH)]
    return pd.DataFrame(rows)


def _check(checks, name):
    return next(c for c in checks if c.check == name)


def test_protocol_3_and_the_four_relu_factors_are_one_check():
    assert M.PROTOCOL == 3
    checks = M.checks({"records": synthetic()})
    names = [c.check for c in checks]
    assert names.count("relu-factor") == 1 and not [n for n in names if n.startswith("relu-") and n != "relu-factor"]
    basis = {c.check: c.basis for c in checks}
    assert basis["relu-factor"] == basis["tanh-xavier-steady"] == "chapter"
    assert {b for n, b in basis.items() if n not in ("relu-factor", "tanh-xavier-steady")} == {"supporting"}
    # a Change entry says so for each of the four former checks
    merged = {c.old for c in M.CHANGES if c.new == "relu-factor"}
    assert merged == {f"relu-{i.replace(' ', '')}-factor" for i in M.INITS}
    assert all("one number" in c.why for c in M.CHANGES if c.new == "relu-factor")


def test_every_check_has_controls_that_behave_on_data_agreeing_with_theory():
    # 1% per layer: a halving signal's layer-50 gap must still vary between networks at the width fit's steady
    # width (it is -1 + O(1e-13)); real networks vary by far more
    tables = {"records": synthetic(noise=1e-2)}
    checks = {c.check: c for c in M.checks(tables)}
    kinds = {}
    for control in M.controls(tables):
        kinds.setdefault(control.check, set()).add(control.kind)
        got = _check(M.checks(control.tables), control.check).outcome
        assert got == ("pass" if control.kind == "positive" else "fail"), (control.check, control.kind, got)
    assert all(kinds.get(name) == {"positive", "negative"} for name in checks), kinds
    summary = evaluate(EXP, tables)
    assert {c.check for c in summary.checks} == set(checks)  # none demoted to a measurement


def test_the_regime_phrase_is_computed_from_the_tables():
    rec = synthetic()
    table = M.regime_table(rec)
    assert table["q1"].tolist() == [0.01, 0.1, 1.0]
    assert table["theory"].to_numpy() == pytest.approx([0.5065, 0.0942, 0.0104], abs=5e-4)  # the catalogue's numbers
    assert table["outcome"].tolist() == ["pass", "fail", "fail"]  # data on the map: 0.506 at q₁ = 0.01
    phrase = M.regimes({"records": rec})[M.CLAIM]
    assert phrase.startswith("holds at input scale q₁ ≤ 0.01, fails above (theory: holds at input scale q₁ below")
    # the chapter check at q₁ = 1 is the regime's point at q₁ = 1
    assert _check(M.checks({"records": rec}), "tanh-xavier-steady").outcome == table["outcome"].iloc[-1]

    # a control table in which the measured ratio stays constant (q_l = q_1 at every scale): the phrase changes
    flat = M.regimes({"records": _regime_rows_set(rec, lambda layer: 1.0)})[M.CLAIM]
    assert flat.startswith("holds at every input scale q₁ tried (0.01 to 1)") and flat != phrase
    assert flat.split(" (theory")[1] == phrase.split(" (theory")[1]  # the theory's part reads the map alone
    halving = M.regimes({"records": _regime_rows_set(rec, lambda layer: 0.5 ** (layer - 1))})[M.CLAIM]
    assert halving.startswith("fails at every input scale q₁ tried (0.01 to 1)")


def _regime_rows_set(rec: pd.DataFrame, shape) -> pd.DataFrame:
    """The records with the regime's rows (tanh + Xavier at the steady width, every scale) set to
    q_l = q_1 * shape(l), q_1 each network's own."""
    out = rec.copy()
    at = (out["init"] == "Xavier") & (out["activation"] == "tanh") & (out["width"] == M._steady_width(rec))
    first = out[at & (out["layer"] == 1)].set_index(["part", "scale", "seed"])["q"]
    keys = zip(out.loc[at, "part"], out.loc[at, "scale"], out.loc[at, "seed"])
    out.loc[at, "q"] = [first[k] * shape(layer) for k, layer in zip(keys, out.loc[at, "layer"])]
    return out


def test_every_grid_point_gets_its_seeds_and_the_regime_figure_is_drawn(tmp_path):
    tables = {"records": synthetic()}
    decided = M.decide(tables, "quick")
    assert {M.point_key(p) for p in M.grid("quick")} == set(decided.values["seeds"])
    assert {p["scale"] for p in M.grid("full") if p["part"] == "scale"} == set(M.SCALES)
    assert {p["width"] for p in M.grid("full") if p["part"] == "scale"} == {M.STEADY_WIDTH["full"]}
    tables.update(M.analysis(tables))
    figures = M.figures(tables, tmp_path)
    main = [f for f in figures if f.main]
    assert len(main) == 1 and main[0].file.endswith("tanh_xavier_scale.svg")


def _run(point: dict, seeds=(1, 2)) -> pd.DataFrame:
    return pd.DataFrame(M.run(dict(point), RunContext(seeds=list(seeds), phase="explore")))


def test_the_four_relu_inits_give_one_factor_gap_on_the_real_code():
    base = {"part": "pairs", "activation": "relu", "width": 16, "chunk": 0, "chunks": 1, "scale": 1.0}
    gaps = [M._factor_gap(_run({**base, "init": i}))[0] for i in M.INITS]
    for g in gaps[1:]:
        assert g == pytest.approx(gaps[0], abs=1e-9)


def test_a_scale_point_starts_at_its_input_variance():
    rows = _run({"part": "scale", "activation": "tanh", "init": "Xavier", "width": 32, "chunk": 0, "chunks": 1,
                 "scale": 0.01})
    first = rows[rows["layer"] == 1]
    assert first["q"].mean() == pytest.approx(0.01, rel=0.3)
    assert first["theory"].to_numpy() == pytest.approx(0.01, rel=0.1)
