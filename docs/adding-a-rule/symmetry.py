"""zero-init-symmetry: hidden units that start equal stay equal, so a network needs random init."""

# What we expect, written before running (the report shows it; a script run by Snakemake
# has no module docstring, so it is a constant).
EXPECTED = """A 2-4-1 tanh network trained on OR by full-batch
gradient descent (200 steps, learning rate 0.5), from all-zero first-layer weights and
output weights that are equal across the units, keeps its four hidden units identical:
the largest difference between two units' incoming weights stays exactly 0, over 8 seeds
(the seed sets the common output weight).
Controls: the check must pass on the same networks started from first-layer weights that
are all equal but not zero (0.3: symmetric too) and fail on them started from random
first-layer weights, whose units differ.
"""

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from nnclaims.evidence import Check, Claim, Control
from nnclaims.publish import publish
from nnclaims.numeric.data import gate
from nnclaims.numeric.reference import backward
from nnclaims.numeric.seeding import numpy_rng

CLAIMS = [Claim(id="zero-init-symmetry", title="Hidden units that start equal stay equal",
                statement=("If every hidden unit starts with the same weights, every unit gets the same gradient, "
                           "so they stay copies of each other however long the network trains: initial weights "
                           "must be random to break the symmetry."), section="Z. Rules of our own")]
SEEDS = range(10000, 10008)  # the confirmatory block


def spread(first_layer: str, seed: int) -> float:
    """Largest difference between two hidden units' incoming weights after training."""
    rng = numpy_rng(seed, "init")
    X, y = gate("OR")
    W1 = {"zero": np.zeros((4, 2)), "equal": np.full((4, 2), 0.3)}.get(first_layer)
    W1 = rng.normal(0, 1, (4, 2)) if W1 is None else W1
    W2 = np.full((1, 4), rng.uniform(0.1, 1.0))  # the same output weight for every unit
    weights, biases = [W1, W2], [np.zeros(4), np.zeros(1)]
    for _ in range(200):
        _, gw, gb = backward(weights, biases, X, y[:, None].astype(float), "tanh", "bce")
        weights = [w - 0.5 * g for w, g in zip(weights, gw)]
        biases = [b - 0.5 * g for b, g in zip(biases, gb)]
    W = weights[0]
    return float(np.abs(W[:, None, :] - W[None, :, :]).max())


def checks(tables: dict) -> list[Check]:
    zero = tables["records"][tables["records"]["first_layer"] == "zero"]
    return [Check("zero-init-symmetry", "units-stay-identical",
                  "Largest difference between two hidden units' incoming weights after training from zero",
                  value=zero["spread"].max(), comparator="==", threshold=0.0, n_seeds=len(zero))]


def controls(tables: dict) -> list[Control]:
    rec = tables["records"]
    random_as_zero = rec[rec["first_layer"] == "random"].assign(first_layer="zero")
    equal_as_zero = rec[rec["first_layer"] == "equal"].assign(first_layer="zero")
    return [Control("units-stay-identical", "positive", {"records": equal_as_zero},
                    "the same networks started from equal, non-zero first-layer weights"),
            Control("units-stay-identical", "negative", {"records": random_as_zero},
                    "the same networks started from random first-layer weights")]


if __name__ == "__main__" or "snakemake" in globals():
    if "snakemake" in globals():  # run by the rule: log to its log file, write where it says
        sys.stderr = sys.stdout = open(snakemake.log[0], "w")  # noqa: F821
        results_dir = Path(snakemake.output.verdicts).parents[1]  # noqa: F821
    else:
        results_dir = Path("results")
    records = pd.DataFrame([{"seed": s, "first_layer": f, "spread": spread(f, s)}
                            for s in SEEDS for f in ("zero", "equal", "random")])
    for row in publish("zero_init_symmetry", CLAIMS, {"records": records}, checks, controls,
                       expected=EXPECTED, source=__file__, results_dir=results_dir):
        print(row["claim"], row["verdict"])
