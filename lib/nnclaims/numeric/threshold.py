"""Boolean functions and threshold units, decided exactly.

A threshold unit computes f(x) = [w.x + b > 0] on x in {0, 1}^n. Which of the 2^(2^n)
Boolean functions one unit can compute is decided here by linear programming (the
largest margin with which some (w, b) separates the function's true rows from its false
rows), and every answer is then proved with exact integer or rational arithmetic, so the
count does not depend on the LP solver's rounding on any CPU:
- "computable": the LP's (w, b), rounded to rationals, separates the rows exactly;
- "not computable": two true rows and two false rows with equal sums (t1 + t2 = f1 + f2),
  which no (w, b) can split, since w.t1 + w.t2 + 2b = w.f1 + w.f2 + 2b; or, for
  non-negative weights, a true row below a false row (x <= y), since then w.x <= w.y.
An LP answer that its certificate does not confirm is an error, not a count.

The 65,536 functions of four inputs take one LP each only up to symmetry: permuting or
negating inputs and complementing the output map threshold functions to threshold
functions (negating x_i is w_i -> -w_i, b -> b + w_i), so one LP per class of that group
decides every member (222 classes at n = 4).

Truth tables: row r is the input whose bit i is x_i; a function's ``code`` has bit r set
when f(row r) = 1.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
from scipy.optimize import linprog

DENOMINATORS = (1, 2, 4, 8, 16, 64, 256, 1024)  # rational roundings tried for the LP's (w, b)


def inputs(n: int) -> np.ndarray:
    """All 2^n inputs, row r holding the bits of r: shape (2^n, n), integers 0/1."""
    r = np.arange(2 ** n)
    return ((r[:, None] >> np.arange(n)) & 1).astype(np.int64)


def truth_tables(n: int) -> np.ndarray:
    """Every Boolean function of n inputs as a truth table: shape (2^(2^n), 2^n), bool."""
    codes = np.arange(2 ** (2 ** n), dtype=np.int64)
    return ((codes[:, None] >> np.arange(2 ** n)) & 1).astype(bool)


def codes_of(tables: np.ndarray) -> np.ndarray:
    """Truth tables back to their integer codes."""
    return (tables.astype(np.int64) << np.arange(tables.shape[1])).sum(axis=1)


# --- a two-layer threshold network from a truth table (McCulloch and Pitts) --------------


def row_detectors(n: int) -> tuple[np.ndarray, np.ndarray]:
    """One unit per input row r that fires on r alone: weights 2 r_i - 1 and bias
    1 - |r|, so w.x + b = 1 - (mismatched bits), positive only when x = r."""
    rows = inputs(n)
    return 2 * rows - 1, 1 - rows.sum(axis=1)


def network_outputs(tables: np.ndarray, n: int, drop_first_true_row: bool = False) -> np.ndarray:
    """Outputs of the truth-table network of every function on every input, computed from
    its integer weights: a hidden detector for each true row, then an OR unit (weights 1,
    bias 0: fires when any detector does). ``drop_first_true_row`` leaves one detector out:
    the broken construction a check must catch."""
    W, b = row_detectors(n)
    X = inputs(n)
    fired = (X @ W.T + b > 0).astype(np.int64)          # (inputs, detectors)
    present = tables.astype(np.int64)                    # (functions, detectors)
    if drop_first_true_row:
        first = np.argmax(tables, axis=1)
        present[np.arange(len(tables)), first] = 0        # a function with no true row has none to drop
    return present @ fired.T > 0                         # OR unit: sum of its inputs > 0


# --- one threshold unit: LP, exact certificates, symmetry ------------------------------


def margin_lp(X: np.ndarray, labels: np.ndarray, nonnegative: bool = False) -> tuple[float, np.ndarray]:
    """Largest s with w.x + b >= s on true rows and <= -s on false rows, (w, b) in [-1, 1]
    (weights in [0, 1] when ``nonnegative``). Returns s and (w, b)."""
    d = X.shape[1] + 1
    Xa = np.hstack([X, np.ones((len(X), 1))]).astype(float)
    sign = np.where(labels, 1.0, -1.0)[:, None]
    A = np.hstack([-sign * Xa, np.ones((len(X), 1))])    # s - sign (w.x + b) <= 0
    bounds = [(0 if nonnegative else -1, 1)] * (d - 1) + [(-1, 1), (None, 1)]
    c = np.zeros(d + 1)
    c[-1] = -1.0
    res = linprog(c, A_ub=A, b_ub=np.zeros(len(X)), bounds=bounds, method="highs")
    if res.status != 0:
        raise RuntimeError(f"LP solver failed: {res.message}")
    return float(res.x[-1]), res.x[:d]


def separates_exactly(X: np.ndarray, labels: np.ndarray, wb: np.ndarray, nonnegative: bool = False) -> bool:
    """Whether some rational rounding of (w, b) computes the labels, in exact arithmetic."""
    for den in DENOMINATORS:
        w = [Fraction(round(float(v) * den), den) for v in wb]
        if nonnegative and any(v < 0 for v in w[:-1]):
            continue
        z = [sum(wi * int(xi) for wi, xi in zip(w[:-1], x)) + w[-1] for x in X]
        if all((zi > 0) == bool(lab) for zi, lab in zip(z, labels)):
            return True
    return False


def summable_witness(X: np.ndarray, labels: np.ndarray) -> tuple[int, int, int, int] | None:
    """Rows t1, t2 (true) and f1, f2 (false) with t1 + t2 = f1 + f2, or None."""
    true, false = np.flatnonzero(labels), np.flatnonzero(~labels)
    sums = {}
    for i, j in itertools.combinations_with_replacement(true, 2):
        sums.setdefault(tuple(X[i] + X[j]), (int(i), int(j)))
    for i, j in itertools.combinations_with_replacement(false, 2):
        hit = sums.get(tuple(X[i] + X[j]))
        if hit is not None:
            return (*hit, int(i), int(j))
    return None


def below_witness(X: np.ndarray, labels: np.ndarray) -> tuple[int, int] | None:
    """A true row x and a false row y with x <= y coordinatewise, or None."""
    for i in np.flatnonzero(labels):
        for j in np.flatnonzero(~labels):
            if (X[i] <= X[j]).all():
                return int(i), int(j)
    return None


def computable(X: np.ndarray, labels: np.ndarray, nonnegative: bool = False) -> bool:
    """Whether one threshold unit computes the labels: the LP decides, a certificate proves."""
    labels = np.asarray(labels, dtype=bool)
    if labels.all() or not labels.any():
        return True  # constant: the bias alone (b = 1 or b = 0), whatever the weights
    s, wb = margin_lp(X, labels, nonnegative)
    if s > 1e-9:
        if separates_exactly(X, labels, wb, nonnegative):
            return True
    else:
        if summable_witness(X, labels) is not None or (nonnegative and below_witness(X, labels) is not None):
            return False
    raise ArithmeticError(f"the LP said {'yes' if s > 1e-9 else 'no'} (margin {s:.3g}) for labels "
                          f"{labels.astype(int).tolist()}, but no exact certificate confirms it")


def symmetry_maps(n: int) -> np.ndarray:
    """Row maps of the input permutations and negations: g(row r) = f(row map[r])."""
    X = inputs(n)
    weights = 1 << np.arange(n)
    maps = []
    for perm in itertools.permutations(range(n)):
        for flips in itertools.product((0, 1), repeat=n):
            Y = X[:, list(perm)] ^ np.array(flips, dtype=np.int64)
            maps.append(Y @ weights)
    return np.array(maps)


def classes(tables: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Each function's class under input permutation, negation and output complement:
    returns the representatives' tables and, per function, the index of its class."""
    codes = codes_of(tables)
    full = (1 << tables.shape[1]) - 1
    best = codes.copy()
    for row_map in symmetry_maps(n):
        c = _mapped_codes(codes, row_map)
        best = np.minimum(best, np.minimum(c, c ^ full))
    reps, inverse = np.unique(best, return_inverse=True)
    return ((reps[:, None] >> np.arange(2 ** n)) & 1).astype(bool), inverse


