"""matrix-form: one matrix product computes every neuron's weighted sum, and faster.

Protocol 3 (new claim, as amended). The sentence says the matrix form computes all
weighted sums simultaneously and brings significant speedups. A layer of width 64 on a
batch of 256 examples with 64 inputs, float32, one thread:
- the loop computes one neuron at a time over the batch (64 matrix-vector products);
- the matrix form computes the layer in one matrix product.

Expected (written before running):
- (a, `chapter`) the two agree: on five random float64 layers the largest difference between
  the loop's and the matrix form's pre-activations is at most 1e-12 (they sum the same
  products in different orders). Positive control: the matrix form against itself;
  negative control: a loop that forgets one neuron's bias (a bug the check must catch).
- (b, `chapter`) the matrix form is at least 2x faster: over 30 paired repeats (the two
  forms timed back to back, their order alternating), the 95% t interval of the mean
  log10(loop time / matrix time) lies above log10 2. Positive control: the chapter's
  per-example, per-neuron Python loop against the matrix form; negative control: the
  matrix form timed against itself.
The per-example Python loop is a measurement (it times the interpreter), and so is the
machine's load average during the timings; on a GPU the same paired ratio of the two
forms is a measurement too. A form's time in a repeat is the fastest of three blocks of
at least 20 ms each (a busy machine makes a block slower, never faster). Timings are the one result here that is not the same bits run to run:
the check reads a ratio of paired timings, never an absolute time.
"""

from __future__ import annotations

import math

from nnclaims.evidence import Check, Claim, Control, Measurement, RunContext, Sentence, mean_ci
from nnclaims.report.figures import From, drawer, figure, lines, rows_of

CLAIMS = [
    Claim(
        id="matrix-form",
        title="The matrix form computes every weighted sum at once, and faster",
        statement=("Writing a layer as one matrix product computes the weighted sums of all its neurons for all "
                   "examples at once; it gives the same numbers as a neuron-by-neuron loop and runs much faster."),
        section="A",
        sentences=(Sentence("003", "the matrix form of a layer",
                            "One matrix multiplication computes every neuron's weighted sum, with large speedups.",
                            ("all weighted sums simultaneously", "significant speedups")),),
    )
]
SEEDS = {"quick": 1, "full": 1}   # one random layer per size; the repeats are the sample
TIMED = True  # its numbers are timings: no two runs share them (the cluster test compares outcomes only)
REPEATS = {"quick": 6, "full": 30}
WIDTH, BATCH, FAN_IN = 64, 256, 64
PY_REPEATS = {"quick": 2, "full": 5}   # the per-example Python loop is slow and only measured
LAYERS = 5  # random float64 layers for the agreement check (the largest difference over all of them)
AGREE = 1e-12
FASTER = math.log10(2.0)


def grid(profile: str) -> list[dict]:
    return [{"repeats": REPEATS[profile], "python_repeats": PY_REPEATS[profile]}]


def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    from nnclaims.nn import layer_timing as L

    seed = int(ctx.seeds[0])
    agreement = [L.agreement(WIDTH, BATCH, FAN_IN, seed + k, with_python=k == 0) for k in range(LAYERS)]
    timings = L.paired_timings(WIDTH, BATCH, FAN_IN, seed, int(point["repeats"]), int(point["python_repeats"]))
    gpu = L.gpu_timing(WIDTH, BATCH, FAN_IN, seed, int(point["repeats"])) if ctx.device.startswith("cuda") else []
    return {"records": agreement, "timings": timings, **({"gpu": gpu} if gpu else {})}  # a GPU table only on a GPU


def checks(tables: dict) -> list[Check]:
    rec, t = tables["records"], tables["timings"]
    return [
        Check.of("matrix-form", "matrix-faster",
                 f"log10(loop time / matrix time), width {WIDTH}, batch {BATCH}, float32, 1 thread, paired repeats",
                 mean_ci(t["log10_loop_over_matrix"].to_numpy(dtype=float), method="t"), ">", FASTER),
        Check("matrix-form", "loop-equals-matrix",
              f"largest |loop − matrix form| over the pre-activations of {len(rec)} random float64 layers",
              value=rec["max_abs_diff"].max(), comparator="<=", threshold=AGREE),
    ]


def controls(tables: dict) -> list[Control]:
    rec, t = tables["records"], tables["timings"]
    return [
        Control("loop-equals-matrix", "positive", {"records": rec.assign(max_abs_diff=rec["self_diff"])},
                "the matrix form against itself"),
        Control("loop-equals-matrix", "negative", {"records": rec.assign(max_abs_diff=rec["no_bias_diff"])},
                "a loop that forgets one neuron's bias"),
        Control("matrix-faster", "positive", {"timings": _python_rows(t)},
                "the chapter's per-example, per-neuron Python loop against the matrix form"),
        Control("matrix-faster", "negative",
                {"timings": t.assign(log10_loop_over_matrix=t["log10_matrix_over_matrix"])},
                "the matrix form timed against itself"),
    ]


def _python_rows(t):
    rows = t.dropna(subset=["log10_python_over_matrix"])
    return rows.assign(log10_loop_over_matrix=rows["log10_python_over_matrix"])


def measurements(tables: dict) -> list[Measurement]:
    t = tables["timings"]
    out = [Measurement("matrix-form", "python-loop-difference",
                       "largest |chapter's Python loop − matrix form| over the random float64 layers",
                       value=float(tables["records"]["python_diff"].max())),
           Measurement("matrix-form", "python-loop-ratio",
                       "log10(per-example Python loop time / matrix time): the interpreter's cost",
                       value=float(t["log10_python_over_matrix"].dropna().mean())),
           Measurement("matrix-form", "matrix-time", "median time of the matrix form on the CPU, 1 thread",
                       value=float(t["matrix_s"].median() * 1e6), unit="µs"),
           Measurement("matrix-form", "load", "largest 1-minute load average during the timings",
                       value=float(t["load"].max()))]
    gpu = tables.get("gpu")
    if gpu is not None and len(gpu):
        out.append(Measurement.of("matrix-form", "gpu-loop-over-matrix",
                                  "on the GPU: log10(loop over neurons time / matrix time), paired repeats",
                                  mean_ci(gpu["log10_loop_over_matrix"].to_numpy(dtype=float), method="t")))
    return out


FORMS = {"loop_s": "loop over neurons (64 matrix-vector products)", "matrix_s": "matrix form (one matrix product)"}


def analysis(tables: dict) -> dict:
    """The paired timings as one long table, in µs."""
    t = tables["timings"]
    long = t.melt(id_vars="repeat", value_vars=list(FORMS), var_name="form", value_name="seconds")
    return {"timing_curves": long.assign(us=long["seconds"] * 1e6)}


def _speedup(tables: dict) -> float:
    return 10 ** tables["timings"]["log10_loop_over_matrix"].mean()


FIGURES = [figure(
    "matrix_form_timings", "matrix-form", main=True, size=(6, 3.6),
    caption=From(lambda T: f"Paired timings of one layer (width {WIDTH}, batch {BATCH}, float32, one thread): the "
                           f"loop over neurons against one matrix product, about {_speedup(T):.0f}x apart."),
    alt=From(lambda T: f"Two lines of times over {len(T['timings'])} repeats; the loop is about {_speedup(T):.0f} "
                       "times slower."),
    panels=[lines(rows_of("timing_curves"), "repeat", "us", group="form", labels=FORMS, ylog=True,
                  xlabel="repeat (paired: both forms timed back to back)", ylabel="time per layer (µs, log scale)")])]
figures = drawer(FIGURES)
