"""Loop against batched engine, side by side in one run, on this machine.

Prints microseconds per model-step (one optimizer step of one network) for the plain
loop and the batched engine, their ratio, the batched engine's achieved GFLOP/s and its
share of this machine's float32 matmul peak, measured in the same run with the same
thread count. Each target of issue 3 is printed beside its measurement.

Per-step times are differences: (time of n2 steps - time of n1 steps) / (n2 - n1), so
setup, initialization and the recorded losses at the first and last step cancel out.

Then issue 22's changes, each before and after in the same run (`issue22`): glibc's
allocator at its defaults and set to keep freed memory (`nnclaims.nn.allocator`, as every
run job now starts), on the 1-D tiny-network step of depth_vs_width and
universal_approximation, each setting in a process of its own, since it holds for a whole
process; the stacked Adam step as a chain of small operations per parameter and as
in-place `_foreach` calls; a learning-rate sweep whose diverged networks are masked, and
the same sweep with them left out of the stack. This process keeps freed memory, as a
run job does. Run: ``make bench`` or ``python bench/engines.py --threads 1``;
``--only issue22`` for that part alone.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from nnclaims.nn.allocator import keep_freed_memory
from nnclaims.nn.models import MLPSpec
from nnclaims.nn.optim import Adam
from nnclaims.nn.training import Schedule, train

TESTS = Path(__file__).resolve().parents[1] / "tests"


@dataclass
class Case:
    name: str
    sizes: tuple[int, ...]
    activation: str
    S: int
    batch: int | None  # None: full batch
    n: int             # training examples
    loss: str
    steps: tuple[int, int]
    ratio_target: float | None = None
    peak_target: float | None = None  # fraction of the matmul peak
    loop_models: int = 3  # the loop's time per model-step does not depend on S: time a few


CASES = [
    Case("XOR 2-2-1, S=20", (2, 2, 1), "sigmoid", 20, None, 4, "bce", (100, 600), ratio_target=20),
    Case("XOR 2-2-1, S=1000", (2, 2, 1), "sigmoid", 1000, None, 4, "bce", (100, 600), ratio_target=200),
    Case("784-16-16-10, S=10, batch 128", (784, 16, 16, 10), "relu", 10, 128, 4096, "ce", (20, 120), ratio_target=3),
    Case("10-layer width-64 ReLU, S=10, batch 128", (64,) + (64,) * 10 + (10,), "relu", 10, 128, 4096, "ce",
         (20, 120), ratio_target=3),
    Case("784-256-128-10, S=10, batch 128", (784, 256, 128, 10), "relu", 10, 128, 4096, "ce", (5, 25),
         peak_target=0.70),
]


def train_flops(sizes: tuple[int, ...], batch: int) -> float:
    """Matmul FLOPs of one training step of one network: forward, weight gradients, and
    input gradients of every layer but the first (the data need no gradient)."""
    macs = [a * b for a, b in zip(sizes[:-1], sizes[1:])]
    return 2 * batch * (2 * sum(macs) + sum(macs[1:]))


def data(case: Case, device: str):
    g = torch.Generator().manual_seed(0)
    X = torch.randn(case.n, case.sizes[0], generator=g)
    if case.loss == "ce":
        y = torch.randint(0, case.sizes[-1], (case.n,), generator=g)
    else:
        y = torch.randint(0, 2, (case.n, case.sizes[-1]), generator=g).float()
    return X, y


def per_model_step(case: Case, engine: str, S: int, device: str, repeats: int = 3) -> float:
    X, y = data(case, device)
    spec = MLPSpec(case.sizes, activation=case.activation, init="he_normal")
    seeds = list(range(S))

    def timed(steps: int) -> float:
        schedule = Schedule(steps, 0.01, loss=case.loss, batch_size=case.batch)
        if device == "cuda":
            torch.cuda.synchronize()
        t = time.perf_counter()
        train(spec, X, y, seeds, schedule, device=device, engine=engine)
        if device == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - t

    timed(2)  # warm-up: first calls allocate and import
    n1, n2 = case.steps
    best = min(timed(n2) - timed(n1) for _ in range(repeats))
    return best / (n2 - n1) / S * 1e6


def matmul_peak(device: str, n: int = 2048, repeats: int = 10) -> float:
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    for _ in range(3):
        a @ b
    if device == "cuda":
        torch.cuda.synchronize()
    t = time.perf_counter()
    for _ in range(repeats):
        a @ b
    if device == "cuda":
        torch.cuda.synchronize()
    return 2 * n**3 * repeats / (time.perf_counter() - t) / 1e9


# -- issue 22: before and after, side by side ---------------------------------------------------
@dataclass
class OneD:
    """The 1-D tiny-network step: S networks 1 -> width -> 1 with Adam, one learning rate
    and one copy of the data per network, minibatches of 64 (the experiments' setting)."""
    name: str
    width: int
    S: int
    n: int
    steps: tuple[int, int] = (3, 13)


ONE_D = [OneD("depth_vs_width 1-1666-1, S=144", 1666, 144, 256),  # its longest job: depth 1, 5,000 parameters
         OneD("universal_approximation 1-1024-1, S=192", 1024, 192, 512)]
ADAM_SIZES, ADAM_S = (784, 128, 128, 10), 64  # regularization's dropout networks, at its seed cap


def one_d_step(case: OneD, engine: str = "batched", S: int | None = None, repeats: int = 3) -> tuple[float, float]:
    """Microseconds per network-step, and the seconds of the first call (for the fused
    engine: its compile). ``S``: fewer networks (the loop's time per network-step does not
    depend on how many it trains, one after another)."""
    S = S or case.S
    x = torch.linspace(0, 1, case.n)[None, :, None].expand(S, -1, -1).contiguous()
    spec = MLPSpec((1, case.width, 1), activation="relu", bias_std=0.5)
    rates = [10.0 ** (-3 + i % 7 / 2) for i in range(S)]  # rule 5's grid, 0.001 to 1

    def timed(steps: int) -> float:
        t = time.perf_counter()
        train(spec, x, torch.sin(6 * x), list(range(S)), Schedule(steps, rates, optimizer="adam", batch_size=64),
              device="cpu", engine=engine)
        return time.perf_counter() - t

    first = timed(2)
    n1, n2 = case.steps
    return difference(timed, n1, n2, repeats) / S * 1e6, first


def difference(timed, n1: int, n2: int, repeats: int) -> float:
    """Seconds per step: the best of ``repeats`` times of n2 steps less the best of n1, each
    best taken on its own (on a shared machine, a difference of single runs can go negative).
    NaN where even so n2 steps took no longer than n1: the machine was too busy to measure."""
    per_step = (min(timed(n2) for _ in range(repeats)) - min(timed(n1) for _ in range(repeats))) / (n2 - n1)
    return per_step if per_step > 0 else float("nan")


def adam_step(optimizer: type, repeats: int = 5) -> float:
    """Milliseconds per step of a stacked Adam on S networks, every network active."""
    g = torch.Generator().manual_seed(0)
    shapes = [(ADAM_S, a, b) for a, b in zip(ADAM_SIZES[:-1], ADAM_SIZES[1:])]
    shapes += [(ADAM_S, 1, b) for b in ADAM_SIZES[1:]]
    params = [torch.randn(s, generator=g) for s in shapes]
    grads = [torch.randn(s, generator=g) for s in shapes]
    opt, active = optimizer(torch.full((ADAM_S,), 1e-3)), torch.ones(ADAM_S, dtype=torch.bool)
    opt.step(params, grads, active)
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        opt.step(params, grads, active)
        best = min(best, time.perf_counter() - t)
    return best * 1e3


def child(setting: str) -> None:
    """One process, one allocator setting: the 1-D steps and Adam, as JSON on stdout."""
    if setting == "keep":
        keep_freed_memory()
    sys.path.insert(0, str(TESTS))
    from test_stacked_speedups import ReferenceAdam  # the replaced Adam, kept by its test

    out = {case.name: one_d_step(case)[0] for case in ONE_D}
    out |= {"adam chain": adam_step(ReferenceAdam), "adam foreach": adam_step(Adam)}
    if setting == "keep":  # the engines, each as a run job would train: freed memory kept
        for case in ONE_D:
            out[f"{case.name} loop"] = one_d_step(case, "loop", S=3, repeats=1)[0]
            out[f"{case.name} fused"], out[f"{case.name} compile"] = one_d_step(case, "fused")
    print(json.dumps(out))


def by_allocator(threads: int) -> dict[str, dict[str, float]]:
    """The child's measurements with glibc's defaults and with freed memory kept."""
    found = {}
    for setting in ("default", "keep"):
        cmd = [sys.executable, __file__, "--threads", str(threads), "--child", setting]
        found[setting] = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
    return found


def sweep_with_divergence(masked: bool, steps: tuple[int, int] = (20, 80), repeats: int = 3) -> tuple[float, float]:
    """A learning-rate sweep (7 rates x 8 seeds, 64-64-64-64-64-10 ReLU, SGD, batch 64) whose
    largest rates diverge within a few steps: microseconds per network-step, and the share of
    network-steps that went to networks already diverged."""
    sys.path.insert(0, str(TESTS))
    from test_stacked_speedups import reference_train

    g = torch.Generator().manual_seed(0)
    X, y = torch.randn(1024, 64, generator=g), torch.randint(0, 10, (1024,), generator=g)
    spec = MLPSpec((64,) * 5 + (10,), activation="relu", init="he_normal")
    rates = [r for r in (0.01, 0.03, 0.1, 0.3, 10.0, 100.0, 1000.0) for _ in range(8)]
    seeds = [s for _ in range(7) for s in range(8)]

    def timed(n: int) -> tuple[float, list[int]]:
        schedule = Schedule(n, rates, loss="ce", batch_size=64)
        t = time.perf_counter()
        if masked:
            diverged = reference_train(spec, X, y, seeds, schedule, torch.float32)[2].tolist()
        else:
            diverged = train(spec, X, y, seeds, schedule, device="cpu", engine="batched").diverged_step.tolist()
        return time.perf_counter() - t, diverged

    diverged = timed(steps[1])[1]
    wasted = sum(steps[1] - d - 1 for d in diverged if d >= 0) / (steps[1] * len(seeds))
    return difference(lambda n: timed(n)[0], *steps, repeats) / len(seeds) * 1e6, wasted


def issue22(threads: int) -> None:
    found = by_allocator(threads)
    masked, share = sweep_with_divergence(True)
    removed, _ = sweep_with_divergence(False)
    head = f"{'issue 22: before -> after':72s} {'before':>9s} {'after':>9s} {'ratio':>7s}"
    print(f"\n{head}\n{'-' * len(head)}")
    for case in ONE_D:
        before, after = found["default"][case.name], found["keep"][case.name]
        print(f"{case.name + ', allocator default -> keep (µs)':72s} {before:9.1f} {after:9.1f} {before / after:6.2f}x")
    for setting in ("default", "keep"):
        before, after = found[setting]["adam chain"], found[setting]["adam foreach"]
        label = f"Adam step, 784-128-128-10 S={ADAM_S}, chain -> foreach (ms; allocator {setting})"
        print(f"{label:72s} {before:9.1f} {after:9.1f} {before / after:6.2f}x")
    label = f"sweep, {share:.0%} of network-steps diverged: masked -> left out (µs)"
    print(f"{label:72s} {masked:9.1f} {removed:9.1f} {masked / removed:6.2f}x")
    keep = found["keep"]
    for case in ONE_D:
        loop, batched, fused = (keep[f"{case.name} loop"], keep[case.name], keep[f"{case.name} fused"])
        before = found["default"][case.name]
        print(f"{case.name + ', batched -> fused (µs)':72s} {batched:9.1f} {fused:9.1f} "
              f"{batched / fused:6.2f}x   first call {keep[f'{case.name} compile']:.1f} s; loop {loop:.1f} µs: "
              f"loop/batched {loop / batched:.1f}x, loop/fused {loop / fused:.1f}x; "
              f"before issue 22 / fused {before / fused:.1f}x")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=1, help="torch threads (the pipeline's default is 1)")
    p.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    p.add_argument("--only", choices=("issue22",), help="measure only this part")
    p.add_argument("--child", choices=("default", "keep"), help=argparse.SUPPRESS)  # one allocator setting
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    if args.child:
        return child(args.child)
    keep_freed_memory()  # as every run job does
    if args.only == "issue22":
        print(f"{args.threads} torch thread(s)")
        return issue22(args.threads)
    peak = matmul_peak(args.device)
    print(f"device {args.device}, {args.threads} torch thread(s); float32 matmul peak (2048², same run): "
          f"{peak:.1f} GFLOP/s\n")
    head = f"{'case':42s} {'loop µs':>9s} {'batched µs':>11s} {'ratio':>7s} {'GFLOP/s':>8s} {'% peak':>7s}   target"
    print(head)
    print("-" * len(head))
    for case in CASES:
        loop = per_model_step(case, "loop", min(case.S, case.loop_models), args.device)
        batched = per_model_step(case, "batched", case.S, args.device)
        ratio = loop / batched
        gflops = train_flops(case.sizes, case.batch or case.n) / (batched * 1e-6) / 1e9
        if case.ratio_target:
            target = f"ratio ≥ {case.ratio_target:g}x: {'met' if ratio >= case.ratio_target else 'MISSED'}"
        else:
            share = gflops / peak
            target = f"≥ {case.peak_target:.0%} of peak: {'met' if share >= case.peak_target else 'MISSED'}"
        print(f"{case.name:42s} {loop:9.1f} {batched:11.2f} {ratio:6.1f}x {gflops:8.1f} {gflops / peak:6.1%}   {target}")
    if args.device == "cpu":
        issue22(args.threads)


if __name__ == "__main__":
    main()
