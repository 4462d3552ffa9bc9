"""threshold-logic: networks of threshold units compute any logical function.

Protocol 3 (new claim, with amendments P3-2 and the threshold-logic amendment). The
sentence says networks of simple threshold units *can* compute any logical function: an
existence sentence, decided by a constructed instance checked exactly (P3-2).

Expected (written before running):
- (a, `chapter`) for every Boolean function of n <= 4 inputs (65,536 at n = 4), the
  two-layer network built from its truth table (one unit per true row that fires on that
  row alone, then an OR unit) computes it exactly, in integer arithmetic. Check: functions
  computed wrongly = 0. Negative control: the same construction with one true row's unit
  left out (a bug the check must catch); positive control: outputs looked up in the truth
  table itself.
- (b, `supporting`: the sentence is about networks) the number of functions one
  threshold unit computes, decided per function by LP and proved exactly by a certificate
  (`nnclaims.numeric.threshold`), equals the published sequence (OEIS A000609): 4, 14, 104
  and 1,882 for n = 1..4. Negative control: the LP with non-negative weights (3, 6, 20,
  150); positive control: the count from enumerating integer weights in [-3, 3] and every
  threshold, with no LP at all.
Cost: about two seconds; one LP per symmetry class (222 at n = 4) instead of 65,536.
"""

from __future__ import annotations

from nnclaims.evidence import Check, Claim, Control, Measurement, RunContext, Sentence
from nnclaims.report.figures import From, drawer, figure, lines, overlay, rows_of

CLAIMS = [
    Claim(
        id="threshold-logic",
        title="Networks of threshold units compute any logical function",
        statement=("Wire together enough units that fire when a weighted sum of their inputs passes a threshold, "
                   "and any Boolean function can be built (McCulloch and Pitts); one such unit alone realizes only "
                   "the linearly separable ones."),
        section="A",
        reference=("McCulloch and Pitts (1943); the number of threshold functions of n inputs is OEIS A000609 "
                   "(Muroga, Threshold Logic and its Applications, 1971)."),
        sentences=(Sentence("003", "the history of the artificial neuron",
                            "Any Boolean function can be built by wiring together units that fire when a weighted "
                            "sum passes a threshold.",
                            ("threshold units", "any logical function")),),
    )
]
SEEDS = {"quick": 1, "full": 1}  # exact: no randomness involved
INPUTS = {"quick": [1, 2, 3], "full": [1, 2, 3, 4]}
PUBLISHED = {1: 4, 2: 14, 3: 104, 4: 1882}  # OEIS A000609, n = 1..4
WEIGHT_BOUND = 3  # integer weights in [-3, 3] realize every threshold function of n <= 4 inputs


def grid(profile: str) -> list[dict]:
    return [{"n": n} for n in INPUTS[profile]]


def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    import numpy as np

    from nnclaims.numeric import threshold as T

    n = int(point["n"])
    tables = T.truth_tables(n)
    wrong = lambda outputs: int((outputs != tables).any(axis=1).sum())  # noqa: E731
    lookup = tables[:, T.inputs(n) @ (1 << np.arange(n))]  # each input's row of the table, read back
    reps, _ = T.classes(tables, n)
    return {"records": [{
        "n": n,
        "functions": len(tables),
        "wrong": wrong(T.network_outputs(tables, n)),
        "wrong_dropped_row": wrong(T.network_outputs(tables, n, drop_first_true_row=True)),
        "wrong_lookup": wrong(lookup),
        "classes": len(reps),
        "one_unit": int(T.threshold_flags(n).sum()),
        "one_unit_nonnegative": int(T.nonnegative_flags(n).sum()),
        "one_unit_integer_weights": len(T.integer_weight_codes(n, WEIGHT_BOUND)),
    }]}


def checks(tables: dict) -> list[Check]:
    rec = tables["records"].set_index("n").sort_index()
    top = int(rec.index.max())
    out = [Check("threshold-logic", "network-computes-every-function",
                 f"Boolean functions of 1 to {top} inputs that their truth-table threshold network computes wrongly "
                 f"(of {int(rec['functions'].sum()):,})",
                 value=int(rec["wrong"].sum()), comparator="==", threshold=0, unit="functions")]
    for n, row in rec.iterrows():
        out.append(Check("threshold-logic", f"one-unit-count-n{n}",
                         f"functions of {n} input{'s' if n > 1 else ''} one threshold unit computes (LP, certified)",
                         value=int(row["one_unit"]), comparator="==", threshold=PUBLISHED[int(n)],
                         unit="functions", reference="OEIS A000609", basis="supporting"))
    return out


