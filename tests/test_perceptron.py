"""The step perceptron, its learning rule and the LP certificates."""

import itertools

import numpy as np
import pytest

from nnclaims.numeric.data import GATES, gate, separable_cloud
from nnclaims.numeric.separability import (gordan_certificate, max_margin, novikoff_bound, predict, step_unit_lp,
                                 train_perceptron)


@pytest.mark.parametrize("name", ["AND", "OR", "NAND", "NOR"])
def test_perceptron_learns_separable_gates(name):
    X, y = gate(name)
    run = train_perceptron(X, y, bias=True, max_epochs=100)
    assert run.converged
    assert (predict(X, run.w, run.b) == y).all()
    assert run.updates <= novikoff_bound(X, max_margin(X, y).margin)


def test_perceptron_cycles_on_xor():
    X, y = gate("XOR")
    for order in itertools.permutations(range(4)):
        run = train_perceptron(X, y, bias=True, max_epochs=1000, order=np.array(order))
        assert not run.converged
        assert run.cycle_epochs is not None and run.best_correct <= 3


def test_lp_and_certificate_on_xor_and_and():
    X, y = gate("XOR")
    assert step_unit_lp(X, y, bias=True).margin == pytest.approx(0.0, abs=1e-12)
    cert = gordan_certificate(X, y, bias=True)
    assert cert is not None and cert.valid
    np.testing.assert_allclose(cert.weights, 0.25, atol=1e-12)

    X, y = gate("AND")
    assert not step_unit_lp(X, y, bias=False).feasible
    assert step_unit_lp(X, y, bias=True).feasible
    assert gordan_certificate(X, y, bias=True) is None


def test_only_xor_and_xnor_are_not_linearly_separable():
    X, _ = gate("AND")
    inseparable = [labels for labels in itertools.product((0, 1), repeat=4)
                   if not step_unit_lp(X, np.array(labels), bias=True).feasible]
    assert sorted(inseparable) == [(0, 1, 1, 0), (1, 0, 0, 1)]


def test_example_weights_compute_and():
    X, y = gate("AND")
    assert (predict(X, np.array([0.5, 0.5]), -0.7) == y).all()


def test_max_margin_matches_known_value_and_beats_random_search():
    X, y = gate("AND")
    # Augmented AND: the best separator is (2, 2, -3)/sqrt(17), margin 1/sqrt(17).
    assert max_margin(X, y).margin == pytest.approx(1 / np.sqrt(17), rel=1e-6)
    X, y = separable_cloud(60, 2, 0.05, seed=3)
    gamma = max_margin(X, y).margin
    signed = np.hstack([X, np.ones((60, 1))]) * np.where(y == 1, 1, -1)[:, None]
    d = np.random.default_rng(0).normal(size=(50_000, 3))
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    assert (signed @ d.T).min(axis=0).max() <= gamma + 1e-9


def test_cloud_is_separable_with_the_asked_margin():
    X, y = separable_cloud(200, 5, 0.1, seed=0)
    assert set(np.unique(y)) == {0, 1}
    assert step_unit_lp(X, y).feasible
    assert set(GATES) == {"AND", "OR", "NAND", "NOR", "XOR", "XNOR"}
    assert (GATES["XNOR"] == 1 - GATES["XOR"]).all()
