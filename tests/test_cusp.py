"""The cusp's graded interpolant (protocol 3's universal-approximation amendment), with its
error computed exactly per linear piece, held against a fine grid."""

import numpy as np
import pytest

from nnclaims.numeric import cusp, pieces

C = 0.3


def _net(knots):
    return cusp.interpolation_net(knots, cusp.target(knots, C))


@pytest.mark.parametrize("eps,units", [(0.1, 4), (0.01, 11), (0.001, 37)])
def test_graded_knots_give_the_amendments_counts_within_eps(eps, units):
    knots = cusp.graded_knots(eps, C)
    assert len(knots) - 1 == units and C in knots and knots[0] == 0 and knots[-1] == 1
    assert cusp.max_error(_net(knots), knots, C) <= eps


@pytest.mark.parametrize("knots", [cusp.graded_knots(0.01, C), np.linspace(0, 1, 12), np.array([0, 0.2, 0.7, 1.0])])
def test_exact_error_matches_a_fine_grid_from_above(knots):
    # The exact value is the supremum: a grid of 2 million points can only come close from below.
    x = np.linspace(0, 1, 2_000_001)
    on_grid = np.abs(pieces.forward(_net(knots), x[:, None])[:, 0] - cusp.target(x, C)).max()
    exact = cusp.max_error(_net(knots), knots, C)
    assert on_grid <= exact * (1 + 1e-9) and exact - on_grid < 1e-3 * exact


def test_evenly_spaced_knots_without_one_at_the_cusp_miss_eps():
    # the negative control of the check: the sine's rule, as many knots, evenly spaced
    assert cusp.max_error(_net(np.linspace(0, 1, 5)), np.linspace(0, 1, 5), C) > 0.1
