"""Protocol 3, rule 17: an experiment redesigned in protocol 3 draws its seeds from blocks
of its own (confirmatory 30000+, exploration 40000+); the others keep protocol 2's."""

import pytest

from conftest import make_workflow
from nnclaims.evidence.experiment import ExperimentError, discover
from nnclaims.evidence.settings import block_for, is_confirmatory, settings_from
from nnclaims.plan import plan


def test_the_block_follows_the_role_and_the_experiments_protocol():
    assert block_for("confirmatory", 2) == "confirmatory" and block_for("exploration", 2) == "exploration"
    assert block_for("confirmatory", 3) == "protocol-3-confirmatory"
    assert block_for("exploration", 3) == "protocol-3-exploration"
    assert block_for("protocol-1", 3) == "protocol-1"
    assert is_confirmatory("protocol-3-confirmatory") and not is_confirmatory("protocol-3-exploration")


def test_a_protocol_3_experiment_runs_on_30000_and_explores_on_40000(tmp_path):
    wf = make_workflow(tmp_path, ("alpha", "beta"))
    beta = wf / "experiments" / "beta.py"
    beta.write_text(beta.read_text() + "\nPROTOCOL = 3\n")
    exps = discover(wf / "experiments")
    plans = plan(settings_from({"profile": "quick", "device": "cpu"}), exps)
    assert plans["alpha"].settings.seeds[0] == 10_000 and plans["beta"].settings.seeds[0] == 30_000
    assert plans["beta"].settings.seed_block == "protocol-3-confirmatory"
    # the same role by hand: the exploration block of a protocol-3 experiment is 40000+
    explore = plan(settings_from({"profile": "quick", "device": "cpu", "seed_block": "exploration"}), exps)
    assert explore["alpha"].settings.seeds[0] == 20_000 and explore["beta"].settings.seeds[0] == 40_000
    # an exploration before a protocol-3 run: 40000+
    wf2 = make_workflow(tmp_path / "g", ("gamma",))
    gamma = wf2 / "experiments" / "gamma.py"
    gamma.write_text(gamma.read_text() + "\nPROTOCOL = 3\n")
    staged = plan(settings_from({"profile": "quick", "device": "cpu"}), discover(wf2 / "experiments"))["gamma"]
    assert staged.explore.settings.seeds[0] == 40_000 and staged.explore.settings.seed_block == "protocol-3-exploration"
    # and the keys differ from what protocol 2 would have computed
    assert plans["beta"].key != plan(settings_from({"profile": "quick", "device": "cpu"}),
                                     discover(wf / "experiments", ["alpha"]))["alpha"].key


def test_an_unknown_protocol_is_one_sentence(tmp_path):
    wf = make_workflow(tmp_path, ("alpha",))
    alpha = wf / "experiments" / "alpha.py"
    alpha.write_text(alpha.read_text() + "\nPROTOCOL = 4\n")
    with pytest.raises(ExperimentError, match="PROTOCOL is 4; allowed: 2, 3"):
        discover(wf / "experiments")
