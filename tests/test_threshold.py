"""Threshold units and networks on Boolean functions, decided exactly (nnclaims.numeric.threshold),
against published counts and independent routes."""

import numpy as np
import pytest

from nnclaims.numeric import threshold as T

A000609 = {1: 4, 2: 14, 3: 104, 4: 1882}     # threshold functions of n inputs (OEIS)
NONNEGATIVE = {1: 3, 2: 6, 3: 20, 4: 150}     # with non-negative weights: monotone threshold functions
NPN_CLASSES = {1: 2, 2: 4, 3: 14, 4: 222}     # classes under input permutation/negation and output complement


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_one_unit_counts_match_the_published_sequence(n):
    flags = T.threshold_flags(n)
    assert int(flags.sum()) == A000609[n]
    # the LP-free route (integer weights) finds exactly the same functions
    assert set(np.flatnonzero(flags).tolist()) == T.integer_weight_codes(n, 3)


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_nonnegative_weights_compute_the_monotone_threshold_functions(n):
    flags = T.nonnegative_flags(n)
    assert int(flags.sum()) == NONNEGATIVE[n]
    tables = T.truth_tables(n)
    assert not (flags & ~T.monotone(tables, n)).any()
    assert not (flags & ~T.threshold_flags(n)).any()


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_symmetry_classes(n):
    reps, inverse = T.classes(T.truth_tables(n), n)
    assert len(reps) == NPN_CLASSES[n]
    assert inverse.shape == (2 ** (2 ** n),)


def test_class_members_agree_on_thresholdness():
    # decided one function at a time, the members of every class agree with the class
    n = 3
    tables, X = T.truth_tables(n), T.inputs(n)
    each = np.array([T.computable(X, t) for t in tables])
    assert (each == T.threshold_flags(n)).all()


@pytest.mark.parametrize("n", [1, 2, 3])
def test_truth_table_network_computes_every_function_and_a_missing_unit_breaks_it(n):
    tables = T.truth_tables(n)
    assert (T.network_outputs(tables, n) == tables).all()
    broken = (T.network_outputs(tables, n, drop_first_true_row=True) != tables).any(axis=1)
    assert broken.tolist() == tables.any(axis=1).tolist()  # every function with a true row breaks


def test_row_detectors_fire_on_their_row_alone():
    W, b = T.row_detectors(3)
    fired = T.inputs(3) @ W.T + b > 0
    assert (fired == np.eye(8, dtype=bool)).all()


def test_xor_has_a_summable_witness_and_and_has_exact_weights():
    X = T.inputs(2)  # rows (0,0), (1,0), (0,1), (1,1)
    xor = np.array([False, True, True, False])
    assert not T.computable(X, xor)
    t1, t2, f1, f2 = T.summable_witness(X, xor)
    assert (X[t1] + X[t2] == X[f1] + X[f2]).all() and xor[t1] and xor[t2] and not xor[f1] and not xor[f2]
    assert T.computable(X, np.array([False, False, False, True]))
    assert T.computable(X, np.array([True] * 4)) and T.computable(X, np.array([False] * 4))


def test_an_lp_answer_without_a_certificate_is_an_error(monkeypatch):
    # an LP that claims AND is not computable: no summable witness exists, so no count is made
    monkeypatch.setattr(T, "margin_lp", lambda X, labels, nonnegative=False: (0.0, np.zeros(3)))
    with pytest.raises(ArithmeticError, match="no exact certificate"):
        T.computable(T.inputs(2), np.array([False, False, False, True]))
