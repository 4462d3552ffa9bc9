"""The fused engine (issue 22, item 2; ``engine: fused``): the batched engine's step compiled.

Its sums run in another order than the batched engine's matrix products, so it agrees
with the plain loop within a tolerance, not bit for bit; where it does not apply it runs
the batched engine's step and says so in the result.
"""

import numpy as np
import pytest
import torch

from nnclaims.nn import fused
from nnclaims.nn.models import MLPSpec
from nnclaims.nn.training import Schedule, train

X1 = torch.linspace(0, 1, 96, dtype=torch.float64)[:, None].expand(4, -1, -1).contiguous()
Y1 = torch.sin(6 * X1) * torch.arange(1, 5, dtype=torch.float64)[:, None, None]

needs_compiler = pytest.mark.skipif(not fused.compiler_available(), reason="torch.compile needs a C++ compiler")


@needs_compiler
def test_fused_agrees_with_the_loop_and_leaves_diverged_networks_out():
    # 1-D in and out (outer product, sum), a square middle layer (a matrix product),
    # data per network, minibatches, Adam with one rate per network; the last rate
    # diverges, so the stack shrinks and the step runs compiled for the smaller stack too.
    spec = MLPSpec((1, 12, 12, 1), activation="relu", bias_std=0.5)
    schedule = Schedule(30, [1e-3, 1e-2, 3e-2, 1e60], optimizer="adam", batch_size=32)
    run = {engine: train(spec, X1, Y1, [0, 1, 2, 3], schedule, dtype=torch.float64, device="cpu", engine=engine)
           for engine in ("fused", "loop")}
    assert run["fused"].engine == "fused"
    assert run["fused"].diverged_step.tolist() == run["loop"].diverged_step.tolist()
    assert run["fused"].diverged.tolist() == [False, False, False, True]
    np.testing.assert_allclose(run["fused"].history["loss"], run["loop"].history["loss"], rtol=1e-9, atol=1e-12,
                               equal_nan=True)
    for p, q in zip(run["fused"].net.parameters(), run["loop"].net.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-9, atol=1e-12, equal_nan=True)


def test_fused_runs_the_batched_step_where_it_does_not_apply(monkeypatch, capsys):
    spec = MLPSpec((1, 8, 1), activation="tanh")
    schedule = Schedule(5, 0.01, batch_size=32)
    dropout = MLPSpec((1, 8, 1), activation="tanh", dropout=0.2)
    assert train(dropout, X1, Y1, [0, 1, 2, 3], schedule, device="cpu", engine="fused").engine == "batched"
    # wide inputs and outputs: BLAS's products already run near peak, nothing to fuse
    assert not fused.supported(MLPSpec((64, 32, 10)))
    assert fused.supported(MLPSpec((64, 32, 1))) and fused.supported(MLPSpec((1, 32, 10)))
    monkeypatch.setattr(fused, "compiler_available", lambda: False)
    result = train(spec, X1, Y1, [0, 1, 2, 3], schedule, device="cpu", engine="fused")
    batched = train(spec, X1, Y1, [0, 1, 2, 3], schedule, device="cpu", engine="batched")
    assert result.engine == "batched" and "no C++ compiler" in capsys.readouterr().err
    assert np.array_equal(result.history["loss"], batched.history["loss"])


