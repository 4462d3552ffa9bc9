"""Issue 22's speed-ups of the batched engine against the code they replaced.

Each change must leave results as they were: the in-place `_foreach` Adam gives the same
bits as the per-parameter chain it replaced (same operations in the same order on the
same machine); leaving diverged networks out of the stack records every network's
outcome as the masked stack did (bit for bit up to the first divergence, to round-off
after it: a smaller stack may split a batched matrix product differently); keeping
freed memory in the process changes no bit; a monitor that gives the training loss from
its own pass records the numbers the second pass did. The reference implementations
below are copies of the replaced code, kept here as the definition of "as before"
(`bench/engines.py` times them against today's).
"""

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from nnclaims.nn import allocator, losses
from nnclaims.nn.batched import BatchedNet
from nnclaims.nn.models import MLPSpec
from nnclaims.nn.optim import SGD, Adam, make_optimizer
from nnclaims.nn.training import MinibatchOrder, Schedule, _batch, penalty, train
from nnclaims.numeric.seeding import torch_generator

REPO = Path(__file__).resolve().parents[1]


class ReferenceAdam(Adam):
    """Stacked Adam before issue 22: a chain of small operations per parameter, masked."""

    @torch.no_grad()
    def step(self, params, grads, active):
        if self.m is None:
            self.m = [torch.zeros_like(p) for p in params]
            self.v = [torch.zeros_like(p) for p in params]
        self.t += 1
        bc1 = 1 - self.beta1**self.t
        bc2_sqrt = (1 - self.beta2**self.t) ** 0.5
        for p, g, m, v in zip(params, grads, self.m, self.v):
            step_size = self._rate(p) / bc1
            keep = self._mask(active, p)
            m_new = m.lerp(g, 1 - self.beta1)
            v_new = v * self.beta2 + (1 - self.beta2) * g * g
            denom = v_new.sqrt() / bc2_sqrt + self.eps
            m.copy_(torch.where(keep, m_new, m))
            v.copy_(torch.where(keep, v_new, v))
            p.copy_(torch.where(keep, p - step_size * (m_new / denom), p))


def reference_train(spec, X, y, seeds, schedule, dtype, device="cpu"):
    """The batched engine before issue 22: a diverged network stays in the stack, masked.
    Returns the networks, the recorded training loss and each network's divergence step."""
    S = len(seeds)
    net = BatchedNet.init(spec, seeds, dtype, device)
    X, y = X.to(device, dtype), y.to(device) if schedule.loss == "ce" else y.to(device, dtype)
    params = net.requires_grad_(True).parameters()
    rates = schedule.rates(S)
    lr = rates[0] if len(set(rates)) == 1 else torch.tensor(rates, dtype=dtype, device=device)
    opt = ReferenceAdam(lr) if schedule.optimizer == "adam" else SGD(lr, schedule.momentum)
    per_network = X.dim() == 3
    order = MinibatchOrder(X.shape[-2], schedule.batch_size, seeds) if schedule.batch_size else None
    dropout = [torch_generator(s, "dropout") for s in seeds] if spec.dropout else None
    diverged_step = torch.full((S,), -1, dtype=torch.long, device=device)
    frozen, records, history = False, set(schedule.record_steps()), []
    for step in range(schedule.steps + 1):
        if step in records:
            with torch.no_grad():
                history.append(losses.per_network(schedule.loss, net(X), y).cpu().numpy())
        if step == schedule.steps:
            break
        xb, yb = _batch(X, y, order.indices(step) if order else None, per_network)
        loss = losses.per_network(schedule.loss, net(xb, train=True, dropout_generators=dropout), yb)
        loss = loss + penalty(net.weight, schedule.l1, schedule.l2) if schedule.l1 or schedule.l2 else loss
        finite = torch.isfinite(loss.detach())
        if bool(finite.all()) and not frozen:
            total = loss.sum()
        else:
            diverged_step[(~finite) & (diverged_step < 0)] = step
            frozen = True
            total = torch.where(diverged_step < 0, loss, 0.0).sum()
        grads = torch.autograd.grad(total, params, allow_unused=True)
        grads = [torch.zeros_like(p) if g is None else g for p, g in zip(params, grads)]
        opt.step(params, grads, diverged_step < 0)
    return net.requires_grad_(False), np.stack(history), diverged_step.cpu().numpy()


