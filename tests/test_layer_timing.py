"""The three forms of a dense layer agree (nnclaims.nn.layer_timing); timings are paired.
No assertion here is about speed: the matrix-form experiment's check reads a ratio."""

import math

import torch

from nnclaims.nn import layer_timing as L


def test_the_three_forms_agree_and_a_forgotten_bias_does_not():
    got = L.agreement(width=8, batch=16, fan_in=5, seed=1)
    assert got["max_abs_diff"] <= 1e-12 and got["python_diff"] <= 1e-12 and got["self_diff"] == 0.0
    assert got["no_bias_diff"] > 1e-3


def test_the_loop_is_the_matrix_form_neuron_by_neuron():
    X, W, b = L.random_layer(4, 3, 2, seed=0, dtype=torch.float64)
    by_hand = [[sum(W[j, i].item() * X[n, i].item() for i in range(2)) + b[j].item() for j in range(4)]
               for n in range(3)]
    assert torch.allclose(L.neuron_loop(X, W, b), torch.tensor(by_hand, dtype=torch.float64), atol=1e-12)


def test_timings_are_paired_rows_with_their_ratios_and_the_thread_count_is_restored():
    before = torch.get_num_threads()
    rows = L.paired_timings(width=4, batch=8, fan_in=3, seed=0, repeats=3, python_repeats=1)
    assert torch.get_num_threads() == before
    assert [r["repeat"] for r in rows] == [0, 1, 2]
    for r in rows:
        assert r["loop_s"] > 0 and r["matrix_s"] > 0 and r["matrix2_s"] > 0
        assert math.isclose(r["log10_loop_over_matrix"], math.log10(r["loop_s"] / r["matrix_s"]))
    assert not math.isnan(rows[0]["python_s"]) and math.isnan(rows[1]["python_s"])