def plain_reasons(tables: dict) -> dict[str, str]:
    """The reason a student reads first on the index."""
    rec = tables["records"].set_index("n").sort_index()
    total, wrong = int(rec["functions"].sum()), int(rec["wrong"].sum())
    singles = ", ".join(f"{int(v):,}" for v in rec["one_unit"])
    return {"threshold-logic": (f"A two-layer network of threshold units, built from the truth table, computed "
                                f"{total - wrong:,} of all {total:,} Boolean functions of 1 to {int(rec.index.max())} "
                                f"inputs exactly; a single unit computes only {singles} of them (1, 2, … inputs).")}


def controls(tables: dict) -> list[Control]:
    rec = tables["records"]
    net_ok = rec.assign(wrong=rec["wrong_lookup"])
    net_broken = rec.assign(wrong=rec["wrong_dropped_row"])
    by_integers = rec.assign(one_unit=rec["one_unit_integer_weights"])
    nonnegative = rec.assign(one_unit=rec["one_unit_nonnegative"])
    out = [Control("network-computes-every-function", "positive", {"records": net_ok},
                   "outputs looked up in the truth table itself"),
           Control("network-computes-every-function", "negative", {"records": net_broken},
                   "the construction with one true row's unit left out")]
    for n in rec["n"]:
        check = f"one-unit-count-n{int(n)}"
        out += [Control(check, "positive", {"records": by_integers},
                        f"counted by enumerating integer weights in [-{WEIGHT_BOUND}, {WEIGHT_BOUND}], without LP"),
                Control(check, "negative", {"records": nonnegative}, "the LP restricted to non-negative weights")]
    return out


def measurements(tables: dict) -> list[Measurement]:
    rec = tables["records"].sort_values("n")
    return [Measurement("threshold-logic", f"symmetry-classes-n{int(r.n)}",
                        f"classes of {int(r.n)}-input functions under input permutation, negation and output "
                        f"complement (one LP each)", value=int(r.classes), unit="classes")
            for r in rec.itertuples()] + \
           [Measurement("threshold-logic", f"nonnegative-count-n{int(r.n)}",
                        f"functions of {int(r.n)} inputs one unit with non-negative weights computes",
                        value=int(r.one_unit_nonnegative), unit="functions")
            for r in rec.itertuples()]


SERIES = {"functions": "all Boolean functions (a network computes each)",
          "one_unit": "one threshold unit (LP, certified)",
          "one_unit_nonnegative": "one unit, non-negative weights"}


def analysis(tables: dict) -> dict:
    """The counts per number of inputs as one long table, and the published counts."""
    import pandas as pd

    rec = tables["records"].sort_values("n")
    counts = rec.melt(id_vars="n", value_vars=list(SERIES), var_name="series", value_name="count")
    published = pd.DataFrame({"n": [int(n) for n in rec["n"]], "count": [PUBLISHED[int(n)] for n in rec["n"]],
                              "series": "published (OEIS A000609)"})
    return {"counts": counts, "published": published}


def _one_unit_shares(tables: dict) -> str:
    """Per n: how many of the Boolean functions one threshold unit computes, for the alt text."""
    counts = tables["counts"]
    one = counts[counts["series"] == "one_unit"].merge(counts[counts["series"] == "functions"], on="n")
    return ", ".join(f"n = {int(r.n)}: {int(r.count_x):,} of {int(r.count_y):,}" for r in one.itertuples())


FIGURES = [figure(
    "threshold_counts", "threshold-logic", main=True, size=(6, 3.8),
    caption=("Every Boolean function is computed by a two-layer threshold network; one unit computes a vanishing "
             "share of them. The published counts (diamonds) sit on the certified LP counts."),
    alt=From(lambda T: "Counts on a log scale against the number of inputs. One threshold unit: "
                       f"{_one_unit_shares(T)}."),
    panels=[overlay(lines(rows_of("counts"), "n", "count", group="series", labels=SERIES),
                    lines(rows_of("published"), "n", "count", group="series", scatter=True, start=len(SERIES)),
                    xlabel="inputs n", ylabel="functions (log scale)", ylog=True,
                    xticks=From(lambda T: [int(n) for n in T["published"]["n"]]))])]
figures = drawer(FIGURES)