# -- Adam: in place, one `_foreach` call per operation -------------------------------------
def _stacked(S, dtype, generator):
    shapes = [(S, 5, 8), (S, 1, 8), (S, 8, 3), (S, 1, 3)]
    return [torch.randn(s, generator=generator, dtype=dtype) for s in shapes]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("per_network", [False, True])
def test_foreach_adam_gives_the_reference_bits(dtype, per_network):
    # The same elementwise operations in the same order on the same machine: the same bits,
    # through steps where every network trains and steps where some are masked.
    g = torch.Generator().manual_seed(0)
    S = 5
    lr = torch.tensor([1e-3, 1e-2, 3e-2, 0.1, 0.3], dtype=dtype) if per_network else 0.01
    mine = _stacked(S, dtype, g)
    ref = [p.clone() for p in mine]
    new, old = Adam(lr), ReferenceAdam(lr)
    for t in range(40):
        grads = _stacked(S, dtype, g)
        active = torch.tensor([True, t < 20, True, t % 3 != 0, True])
        new.step(mine, grads, active)
        old.step(ref, grads, active)
    for a, b in zip(mine + new.m + new.v, ref + old.m + old.v):
        assert torch.equal(a, b)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_adam_raising_small_moments_changes_no_bit(dtype):
    # Gradients that are exactly 0 for whole rows (blank pixels), subnormal, tiny or
    # normal: the moments under the smallest normal number are raised before the root,
    # which must leave parameters and moments the bits of the unraised chain (IEEE square
    # root, division and addition round exactly, so this holds on any machine).
    g = torch.Generator().manual_seed(2)
    tiny = torch.finfo(dtype).tiny
    mine = _stacked(4, dtype, g)
    for p in mine:
        p[..., -1] *= tiny ** 0.5 * 1e8  # weights as small as their steps there: a changed step shows
    ref = [p.clone() for p in mine]
    new, old = Adam(torch.tensor([1e-3, 1e-2, 3e-2, 0.1], dtype=dtype)), ReferenceAdam(
        torch.tensor([1e-3, 1e-2, 3e-2, 0.1], dtype=dtype))
    for t in range(30):
        grads = _stacked(4, dtype, g)
        for k, grad in enumerate(grads):
            grad[..., 0] = 0.0  # a weight that never sees a signal: its moments stay exactly 0
            grad[..., -1] *= tiny ** 0.5  # moments under tiny (subnormal, or 0 where the square underflows)
            grad[..., 1] *= (tiny ** 0.5) * 1e3 if t < 15 else 1.0  # just above tiny, then normal again
        active = torch.tensor([True, True, t % 2 == 0, True])
        new.step(mine, grads, active)
        old.step(ref, grads, active)
    assert any(bool((v == 0).any()) and bool(((v > 0) & (v < tiny)).any()) for v in old.v)  # the case happened
    for a, b in zip(mine + new.m + new.v, ref + old.m + old.v):
        assert torch.equal(a, b)


def test_adam_raises_only_where_it_is_exact():
    from nnclaims.nn.optim import _raising_is_exact
    assert _raising_is_exact(torch.float32, 0.999, 1e-8) and _raising_is_exact(torch.float64, 0.999, 1e-8)
    assert not _raising_is_exact(torch.float32, 0.999, 0.0)  # no eps to absorb the raised root
    assert not _raising_is_exact(torch.float32, 1 - 1e-9, 1e-8)  # a bias correction too small
    assert not _raising_is_exact(torch.float16, 0.999, 1e-8)