@needs_compiler
def test_each_structure_compiles_apart_and_a_hit_limit_is_an_error_not_a_silent_eager_step(monkeypatch):
    # Dynamo counts compiled versions per code object and, past its limit, runs the frame
    # uncompiled: the numbers would then depend on what the process trained before. With
    # the limit at 1, two structures in one process must both run compiled (a cache
    # each), and a third version of one of them (its stack shrinks) must raise.
    monkeypatch.setattr(fused, "RECOMPILES", 1)
    monkeypatch.setattr(fused, "_COMPILED", {})
    schedule = Schedule(4, [1e-3, 1e-3, 1e-3, 1e-3], optimizer="adam", batch_size=32)
    for sizes in ((1, 6, 1), (1, 5, 5, 1)):
        result = train(MLPSpec(sizes, activation="tanh"), X1, Y1, [0, 1, 2, 3], schedule, dtype=torch.float64,
                       device="cpu", engine="fused")
        batched = train(MLPSpec(sizes, activation="tanh"), X1, Y1, [0, 1, 2, 3], schedule, dtype=torch.float64,
                        device="cpu", engine="batched")
        assert result.engine == "fused" and len(fused._COMPILED) == (2 if sizes[1] == 5 else 1)
        np.testing.assert_allclose(result.history["loss"], batched.history["loss"], rtol=1e-9, atol=1e-12)
    # the same structure again reuses its compiled loss ...
    train(MLPSpec((1, 9, 1), activation="tanh"), X1, Y1, [0, 1, 2, 3], schedule, dtype=torch.float64,
          device="cpu", engine="fused")
    assert len(fused._COMPILED) == 2
    # ... and a second version of it (the stack shrinks when a network diverges) is one
    # past the limit of 1
    diverging = Schedule(6, [1e-3, 1e-3, 1e-3, 1e60], optimizer="adam", batch_size=32)
    with pytest.raises(Exception, match="(?i)recompile"):
        train(MLPSpec((1, 12, 12, 1), activation="relu", bias_std=0.5), X1, Y1, [0, 1, 2, 3], diverging,
              dtype=torch.float64, device="cpu", engine="fused")


# -- engine: auto (the default) gives each experiment the engine its module names -----------------
def _plans(engine: str, profile: str, names=("universal_approximation", "xor")):
    from pathlib import Path

    from nnclaims.evidence.experiment import discover
    from nnclaims.evidence.settings import merge_config, settings_from
    from nnclaims.plan import plan

    repo = Path(__file__).resolve().parents[1]
    settings = settings_from(merge_config({}, {"profile": profile, "device": "cpu", "engine": engine}))
    return plan(settings, discover(repo / "experiments", list(names)))


def test_auto_gives_an_experiment_the_engine_its_module_names_for_the_profile():
    auto, batched, forced = _plans("auto", "full"), _plans("batched", "full"), _plans("fused", "full")
    ua = "universal_approximation"
    assert auto[ua].settings.engine == "fused" and auto[ua].explore.settings.engine == "fused"
    assert auto[ua].key == forced[ua].key != batched[ua].key  # the key holds the engine that runs
    assert auto["xor"].settings.engine == "batched" and auto["xor"].key == batched["xor"].key
    assert _plans("auto", "quick")[ua].settings.engine == "batched"  # compiling would cost the quick run more
    assert _plans("loop", "full")[ua].settings.engine == "loop"


def test_the_planners_engines_are_the_trainers_and_the_schemas():
    import yaml
    from pathlib import Path

    from nnclaims.evidence import experiment
    from nnclaims.nn.training import ENGINES

    schema = yaml.safe_load((Path(__file__).resolve().parents[1] / "config" / "schema.yaml").read_text())
    assert set(experiment.ENGINES) == set(ENGINES) == set(schema["properties"]["engine"]["enum"]) - {"auto"}


def test_a_wrong_engine_declaration_is_one_sentence(tmp_path):
    import shutil
    from pathlib import Path

    from nnclaims.evidence.experiment import ExperimentError, load

    src = Path(__file__).resolve().parents[1] / "experiments" / "xor.py"
    shutil.copy(src, tmp_path / "xor.py")
    with open(tmp_path / "xor.py", "a") as fh:
        fh.write('\nENGINE = {"full": "turbo"}\n')
    with pytest.raises(ExperimentError, match=r"xor.py: ENGINE is \{'full': 'turbo'\}; it maps profiles"):
        load(tmp_path / "xor.py")
