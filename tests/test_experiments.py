"""Every experiment keeps the contract; the skeleton from `nnclaims new` runs end to end."""

from pathlib import Path

import pytest

from conftest import REPO
from nnclaims.evidence.experiment import PROFILES, ExperimentError, discover, fingerprint, load
from nnclaims.scaffold import write_skeleton
from nnclaims.stages import plot, run_shard, summarize

EXPERIMENTS = discover(REPO / "experiments")


@pytest.mark.parametrize("name", sorted(EXPERIMENTS))
def test_experiment_keeps_the_contract(name):
    exp = EXPERIMENTS[name]
    for profile in PROFILES:
        points = exp.grid(profile)
        assert points and all(isinstance(p, dict) for p in points)
        assert 1 <= exp.shards(profile) <= len(points)
        assert len(exp.seeds(profile)) >= 1
    assert exp.module.__doc__ and "Expected" in exp.module.__doc__, "state the expected result next to the code"


def test_claim_ids_are_unique_and_cover_section_a():
    ids = {c.id for e in EXPERIMENTS.values() for c in e.claims}
    assert {"param-count", "sigmoid-derivative", "bias-shifts-boundary", "perceptron-convergence",
            "xor-not-separable", "linear-collapse"} <= ids


def test_restyling_a_figure_does_not_change_the_run_fingerprint(tmp_path):
    src = (REPO / "experiments" / "param_count.py").read_text()
    path = tmp_path / "param_count.py"
    path.write_text(src)
    run, summ = fingerprint(path, "run"), fingerprint(path, "summarize")
    path.write_text(src.replace('ax.set_yscale("log")', 'ax.set_yscale("linear")  # restyled'))
    assert (fingerprint(path, "run"), fingerprint(path, "summarize")) == (run, summ)
    path.write_text(src.replace('threshold=stated', 'threshold=stated + 0'))
    assert fingerprint(path, "run") == run and fingerprint(path, "summarize") != summ
    path.write_text(src.replace('activation="sigmoid", init="xavier_normal")\n    net', 'activation="tanh", init="xavier_normal")\n    net'))
    assert fingerprint(path, "run") != run


def test_skeleton_runs_end_to_end(tmp_path):
    path = write_skeleton("my_claim", tmp_path / "experiments")
    exp = load(path)
    shard = tmp_path / "results" / "shard.json"
    run_shard(exp, profile="quick", device="cpu", out=shard)
    verdicts = summarize(exp, [shard], tmp_path / "results")
    assert [v["claim"] for v in verdicts] == ["my-claim"]
    assert verdicts[0]["verdict"] in ("reproduced", "not reproduced", "inconclusive")
    figures = plot(exp, tmp_path / "results" / "tables", tmp_path / "figures")
    assert figures and (tmp_path / "figures" / figures[0].file).stat().st_size > 1000
    with pytest.raises(ExperimentError, match="exists"):
        write_skeleton("my_claim", tmp_path / "experiments")


def test_broken_experiment_says_what_is_missing(tmp_path):
    bad = tmp_path / "broken.py"
    bad.write_text("CLAIMS = []\n")
    with pytest.raises(ExperimentError, match="must define SEEDS, grid, run, checks, figures"):
        load(bad)


def test_checks_must_name_declared_claims(tmp_path):
    path = write_skeleton("other", tmp_path)
    path.write_text(path.read_text().replace('Check("other"', 'Check("typo"'))
    exp = load(path)
    shard = tmp_path / "s.json"
    run_shard(exp, profile="quick", device="cpu", out=shard)
    with pytest.raises(ExperimentError, match="names claim 'typo'"):
        summarize(exp, [shard], tmp_path / "out")


def test_resources_per_profile_or_for_all(tmp_path):
    exp = load(write_skeleton("res", tmp_path))
    assert exp.resources("full") == {"mem_mb": 2000, "runtime": 30}
    exp.module.RESOURCES = {"full": {"mem_mb": 4000}}
    assert exp.resources("full")["mem_mb"] == 4000 and exp.resources("quick")["mem_mb"] == 2000
    exp.module.RESOURCES = {"runtime": 90}
    assert exp.resources("quick")["runtime"] == 90
