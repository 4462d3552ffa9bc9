"""The figure kinds on small tables (axes inspected, never image bytes), and the list of
figures and captions per claim against the one recorded before figures became
declarations."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nnclaims.report import figures as F
from nnclaims.report import plotting as P

EXPECTED = Path(__file__).with_name("expected_figures.json")


@pytest.fixture(autouse=True)
def house_style():
    with P.style():
        yield


def seeds_table(decades: float = 1.0) -> pd.DataFrame:
    """Three seeds at five x values, two arms; y spans about ``decades`` decades."""
    rng = np.random.default_rng(0)
    rows = []
    for arm in ("a", "b"):
        for x in range(1, 6):
            for seed in range(3):
                y = 10 ** (decades * (x - 1) / 4) * (1 + 0.05 * rng.standard_normal()) * (2 if arm == "b" else 1)
                rows.append({"arm": arm, "x": x, "seed": seed, "y": y})
    return pd.DataFrame(rows)


def labels(ax) -> list[str]:
    return ax.get_legend_handles_labels()[1]


def test_band_with_theory_labels_axes_draws_threshold_and_theory():
    table = seeds_table(1.0)
    theory = pd.DataFrame({"x": [1, 5], "y": [1.0, 10.0]})
    ax = F.render(F.band(table, "x", "y", group="arm", theory=F.Theory(theory, "x", "y", "theory"),
                         threshold=F.Line(3.0, "threshold 3"), xlabel="step", ylabel="loss (nats)"))
    assert ax.get_xlabel() == "step" and ax.get_ylabel() == "loss (nats)"
    assert {"a", "b", "theory", "threshold 3"} <= set(labels(ax))
    assert any(line.get_linestyle() == "--" for line in ax.lines)  # the theory is dashed
    assert any(np.allclose(line.get_ydata(), 3.0) for line in ax.lines)
    assert ax.get_yscale() == "linear" and len(ax.collections) == 2  # one band per arm
    assert ax.get_legend() is not None


def test_log_axis_when_values_span_more_than_two_decades():
    assert F.render(F.band(seeds_table(3.0), "x", "y", group="arm")).get_yscale() == "log"
    assert F.render(F.band(seeds_table(1.5), "x", "y", group="arm")).get_yscale() == "linear"
    assert F.render(F.band(seeds_table(1.5), "x", "y", ylog=True)).get_yscale() == "log"
    assert F.spans_decades([1e-3, 1.0]) and not F.spans_decades([-1.0, 1e3]) and not F.spans_decades([1.0])


def test_curves_split_train_and_test_dashed():
    table = pd.concat([seeds_table().assign(split=s) for s in ("train", "test")]).rename(columns={"x": "step"})
    ax = F.render(F.curves(table, "step", "y", group="arm", split="split", xlabel="training step", ylabel="accuracy",
                           threshold=F.Line(1.0, "chance")))
    assert "a, train" in labels(ax) and "b, test" in labels(ax) and "chance" in labels(ax)
    assert {line.get_linestyle() for line in ax.lines} >= {"-", "--"}


def test_paired_by_seed_shows_each_seed_and_the_threshold():
    table = pd.DataFrame({"depth": np.repeat([2, 4], 5), "seed": list(range(5)) * 2,
                          "gap": np.r_[np.linspace(-1, 0, 5), np.linspace(-2, -1, 5)]})
    ax = F.render(F.paired(table, "depth", "gap", threshold=F.Line(1.0, "at most twice"), xlabel="hidden layers",
                           ylabel="log2 ratio"))
    assert sum(len(c.get_offsets()) for c in ax.collections if hasattr(c, "get_offsets")) >= 10
    assert "at most twice" in labels(ax) and ax.get_xlabel() == "hidden layers"


def test_regime_categorical_x_interval_phrase_and_span():
    table = pd.DataFrame({"arm": ["plain", "residual"], "estimate": [0.2, 0.9], "low": [0.1, 0.8], "high": [0.3, 1.0]})
    ax = F.render(F.regime(table, "arm", threshold=F.Line(0.5, "half the seeds"), span=F.Span(-0.1, 0.1, "±0.1"),
                           phrase="above the line: trains", ylabel="share of seeds"))
    assert [t.get_text() for t in ax.get_xticklabels()] == ["plain", "residual"]
    assert any(t.get_text() == "above the line: trains" for t in ax.texts)
    assert {"half the seeds", "±0.1"} <= set(labels(ax))


def test_regime_log_swept_setting():
    table = pd.DataFrame({"sw2": [0.25, 1, 4, 16, 64], "estimate": [8, 4, 2, 1.2, 1.0]})
    table = table.assign(low=table["estimate"] * 0.9, high=table["estimate"] * 1.1)
    ax = F.render(F.regime(table, "sw2", xticks=[0.25, 1, 4, 16, 64], xlabel="σw²", ylabel="shrink"))
    assert ax.get_xscale() == "log" and ax.get_yscale() == "linear"


def test_cell_map_leaves_nothing_learned_blank():
    table = pd.DataFrame({"target": ["t1", "t1", "t2", "t2"], "budget": [10, 100, 10, 100],
                          "gap": [0.5, -0.2, np.nan, 1.0]})
    ax = F.render(F.cell_map(table, "target", "budget", "gap", label="effect", xlabel="budget", ylabel="target"))
    image = ax.images[0]
    assert image.get_array().mask.sum() == 1  # the NaN cell is blank
    assert image.get_cmap().name == P.DIVERGING and ax.get_xlabel() == "budget"


def test_panel_grid_draws_every_panel_and_returns_the_record(tmp_path):
    table = seeds_table()
    declared = F.figure("two", "my-claim", caption="c", alt="a", main=True, ncols=2, panels=[
        F.band(table, "x", "y", group="arm", title="left", xlabel="x", ylabel="y"),
        F.lines(table[table["seed"] == 0], "x", "y", group="arm", scatter=True, title="right", xlabel="x", ylabel="y"),
        F.custom(lambda ax: ax.hist(table["y"]), title="histogram", xlabel="y", ylabel="count")])
    fig = F.panel_grid(declared)
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert titles == ["left", "right", "histogram"]
    [record] = F.draw(tmp_path, [declared])
    assert (record.file, record.claim, record.main) == ("two.svg", "my-claim", True)
    assert (tmp_path / "two.svg").stat().st_size > 1000



def test_a_figure_declared_over_named_tables_draws_the_same(tmp_path):
    # Declarations may sit at module level before any table exists: tables named, values read later.
    tables = {"runs": seeds_table(), "fit": pd.DataFrame({"x": [1, 5], "y": [1.0, 10.0]})}
    later = F.figure("named", "my-claim", caption=F.From(lambda T: f"{len(T['runs'])} runs"), alt="a", panels=[
        F.band(F.rows_of("runs", arm="a"), "x", "y", theory=F.Theory(F.rows_of("fit"), "x", "y", "theory"),
               threshold=F.Line(F.From(lambda T: float(T["fit"]["y"].max())), "top of the fit"),
               xticks=F.From(lambda T: sorted(T["runs"]["x"].unique())), title="named")])
    now = F.figure("direct", "my-claim", caption="30 runs", alt="a", panels=[
        F.band(tables["runs"][tables["runs"]["arm"] == "a"], "x", "y", theory=F.Theory(tables["fit"], "x", "y", "theory"),
               threshold=F.Line(10.0, "top of the fit"), xticks=[1, 2, 3, 4, 5], title="named")])
    [named] = F.draw(tmp_path, [later], tables)
    [direct] = F.draw(tmp_path, [now])
    assert named.caption == "30 runs" == direct.caption
    assert (tmp_path / "named.svg").read_text().replace("named.svg", "") == \
        (tmp_path / "direct.svg").read_text().replace("direct.svg", "")
    assert F.rows_of("runs", arm=["a", "b"], x=2).of(tables)["seed"].tolist() == [0, 1, 2, 0, 1, 2]


def test_a_figure_is_left_out_when_its_condition_fails_and_a_histogram_names_its_threshold(tmp_path):
    table = pd.DataFrame({"slope": np.linspace(0.1, 0.4, 50)})
    hist = F.histogram(table, "slope", bins=10, threshold=F.Line(0.25, "start", axis="x"), xlabel="slope")
    ax = F.render(hist)
    assert len(ax.patches) == 10 and "start" in labels(ax) and ax.get_xlabel() == "slope"
    declared = [F.figure("maybe", "my-claim", caption="c", alt="a", when=F.From(lambda T: len(T["slopes"]) > 0),
                         panels=[F.histogram(F.rows_of("slopes"), "slope")])]
    assert F.draw(tmp_path, declared, {"slopes": table.iloc[:0]}) == []
    assert [f.file for f in F.draw(tmp_path, declared, {"slopes": table})] == ["maybe.svg"]


def test_declaring_a_figure_imports_no_matplotlib():
    # Experiments declare their figures at import, and every job imports every experiment.
    import subprocess
    import sys

    code = ("import sys; from nnclaims.report.figures import band, figure, rows_of; "
            "figure('f', 'c', caption='c', alt='a', panels=[band(rows_of('t'), 'x', 'y')]); "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

ANALYSIS = '''

def analysis(tables: dict) -> dict:
    final = tables["records"][tables["records"]["step"] == tables["records"]["step"].max()]
    return {"final_loss": final[["width", "seed", "loss"]]}


def figures(tables: dict, outdir) -> list[Figure]:
    from nnclaims.report.figures import band, draw, figure

    return draw(outdir, [figure("final", "my-claim", caption="Final loss by width.", alt="Final loss by width.",
                                panels=[band(tables["final_loss"], "width", "loss", xlabel="width", ylabel="loss")])])
'''


def test_analysis_tables_are_written_when_summarizing_and_read_by_figures(tmp_path):
    from nnclaims.evidence import results
    from nnclaims.evidence.experiment import load
    from nnclaims.scaffold import write_skeleton
    from nnclaims.stages import plot
    from test_experiments import _run_and_summarize

    path = write_skeleton("my_claim", tmp_path / "experiments")
    path.write_text(path.read_text() + ANALYSIS)
    exp = load(path)
    _run_and_summarize(exp, tmp_path / "results")
    base = tmp_path / "results" / "my_claim"
    assert "tables/final_loss.csv" in results.read_json(base / "provenance.json")["files"]
    assert [f.file for f in plot(exp, base)] == ["final.svg"]


def figure_list(results: Path) -> dict[str, list[list[str]]]:
    """Per claim, the (file, caption) of its figures, from every experiment's figures.json."""
    listed: dict[str, list[list[str]]] = {}
    for index in sorted(results.glob("*/figures/figures.json")):
        for fig in json.loads(index.read_text())["figures"]:
            listed.setdefault(fig["claim"], []).append([fig["file"], fig["caption"]])
    return {claim: sorted(figs) for claim, figs in sorted(listed.items())}


def test_the_report_lists_the_same_figures_and_captions(quick_run):
    """Declaring the figures changed no figure's name, claim or caption (recorded from a
    quick-profile run before the change). Claims added since then are not compared."""
    expected = json.loads(EXPECTED.read_text())
    listed = figure_list(quick_run / "results")
    assert {claim: listed.get(claim) for claim in expected} == expected
