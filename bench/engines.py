"""Loop against batched engine, side by side in one run, on this machine.

Prints microseconds per model-step (one optimizer step of one network) for the plain
loop and the batched engine, their ratio, the batched engine's achieved GFLOP/s and its
share of this machine's float32 matmul peak, measured in the same run with the same
thread count. Each target of issue 3 is printed beside its measurement.

Per-step times are differences: (time of n2 steps - time of n1 steps) / (n2 - n1), so
setup, initialization and the recorded losses at the first and last step cancel out.
Run: ``make bench`` or ``python bench/engines.py --threads 1``.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import torch

from nnclaims.nn.models import MLPSpec
from nnclaims.nn.training import Schedule, train


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


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=1, help="torch threads (the pipeline's default is 1)")
    p.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    args = p.parse_args()
    torch.set_num_threads(args.threads)
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


if __name__ == "__main__":
    main()