def test_stacked_adam_agrees_with_torch_optim():
    g = torch.Generator().manual_seed(1)
    rates = [1e-3, 1e-2, 0.1]
    params = _stacked(3, torch.float64, g)
    alone = [[p[i].clone().requires_grad_(True) for p in params] for i in range(3)]
    optims = [torch.optim.Adam(a, lr=r) for a, r in zip(alone, rates)]
    ours = Adam(torch.tensor(rates, dtype=torch.float64))
    for _ in range(30):
        grads = _stacked(3, torch.float64, g)
        ours.step(params, grads, torch.ones(3, dtype=torch.bool))
        for i, opt in enumerate(optims):
            for a, gr in zip(alone[i], grads):
                a.grad = gr[i].clone()
            opt.step()
    for i in range(3):
        for p, a in zip(params, alone[i]):
            torch.testing.assert_close(p[i], a.detach(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("per_network", [False, True])
@pytest.mark.parametrize("name,momentum", [("sgd", 0.0), ("sgd", 0.9), ("adam", 0.0)])
def test_optimizer_keep_goes_on_with_the_kept_networks_only(name, momentum, per_network):
    # Taking networks 1 and 3 out of the stack when they are frozen leaves 0 and 2
    # stepping as they did with 1 and 3 still in it, masked.
    g = torch.Generator().manual_seed(2)
    lr = torch.tensor([0.01, 0.02, 0.03, 0.04], dtype=torch.float64) if per_network else 0.02
    masked = _stacked(4, torch.float64, g)
    kept = [p.clone() for p in masked]
    a, b = make_optimizer(name, lr, momentum), make_optimizer(name, lr, momentum)
    everyone, keep = torch.ones(4, dtype=torch.bool), torch.tensor([True, False, True, False])
    rows = keep.nonzero().flatten()
    for t in range(20):
        grads = _stacked(4, torch.float64, g)
        a.step(masked, grads, everyone if t < 5 else keep)
        if t <= 5:
            b.step(kept, grads, everyone if t < 5 else keep)
        else:
            b.step(kept, [x[rows] for x in grads], torch.ones(2, dtype=torch.bool))
        if t == 5:  # frozen at this step: from the next one on, out of the stack
            b.keep(rows)
            kept = [p[rows] for p in kept]
    for p, q in zip(masked, kept):
        torch.testing.assert_close(p[rows], q, rtol=1e-13, atol=1e-15)


# -- diverged networks leave the stack -----------------------------------------------------
G = torch.Generator().manual_seed(0)
X = torch.randn(64, 5, dtype=torch.float64, generator=G)
Y = torch.randn(64, 3, dtype=torch.float64, generator=G)
Y_CLS = torch.randint(0, 3, (64,), generator=G)
X1 = torch.linspace(0, 1, 128, dtype=torch.float64)[:, None].expand(6, -1, -1).contiguous()
Y1 = torch.sin(6 * X1) * torch.arange(1, 7, dtype=torch.float64)[:, None, None]

# name: (spec, X, y, seeds, schedule); each has networks that diverge at different steps
# and networks that never do (checked below, so that a case cannot quietly stop testing).
SWEEPS = {
    "sgd-rates": (MLPSpec((5, 16, 3), activation="relu"), X * 3, Y, [1] * 6,
                  Schedule(60, [0.01, 0.1, 0.3, 1.0, 3.0, 30.0], record_every=7)),
    "sgd-one-rate-minibatch": (MLPSpec((5, 16, 16, 3), activation="relu"), X * 4, Y, list(range(6)),
                               Schedule(60, 0.3, batch_size=16)),
    "momentum-ce": (MLPSpec((5, 16, 3), activation="relu"), X * 100, Y_CLS, [2] * 4,
                    Schedule(60, [0.01, 1e3, 1e6, 0.1], momentum=0.9, loss="ce", record_every=10)),
    "adam-data-per-network": (MLPSpec((1, 32, 32, 1), activation="relu", bias_std=0.5), X1, Y1, list(range(6)),
                              Schedule(60, [1e-3, 1e-2, 1e51, 1e52, 0.3, 0.1], optimizer="adam",
                                       batch_size=32)),
    "dropout-l2": (MLPSpec((5, 16, 3), activation="relu", dropout=0.2), X * 3, Y, [3] * 4,
                   Schedule(60, [0.01, 0.3, 1.0, 3.0], l2=1e-2, batch_size=16)),
    "batch-norm": (MLPSpec((5, 16, 3), activation="relu", norm="batch"), X * 3, Y, [4] * 4,
                   Schedule(60, [0.01, 1e150, 1e200, 0.1], batch_size=16, record_every=5)),
    "all-diverge": (MLPSpec((5, 16, 3), activation="relu"), X * 100, Y, [0, 1], Schedule(20, [50.0, 1e3])),
}


@pytest.mark.parametrize("case", sorted(SWEEPS))
def test_leaving_diverged_networks_out_records_what_masking_them_did(case):
    spec, x, y, seeds, schedule = SWEEPS[case]
    net, history, diverged_step = reference_train(spec, x, y, seeds, schedule, torch.float64)
    result = train(spec, x, y, seeds, schedule, dtype=torch.float64, device="cpu", engine="batched")
    assert (diverged_step >= 0).any() and (case == "all-diverge" or (diverged_step < 0).any())
    assert result.diverged_step.tolist() == diverged_step.tolist()
    # Until the first network diverges both run the same operations on the same stack: a
    # network decided then is frozen with the same bits. After it, the stack is smaller,
    # and a batched matrix product may then split its work differently (measured: the
    # last bit of a gradient, now and then), so later values agree to round-off.
    first = diverged_step[diverged_step >= 0].min()
    for p, q in zip(result.net.parameters(), net.parameters()):
        for i in np.flatnonzero(diverged_step == first):
            assert torch.equal(p[i].nan_to_num(), q[i].nan_to_num())
        torch.testing.assert_close(p, q, rtol=1e-9, atol=1e-12, equal_nan=True)
    np.testing.assert_allclose(result.history["loss"], history, rtol=1e-9, atol=1e-12, equal_nan=True)


# -- the allocator ------------------------------------------------------------------------
ONE_D_STEPS = textwrap.dedent("""
    import hashlib, sys
    import torch
    from nnclaims.nn.allocator import keep_freed_memory
    if sys.argv[1] == "keep":
        assert keep_freed_memory()
    from nnclaims.nn.models import MLPSpec
    from nnclaims.nn.training import Schedule, train
    torch.set_num_threads(1)
    # depth_vs_width's largest network: hidden arrays of 144 x 64 x 1,666 floats (61 MB),
    # past glibc's mmap threshold, so that the allocator's setting matters
    S, x = 144, torch.linspace(0, 1, 256)[None, :, None].expand(144, -1, -1).contiguous()
    spec = MLPSpec((1, 1666, 1), activation="relu", bias_std=0.5)
    rates = [10.0 ** (-3 + i % 7 / 2) for i in range(S)]
    r = train(spec, x, torch.sin(6 * x), list(range(S)), Schedule(4, rates, optimizer="adam", batch_size=64),
              device="cpu", engine="batched")
    digest = hashlib.sha256()
    for p in r.net.parameters():
        digest.update(p.numpy().tobytes())
    print(digest.hexdigest())
""")


@pytest.mark.skipif(allocator.glibc() is None, reason="the allocator setting is glibc's")
def test_keeping_freed_memory_changes_no_bit():
    # Where memory comes from cannot change a value: the same bits with the setting and without.
    run = lambda mode: subprocess.run([sys.executable, "-c", ONE_D_STEPS, mode], capture_output=True,  # noqa: E731
                                      text=True, check=True).stdout.strip()
    assert run("keep") == run("default")


def test_keeping_freed_memory_is_a_no_op_elsewhere(monkeypatch, capsys):
    monkeypatch.setattr(allocator, "glibc", lambda: None)
    assert allocator.keep_freed_memory() is False
    assert "not glibc" in capsys.readouterr().err


# -- one evaluation of the training data per record ------------------------------------------
def test_a_monitor_on_the_training_data_records_the_loss_in_the_same_pass(monkeypatch):
    from nnclaims.nn.training import classification_monitor

    spec = MLPSpec((5, 16, 3), activation="relu")
    x, y = X.float(), Y_CLS
    schedule = Schedule(20, 0.1, loss="ce", batch_size=16, record_every=5)
    evaluations = []
    forward = BatchedNet.forward

    def counted(self, inputs, **kw):
        if not kw.get("train"):
            evaluations.append(inputs.shape)
        return forward(self, inputs, **kw)

    monkeypatch.setattr(BatchedNet, "forward", counted)
    monkeypatch.setattr(BatchedNet, "__call__", counted)
    runs = {}
    for shared in (False, True):
        evaluations.clear()
        monitor = classification_monitor(x, y, "train", training_data=shared)
        runs[shared] = train(spec, x, y, [0, 1], schedule, device="cpu", engine="batched", monitors=[monitor])
        assert len(evaluations) == (1 if shared else 2) * len(schedule.record_steps())
    for key in ("loss", "train_loss", "train_accuracy"):  # the same operations on the same numbers
        assert np.array_equal(runs[True].history[key], runs[False].history[key])
    loop = train(spec, x, y, [0, 1], schedule, device="cpu", engine="loop",
                 monitors=[classification_monitor(x, y, "train", training_data=True)])
    np.testing.assert_allclose(loop.history["loss"], runs[True].history["loss"], rtol=1e-4)
    with pytest.raises(ValueError, match="only the one being trained on"):
        train(spec, x, Y.float()[:, :3], [0], Schedule(1, 0.1), device="cpu", engine="batched",
              monitors=[classification_monitor(x, y, "train", training_data=True)])
    with pytest.raises(ValueError, match="shared by all networks"):
        train(spec, x.expand(2, -1, -1), y.expand(2, -1), [0, 1], schedule, device="cpu", engine="batched",
              monitors=[classification_monitor(x, y, "train", training_data=True)])


def test_a_probe_monitor_can_give_the_training_loss_it_computed():
    # vanishing_gradients' and dying_relu's monitors: a forward and backward pass on the
    # training data for their probes, whose loss is then also the record of the loss
    from nnclaims.nn import probes
    from nnclaims.nn.training import records_training_loss

    spec = MLPSpec((5, 8, 8, 3), activation="sigmoid", init="xavier_normal")
    x, y = X.float(), Y_CLS
    schedule = Schedule(12, 0.5, loss="ce", batch_size=16, record_every=4)

    def monitor(net, step):
        g = probes.gradient_norms(net, x, y, "ce")
        return {"loss": g["loss"], "weight_grad": g["weight_grad"]}

    plain = train(spec, x, y, [0, 1], schedule, device="cpu", engine="batched",
                  monitors=[lambda net, step: {"weight_grad": probes.gradient_norms(net, x, y, "ce")["weight_grad"]}])
    shared = train(spec, x, y, [0, 1], schedule, device="cpu", engine="batched",
                   monitors=[records_training_loss(monitor, "ce")])
    for key in ("loss", "weight_grad"):
        assert np.array_equal(shared.history[key], plain.history[key])


@pytest.mark.parametrize("keep", [True, False])
def test_a_run_job_keeps_freed_memory_unless_its_experiment_says_not(tmp_path, monkeypatch, keep):
    import shutil
    from pathlib import Path

    from nnclaims.cli import main

    experiments = tmp_path / "experiments"
    experiments.mkdir()
    shutil.copy(Path(__file__).parent / "faults" / "alpha.py", experiments)
    if not keep:
        with open(experiments / "alpha.py", "a") as fh:
            fh.write("\nKEEP_FREED_MEMORY = False  # as dying_relu says: a lower peak, a slower step\n")
    calls = []
    monkeypatch.setattr(allocator, "keep_freed_memory", lambda *a, **k: calls.append(True) or True)
    monkeypatch.chdir(tmp_path)
    assert main(["--experiments-dir", str(experiments), "run", "alpha", "--profile", "quick", "--device", "cpu"]) == 0
    assert calls == ([True] if keep else [])
    assert list((tmp_path / "results" / "alpha" / "runs").glob("*/0-of-1.json"))


@pytest.mark.parametrize("shape", [(3, 512, 600), (2, 1, 1024, 300), (64, 16, 16), (1024, 256)])
def test_wide_layers_are_transposed_matrix_by_matrix_to_the_same_values(shape):
    from nnclaims.nn import batched

    t = torch.randn(shape, generator=torch_generator(7, "transpose"), dtype=torch.float64)
    got = batched._transposed(t)
    assert got.is_contiguous() and got.shape == (*shape[:-2], shape[-1], shape[-2])
    assert torch.equal(got, t.transpose(-1, -2))  # a copy: no arithmetic, so the values are exact
    wide = shape[-1] * shape[-2] >= batched._WIDE and len(shape) >= 3
    assert wide == (shape in [(3, 512, 600), (2, 1, 1024, 300)])  # both branches are exercised


def test_subnormals_are_zero_inside_the_block_only_and_the_flag_comes_back_after_an_error():
    from nnclaims.nn.denormals import flushed_denormals

    tiny = torch.tensor([1e-39, 3e-38, 2e-38], dtype=torch.float32)  # below float32's smallest normal, 1.18e-38
    assert (tiny * 1.5 > 0).all()
    with flushed_denormals() as supported:
        flushed = tiny * 1.5
        normal = torch.tensor([2e-38], dtype=torch.float32) * 1.0  # 2e-38 is normal: kept
    if not supported:
        pytest.skip("this CPU cannot flush subnormals")
    assert flushed.tolist() == [0.0, pytest.approx(4.5e-38), pytest.approx(3e-38)] and normal.item() > 0
    with pytest.raises(RuntimeError), flushed_denormals():
        raise RuntimeError("a failed step")
    assert (tiny * 1.5 > 0).all()  # off again, as torch starts


def test_deep_training_trains_with_subnormals_flushed_and_its_key_says_so():
    from nnclaims.evidence.experiment import discover
    from nnclaims.evidence.shards import run_versions

    exp = discover(REPO / "experiments", ["deep_training"])["deep_training"]
    assert "nnclaims.nn.denormals" in exp.run_manifest(run_versions()).parts


# -- Leaky ReLU and PReLU: one kernel each way where torch.where took several ----------------
def _where_leaky(z, slope=0.01):  # the replaced forms, z > 0 ? z : slope * z
    return torch.where(z > 0, z, slope * z)


def _where_prelu(z, a):
    return torch.where(z > 0, z, a * z)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_leaky_and_prelu_kernels_give_the_where_forms_values_and_gradients(dtype):
    from nnclaims.nn.activations import get_activation

    gen = torch_generator(11, "activations")
    z0 = torch.randn(6, 40, 30, generator=gen, dtype=dtype)
    z0[0, 0, :3] = 0.0  # the kink: both forms take the slope side there
    g = torch.randn(6, 40, 30, generator=gen, dtype=dtype)
    a0 = torch.rand(6, 1, 30, generator=gen, dtype=dtype) * 2 - 0.5  # the batched (S, 1, h) slopes, both signs
    for name, where, args in (("leaky_relu", _where_leaky, ()), ("prelu", _where_prelu, (a0,))):
        got, ref = [], []
        for fn, out in ((get_activation(name), got), (where, ref)):
            z, extra = z0.clone().requires_grad_(), [a.clone().requires_grad_() for a in args]
            y = fn(z, *extra)
            y.backward(g)
            out += [y.detach(), z.grad, *(a.grad for a in extra)]
        # One multiplication per element either way; PReLU's slope gradient is a sum whose
        # order a kernel may choose, so a tolerance (the same bits on this machine)
        for p, q in zip(got, ref):
            torch.testing.assert_close(p, q, rtol=1e-6 if dtype == torch.float32 else 1e-12, atol=0, msg=name)


@pytest.mark.parametrize("activation", ["leaky_relu", "prelu"])
def test_training_through_the_kernels_ends_where_the_where_forms_did(activation, monkeypatch):
    import torch.nn.functional as F

    X = torch.randn(64, 5, generator=torch_generator(3, "x"), dtype=torch.float64)
    Y = torch.randint(0, 3, (64,), generator=torch_generator(3, "y"))
    spec = MLPSpec((5, 16, 16, 3), activation=activation)
    schedule = Schedule(40, 0.05, optimizer="adam", loss="ce", batch_size=16)
    now = train(spec, X, Y, [0, 1, 2], schedule, dtype=torch.float64, device="cpu", engine="batched")
    monkeypatch.setattr(F, "leaky_relu", _where_leaky)
    monkeypatch.setattr(torch, "_prelu_kernel", _where_prelu)
    before = train(spec, X, Y, [0, 1, 2], schedule, dtype=torch.float64, device="cpu", engine="batched")
    # A tolerance, not bits: the slope gradient's summation order is the kernel's (on this
    # machine the two end on the same bits, and the full profile's tables did not move)
    for p, q in zip(now.net.parameters(), before.net.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(now.history["loss"], before.history["loss"], rtol=1e-9, atol=1e-12)
