"""Every experiment keeps the contract; the skeleton from `nnclaims new` runs end to end."""

import pytest

from conftest import REPO
from nnclaims.evidence.experiment import PROFILES, ExperimentError, available, discover, load
from nnclaims.evidence.settings import settings_from
from nnclaims.plan import plan
from nnclaims.scaffold import write_skeleton
from nnclaims.stages import plot, run_shard, summarize

EXPERIMENTS = discover(REPO / "experiments")
QUICK = settings_from({"profile": "quick", "device": "cpu"})


@pytest.mark.parametrize("name", sorted(EXPERIMENTS))
def test_experiment_keeps_the_contract(name):
    exp = EXPERIMENTS[name]
    for profile in PROFILES:
        points = exp.grid(profile)
        assert points and all(isinstance(p, dict) for p in points)
        assert 1 <= exp.shards(profile) <= len(points)
        assert exp.n_seeds(profile) >= 1
    assert exp.module.__doc__ and "Expected" in exp.module.__doc__, "state the expected result next to the code"


def test_claim_ids_are_unique_and_cover_section_a():
    ids = {c.id for e in EXPERIMENTS.values() for c in e.claims}
    assert {"param-count", "sigmoid-derivative", "bias-shifts-boundary", "perceptron-convergence",
            "xor-not-separable", "linear-collapse"} <= ids


def _run_and_summarize(exp, results):
    p = plan(QUICK, {exp.name: exp})[exp.name]
    for i, path in enumerate(p.shard_files(results)):
        run_shard(exp, p.settings, shard=i, n_shards=p.n_shards, key=p.key, out=path)
    return p, summarize(exp, p.shard_files(results), results / exp.name, expect=p.settings, key=p.key)


def test_skeleton_runs_end_to_end(tmp_path):
    import ast

    import pandas as pd

    path = write_skeleton("my_claim", tmp_path / "experiments")
    exp = load(path)
    _, verdicts = _run_and_summarize(exp, tmp_path / "results")
    assert [v["claim"] for v in verdicts] == ["my-claim"]
    assert verdicts[0]["verdict"] in ("reproduced", "partly reproduced", "not reproduced", "inconclusive")
    base = tmp_path / "results" / "my_claim"
    # Its analysis step's table is written beside the run's, and the check read that table.
    final = pd.read_csv(base / "tables" / "final_loss.csv").pivot(index="seed", columns="width", values="loss")
    # (a check whose controls cannot decide, as at the quick profile's few seeds, is reported as a measurement)
    rows = pd.concat([pd.read_csv(base / "checks.csv"), pd.read_csv(base / "measurements.csv")])
    [value] = rows.loc[(rows["check"] == "wider-fits-better") | (rows["name"] == "wider-fits-better"), "value"]
    assert value == pytest.approx((final[final.columns.max()] - final[final.columns.min()]).mean(), rel=1e-9)
    # Its one figure is declared with a figure kind, in a few lines, and drawn from that table.
    figures = plot(exp, base)
    assert [(f.file, f.claim, f.main) for f in figures] == [("final_loss.svg", "my-claim", True)]
    assert (base / "figures" / "final_loss.svg").stat().st_size > 1000
    source = path.read_text()
    [declared] = [f for f in ast.parse(source).body
                  if isinstance(f, ast.Assign) and getattr(f.targets[0], "id", "") == "FIGURES"]
    assert declared.end_lineno - declared.lineno + 1 <= 12
    assert 'rows_of("final_loss")' in ast.get_source_segment(source, declared)
    assert "figures = drawer(FIGURES)" in source
    with pytest.raises(ExperimentError, match="exists"):
        write_skeleton("my_claim", tmp_path / "experiments")


def test_broken_experiment_says_what_is_missing(tmp_path):
    bad = tmp_path / "broken.py"
    bad.write_text("CLAIMS = []\n")
    with pytest.raises(ExperimentError, match="must define SEEDS, grid, run, checks, controls, figures"):
        load(bad)


def test_an_import_error_names_the_file_and_line(tmp_path):
    bad = tmp_path / "typo.py"
    bad.write_text("import numpy as np\n\nX = np.arange(3) +\n")
    with pytest.raises(ExperimentError, match=r"typo.py.*SyntaxError"):
        load(bad)
    bad.write_text("import numpy as np\n\nX = np.undefined_thing(3)\n")
    with pytest.raises(ExperimentError, match=r"typo.py, line 3: importing the experiment failed: AttributeError"):
        load(bad)


def test_an_unselected_broken_module_blocks_nothing(tmp_path):
    write_skeleton("good", tmp_path)
    (tmp_path / "broken.py").write_text("raise RuntimeError('half-written')\n")
    assert available(tmp_path) == ["broken", "good"]
    assert list(discover(tmp_path, ["good"])) == ["good"]
    with pytest.raises(ExperimentError, match="broken.py"):
        discover(tmp_path)


def test_checks_must_name_declared_claims(tmp_path):
    path = write_skeleton("other", tmp_path)
    path.write_text(path.read_text().replace('Check.of("other"', 'Check.of("typo"'))
    exp = load(path)
    with pytest.raises(ExperimentError, match="names claim 'typo'"):
        _run_and_summarize(exp, tmp_path / "results")


def test_resources_per_profile_or_for_all(tmp_path):
    exp = load(write_skeleton("res", tmp_path))
    assert exp.resources("full") == {"mem_mb": 2000, "runtime": 30}
    exp.module.RESOURCES = {"full": {"mem_mb": 4000}}
    assert exp.resources("full")["mem_mb"] == 4000 and exp.resources("quick")["mem_mb"] == 2000
    exp.module.RESOURCES = {"runtime": 90}
    assert exp.resources("quick")["runtime"] == 90


def test_declared_resources_cover_the_measured_full_profile():
    # bench/full-profile.csv is `bench/pipeline.py --profile full --record` of the last full
    # run: a cluster job is killed when it outgrows its request, so every experiment asks
    # 1.5x its measured peak memory and 3x its longest job (a node may be slower than ours).
    import csv

    with open(REPO / "bench" / "full-profile.csv") as fh:
        measured = list(csv.DictReader(fh))
    # A new experiment has no recording yet: it gets the default resources, and `nnclaims
    # list` says so in one line (tests/test_everyday.py); what is recorded must be covered.
    for r in (r for r in measured if r["experiment"] in EXPERIMENTS):
        res = EXPERIMENTS[r["experiment"]].resources("full")
        assert res["mem_mb"] >= 1.5 * float(r["peak_mb"]), (r["experiment"], res, r["peak_mb"])
        assert res["runtime"] * 60 >= 3 * float(r["longest_s"]), (r["experiment"], res, r["longest_s"])
