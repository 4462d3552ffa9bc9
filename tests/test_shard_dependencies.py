"""Which exploration shards a confirmatory run shard reads (``explore_needs``, issue 22).

By default every run shard reads the whole exploration; an experiment may say which
exploration points each of its grid points needs, and then a run shard waits for, reads
and decides from only the exploration shards that hold them. Tiny experiments written
here (numbers only, no training) exercise the stages; depth_vs_width is only planned.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nnclaims import stages
from nnclaims.evidence.errors import UserError
from nnclaims.evidence.experiment import ExperimentError, discover
from nnclaims.evidence.settings import settings_from
from nnclaims.plan import plan

REPO = Path(__file__).resolve().parents[1]

# Three arms explored, one confirmatory point per arm plus one that reads nothing; each arm's
# "rate" is decided from its own exploration rows only.
TUNED = '''
from nnclaims.evidence import Check, Claim, Control, Decisions, Figure, RunContext, mean_ci

CLAIMS = [Claim(id="tuned-claim", title="Tuned", statement="A test claim.", section="Z. Tests")]
SEEDS = {"quick": 2, "full": 2}
SHARDS = {"quick": 4, "full": 4}
ARMS = ("a", "b", "c")


def explore(profile):
    return [{"arm": a} for a in ARMS]


def grid(profile):
    return explore(profile) + [{"arm": "none"}]


NEEDS


def run(point, ctx: RunContext):
    if ctx.phase == "explore":
        return [{"seed": s, "score": OFFSET + 10 * ARMS.index(point["arm"]) + s % 7} for s in ctx.seeds]
    rate = ctx.decisions["rate"][point["arm"]] if point["arm"] != "none" else 0.0
    return [{"seed": s, "value": 1.0 + rate + s % 3} for s in ctx.seeds]


def decide(tables, profile):
    rec = tables["records"]
    rate = {arm: float(g["score"].mean()) for arm, g in rec.groupby("arm", sort=True)}
    SEEDPLAN
    return Decisions({"rate": rate}, seeds)


def checks(tables):
    return [Check.of("tuned-claim", "positive", "Mean value", mean_ci(tables["records"]["value"].to_numpy()), ">", 0)]


def controls(tables):
    rec = tables["records"]
    return [Control("positive", "positive", {"records": rec.assign(value=1.0 + rec["seed"] % 2)}, "ones"),
            Control("positive", "negative", {"records": rec.assign(value=-1.0 - rec["seed"] % 2)}, "minus ones")]


def figures(tables, outdir):
    return []
'''
PER_ARM = '''def explore_needs(point, profile):
    return [point] if point["arm"] != "none" else []'''
FIXED = "seeds = None"


def write(folder: Path, needs: str = PER_ARM, seedplan: str = FIXED, offset: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = TUNED.replace("NEEDS", needs).replace("SEEDPLAN", seedplan).replace("OFFSET", str(offset))
    (folder / "tuned.py").write_text(text)
    return folder


def planned(folder: Path, profile: str = "quick", **config):
    settings = settings_from({"profile": profile, "device": "cpu", **config}, experiments=["tuned"])
    return plan(settings, discover(folder, ["tuned"]))["tuned"]


def explore_all(p, results: Path) -> list[str]:
    files = p.explore_files(results)
    for shard, out in enumerate(files):
        stages.run_shard(p.experiment, p.explore.settings, shard=shard, n_shards=p.explore.n_shards,
                         key=p.explore.key, out=out, phase="explore")
    return files


def run_confirm(p, results: Path, shard: int, files: list[str]) -> dict:
    explored = stages.explore_part(p.experiment, files, shard, p.n_shards, p.explore.n_shards,
                                   expect=p.explore.settings, key=p.explore.key)
    return stages.run_shard(p.experiment, p.settings, shard=shard, n_shards=p.n_shards, key=p.key,
                            out=p.shard_files(results)[shard], explored=explored)


def test_default_reads_the_whole_exploration(tmp_path):
    p = planned(write(tmp_path / "exp", needs=""))
    assert p.explore.n_shards == 3 and p.n_shards == 4
    for shard in range(p.n_shards):
        assert p.explore_reads[shard] == (0, 1, 2)
        assert p.explore_files(tmp_path, shard) == p.explore_files(tmp_path)
    assert p.settings.seeds == ()  # the seed count is the exploration's decision, as before


def test_each_run_shard_reads_only_its_own_exploration_shard(tmp_path):
    p = planned(write(tmp_path / "exp"))
    assert p.explore_reads == ((0,), (1,), (2,), ())
    assert p.explore_files(tmp_path, 1) == [p.explore_files(tmp_path)[1]]
    assert p.settings.seeds == (10000, 10001)  # fixed by SEEDS: power would read the whole exploration


def test_depth_vs_width_run_shards_wait_for_their_own_cells_exploration():
    p, exp = _depth_vs_width_plan()
    explored, grid = exp.grid("full", "explore"), exp.grid("full")
    for shard, reads in enumerate(p.explore_reads):
        points = [grid[i] for i in range(shard, len(grid), p.n_shards)]
        wanted = {explored.index(q) % p.explore.n_shards for pt in points for q in exp.module.explore_needs(pt, "full")}
        assert reads == tuple(sorted(wanted))
        assert len(reads) < p.explore.n_shards  # its own cells' depths, never the whole exploration
    assert p.settings.seeds == tuple(range(30000, 30012))  # protocol 3: 12, fixed by the amendment


def _depth_vs_width_plan():
    settings = settings_from({"profile": "full", "device": "cpu"}, experiments=["depth_vs_width"])
    exp = discover(REPO / "experiments", ["depth_vs_width"])["depth_vs_width"]
    return plan(settings, {"depth_vs_width": exp})["depth_vs_width"], exp


def test_key_changes_with_the_exploration_it_reads(tmp_path):
    before = planned(write(tmp_path / "one"))
    after = planned(write(tmp_path / "two", offset=1))  # every exploration shard computes other numbers
    assert before.explore.key != after.explore.key and before.key != after.key
    again = planned(write(tmp_path / "three"))
    assert again.key == before.key


def test_a_run_shard_decides_from_its_own_exploration_shard_only(tmp_path):
    p = planned(write(tmp_path / "exp"))
    results = tmp_path / "results"
    files = explore_all(p, results)
    mine = run_confirm(p, results, 1, p.explore_files(results, 1))
    rate = 10.0 + sum(s % 7 for s in range(20000, 20004)) / 4  # arm b's own exploration rows only
    assert mine["provenance"]["decisions"]["values"] == {"rate": {"b": rate}}
    # the shards it does not read may be gone, or made again differently: nothing changes
    other = write(tmp_path / "other", offset=5)
    q = planned(other)
    stages.run_shard(q.experiment, p.explore.settings, shard=0, n_shards=3, out=files[0], phase="explore")
    Path(files[2]).unlink()
    again = run_confirm(p, results, 1, p.explore_files(results, 1))
    assert again["tables"] == mine["tables"] and again["provenance"]["decisions"] == mine["provenance"]["decisions"]
    # a shard that reads no exploration is given no decisions
    assert run_confirm(p, results, 3, [])["provenance"]["decisions"]["values"] == {}


def test_summary_accepts_today_and_refuses_a_split_that_changes_a_decision(tmp_path):
    p = planned(write(tmp_path / "exp"))
    results = tmp_path / "results"
    files = explore_all(p, results)
    for shard in range(p.n_shards):
        run_confirm(p, results, shard, p.explore_files(results, shard))
    whole = stages.explore(p.experiment, files, expect=p.explore.settings, key=p.explore.key)
    verdicts = stages.summarize(p.experiment, p.shard_files(results), tmp_path / "out", expect=p.settings,
                                key=p.key, explored=whole)
    assert [v["verdict"] for v in verdicts] == ["reproduced"]
    # a decision that reads every arm (a rate relative to the mean of all) cannot be split by arm
    bad = write(tmp_path / "bad", seedplan="rate = {k: v - sum(rate.values()) / len(rate) for k, v in rate.items()}; "
                                           "seeds = None")
    b = planned(bad)
    bfiles = explore_all(b, results)
    for shard in range(b.n_shards):
        run_confirm(b, results, shard, b.explore_files(results, shard))
    whole = stages.explore(b.experiment, bfiles, expect=b.explore.settings, key=b.explore.key)
    with pytest.raises(ExperimentError, match="explore_needs leaves out") as err:
        stages.summarize(b.experiment, b.shard_files(results), tmp_path / "out2", expect=b.settings, key=b.key,
                         explored=whole)
    assert "\n" not in str(err.value)


def test_a_seed_plan_with_a_nan_is_the_same_decision_after_the_round_trip(tmp_path):
    # an exploration whose values are not finite plans the cap with sd NaN (dying_relu's leaky-revives-more on
    # one machine); the run shards record it through JSON, and NaN != NaN must not make them stale
    nan_plan = ("from nnclaims.evidence import SeedPlan; seeds = SeedPlan(n=2, needed=65, capped=True, estimate=-0.1, "
                "sd=float('nan'), threshold=0.0, distance=0.1, target_half_width=0.03, explanation='not finite')")
    p = planned(write(tmp_path / "exp", needs="", seedplan=nan_plan))
    results = tmp_path / "results"
    files = explore_all(p, results)
    whole = stages.explore(p.experiment, files, expect=p.explore.settings, key=p.explore.key)
    assert whole.decisions["seeds"]["sd"] != whole.decisions["seeds"]["sd"]  # NaN
    for shard in range(p.n_shards):
        stages.run_shard(p.experiment, p.settings, shard=shard, n_shards=p.n_shards, key=p.key,
                         out=p.shard_files(results)[shard], explored=whole)
    verdicts = stages.summarize(p.experiment, p.shard_files(results), tmp_path / "out", expect=p.settings,
                                key=p.key, explored=whole)
    assert [v["verdict"] for v in verdicts] == ["reproduced"]


def test_seeds_by_power_cannot_be_split(tmp_path):
    power = ("from nnclaims.evidence import SeedPlan; seeds = SeedPlan(n=9, needed=9, capped=False, estimate=0.0, "
             "sd=1.0, threshold=0.0, distance=1.0, target_half_width=0.5, explanation='by power')")
    p = planned(write(tmp_path / "exp", seedplan=power))
    results = tmp_path / "results"
    files = explore_all(p, results)
    for shard in range(p.n_shards):
        run_confirm(p, results, shard, p.explore_files(results, shard))
    whole = stages.explore(p.experiment, files, expect=p.explore.settings, key=p.explore.key)
    with pytest.raises(ExperimentError, match="keep the 2 of SEEDS") as err:
        stages.summarize(p.experiment, p.shard_files(results), tmp_path / "out", expect=p.settings, key=p.key,
                         explored=whole)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("needs, words", [
    ('def explore_needs(point, profile):\n    return [{"arm": "z"}]', "which is not a point of explore"),
    ('def explore_needs(point, profile):\n    return {"arm": "a"}', "must return a list of exploration points"),
])
def test_an_invalid_declaration_is_one_sentence(tmp_path, needs, words):
    with pytest.raises(UserError, match=words) as err:
        planned(write(tmp_path / "exp", needs=needs))
    assert "\n" not in str(err.value)


def test_explore_needs_without_an_exploration_is_refused(tmp_path):
    folder = tmp_path / "exp"
    folder.mkdir()
    (folder / "plain.py").write_text(
        (REPO / "tests" / "faults" / "alpha.py").read_text() + "\n\ndef explore_needs(point, profile):\n    return []\n")
    with pytest.raises(UserError, match="defines no explore") as err:
        discover(folder, ["plain"])
    assert "\n" not in str(err.value)


def test_the_wrong_exploration_files_are_named(tmp_path):
    p = planned(write(tmp_path / "exp"))
    results = tmp_path / "results"
    files = explore_all(p, results)
    with pytest.raises(UserError, match="not the exploration shards this run shard reads"):
        run_confirm(p, results, 1, files)
    json.dumps(p.explore_reads)  # plain data: the workflow passes it on


def test_the_workflow_gives_each_run_job_only_its_own_exploration_shard(tmp_path):
    """The full profile's job graph, planned without computing anything: each of
    depth_vs_width's run jobs waits only for the exploration jobs its plan says it reads."""
    import re

    from conftest import snakemake

    result = snakemake("--config", "profile=full", "device=cpu", 'experiments=["depth_vs_width"]', "--dag",
                       cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    labels = dict(re.findall(r'\t(\d+)\[label = "([^"\\]+)', result.stdout))
    edges = re.findall(r"\t(\d+) -> (\d+)", result.stdout)
    runs = [n for n, rule in labels.items() if rule == "run"]
    waits = sorted(sum(labels[a] == "explore" for a, b in edges if b == n) for n in runs)
    p, _ = _depth_vs_width_plan()
    assert waits == sorted(map(len, p.explore_reads)) and max(waits) < p.explore.n_shards
