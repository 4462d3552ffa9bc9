"""One dense layer computed three ways, compared for equality and timed side by side.

- the matrix form: ``X @ W.T + b``, one matrix product for every neuron and example;
- the loop over neurons: one matrix-vector product per neuron, over the whole batch;
- the chapter's loop: one weighted sum per example and neuron, in plain Python.

Timings are paired: within a repeat the forms run back to back, their order alternating
between repeats, so that a slow spell of the machine slows both; a check reads the log
ratio of a pair, never an absolute time. Each timing is the mean of enough inner calls
to lie well above the clock's resolution. Torch runs on one thread here (restored after).
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from typing import Callable, Iterator

import torch

# Each timed block lasts at least INNER_SECONDS (the clock resolves ~1e-7 s) and a form's
# time is the fastest of BLOCKS blocks: a block that a busy machine interrupts is slower,
# never faster, so the minimum is the least disturbed estimate (2-ms blocks under a load of
# 6 on 2 cores spread the matrix form's time from 29 to 543 µs).
INNER_SECONDS = 0.02
BLOCKS = 3


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def random_layer(width: int, batch: int, fan_in: int, seed: int, dtype: torch.dtype):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(batch, fan_in, generator=g, dtype=torch.float64)
    W = torch.randn(width, fan_in, generator=g, dtype=torch.float64) / math.sqrt(fan_in)
    b = torch.randn(width, generator=g, dtype=torch.float64)
    return X.to(dtype), W.to(dtype), b.to(dtype)


def matrix_form(X: torch.Tensor, W: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return X @ W.T + b


def neuron_loop(X: torch.Tensor, W: torch.Tensor, b: torch.Tensor, skip_bias_of: int = -1) -> torch.Tensor:
    """One matrix-vector product per neuron; ``skip_bias_of`` forgets one neuron's bias (a bug)."""
    out = torch.empty(X.shape[0], W.shape[0], dtype=X.dtype)
    for j in range(W.shape[0]):
        out[:, j] = X @ W[j] + (0 if j == skip_bias_of else b[j])
    return out


def python_loop(X: list[list[float]], W: list[list[float]], b: list[float]) -> list[list[float]]:
    """The chapter's loop: for each example, for each neuron, its weighted sum plus bias."""
    return [[sum(w * x for w, x in zip(row, example)) + bias for row, bias in zip(W, b)] for example in X]


def agreement(width: int, batch: int, fan_in: int, seed: int, with_python: bool = True) -> dict:
    """Largest absolute differences on one random float64 layer: loop against matrix form,
    the matrix form against itself, a loop that forgets one neuron's bias, and (when
    ``with_python``; it takes ~0.2 s) the chapter's Python loop, each against the matrix form."""
    X, W, b = random_layer(width, batch, fan_in, seed, torch.float64)
    with one_thread():
        M = matrix_form(X, W, b)
        py = (torch.tensor(python_loop(X.tolist(), W.tolist(), b.tolist()), dtype=torch.float64) - M).abs().max() \
            if with_python else math.nan
        return {"seed": seed, "max_abs_diff": float((neuron_loop(X, W, b) - M).abs().max()),
                "self_diff": float((matrix_form(X, W, b) - M).abs().max()),
                "no_bias_diff": float((neuron_loop(X, W, b, skip_bias_of=0) - M).abs().max()),
                "python_diff": float(py)}


def _block(fn: Callable[[], object], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return time.perf_counter() - start


def _timed(fn: Callable[[], object], blocks: int = BLOCKS) -> float:
    """Seconds per call: the fastest of ``blocks`` blocks, each of enough calls to last INNER_SECONDS."""
    calls = 1
    while (elapsed := _block(fn, calls)) < INNER_SECONDS:
        calls *= 4
    return min([elapsed] + [_block(fn, calls) for _ in range(blocks - 1)]) / calls


def paired_timings(width: int, batch: int, fan_in: int, seed: int, repeats: int, python_repeats: int) -> list[dict]:
    """Per repeat: the loop's and the matrix form's times (and the matrix form timed a
    second time, the negative control), back to back in alternating order, float32; the
    Python loop in the first ``python_repeats`` repeats."""
    X, W, b = random_layer(width, batch, fan_in, seed, torch.float32)
    lists = (X.tolist(), W.tolist(), b.tolist())
    rows = []
    with one_thread(), torch.no_grad():
        for fn in (lambda: matrix_form(X, W, b), lambda: neuron_loop(X, W, b)):
            _timed(fn)  # warm up the allocator and kernels
        for r in range(repeats):
            forms = [("loop_s", lambda: neuron_loop(X, W, b)), ("matrix_s", lambda: matrix_form(X, W, b)),
                     ("matrix2_s", lambda: matrix_form(X, W, b))]
            row = {"repeat": r, "load": os.getloadavg()[0]}
            for name, fn in (forms if r % 2 == 0 else forms[::-1]):
                row[name] = _timed(fn)
            # one block: a call lasts ~0.2 s, far above any disturbance that matters at ~1,000x
            row["python_s"] = _timed(lambda: python_loop(*lists), blocks=1) if r < python_repeats else math.nan
            row["log10_loop_over_matrix"] = math.log10(row["loop_s"] / row["matrix_s"])
            row["log10_matrix_over_matrix"] = math.log10(row["matrix2_s"] / row["matrix_s"])
            row["log10_python_over_matrix"] = math.log10(row["python_s"] / row["matrix_s"])
            rows.append(row)
    return rows


def gpu_timing(width: int, batch: int, fan_in: int, seed: int, repeats: int) -> list[dict]:
    """The loop over neurons and the matrix form on the GPU, paired as on the CPU and
    synchronized at the end of every call (a kernel launch returns before it has run)."""
    X, W, b = (t.cuda() for t in random_layer(width, batch, fan_in, seed, torch.float32))

    def synced(fn):
        def call():
            fn()
            torch.cuda.synchronize()
        return call

    loop = synced(lambda: torch.stack([X @ W[j] + b[j] for j in range(W.shape[0])], dim=1))
    matrix = synced(lambda: matrix_form(X, W, b))
    rows = []
    with torch.no_grad():
        _timed(loop), _timed(matrix)
        for r in range(repeats):
            pair = [("loop_s", loop), ("matrix_s", matrix)]
            row = {"repeat": r, **{name: _timed(fn) for name, fn in (pair if r % 2 == 0 else pair[::-1])}}
            row["log10_loop_over_matrix"] = math.log10(row["loop_s"] / row["matrix_s"])
            rows.append(row)
    return rows