def _mapped_codes(codes: np.ndarray, row_map: np.ndarray) -> np.ndarray:
    """Codes of g(row r) = f(row map[r]), a byte of the code at a time through lookup
    tables (two gathers per map instead of one per row: 768 maps at n = 4)."""
    out = np.zeros_like(codes)
    byte = np.arange(256, dtype=np.int64)
    for lo in range(0, len(row_map), 8):
        lut = np.zeros(256, dtype=np.int64)
        for r, src in enumerate(row_map):
            if lo <= src < lo + 8:
                lut |= ((byte >> (src - lo)) & 1) << r
        out |= lut[(codes >> lo) & 255]
    return out


def threshold_flags(n: int) -> np.ndarray:
    """Per function of n inputs (in code order), whether one threshold unit computes it:
    one exact-certified LP per symmetry class."""
    tables = truth_tables(n)
    reps, inverse = classes(tables, n)
    X = inputs(n)
    return np.array([computable(X, rep) for rep in reps])[inverse]


def monotone(tables: np.ndarray, n: int) -> np.ndarray:
    """Per function, whether turning any input on never turns the output off."""
    rows = np.arange(2 ** n)
    return np.all([(tables <= tables[:, rows | (1 << i)]).all(axis=1) for i in range(n)], axis=0)


def nonnegative_flags(n: int) -> np.ndarray:
    """Per function, whether a unit with non-negative weights computes it (no symmetry
    helps here: negating an input flips its weight's sign). A function that is not
    monotone cannot be (a true row lies below a false row: w.x <= w.y); each monotone one
    takes an LP."""
    tables = truth_tables(n)
    X = inputs(n)
    flags = np.zeros(len(tables), dtype=bool)
    for i in np.flatnonzero(monotone(tables, n)):
        flags[i] = computable(X, tables[i], nonnegative=True)
    return flags


def integer_weight_codes(n: int, bound: int) -> set[int]:
    """Codes of the functions [w.x > t] for integer weights in [-bound, bound] and every
    threshold t: a count found without any LP (the positive control's independent route)."""
    X = inputs(n)
    W = np.array(list(itertools.product(range(-bound, bound + 1), repeat=n)), dtype=np.int64)
    sums = W @ X.T                                        # (weight vectors, rows)
    weights = 1 << np.arange(2 ** n, dtype=np.int64)
    out: set[int] = set()
    for t in range(-n * bound - 1, n * bound + 1):
        out.update(((sums > t).astype(np.int64) @ weights).tolist())
    return out
