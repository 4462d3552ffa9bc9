"""Unknown names stop with a message that lists the valid ones."""

import pytest

from nnclaims.nn.activations import activation_names, get_activation
from nnclaims.nn.inits import get_init, init_names
from nnclaims.nn.models import MLPSpec, build_mlp
from nnclaims.nn.registry import UnknownNameError


def test_unknown_activation_lists_valid_names():
    with pytest.raises(UnknownNameError) as err:
        get_activation("sigmoidd")
    message = str(err.value)
    assert "'sigmoidd'" in message
    for name in activation_names():
        assert name in message


def test_unknown_init_lists_valid_names():
    with pytest.raises(UnknownNameError) as err:
        get_init("glorot")
    for name in init_names():
        assert name in str(err.value)


def test_spec_rejects_bad_names_before_training():
    with pytest.raises(UnknownNameError, match="valid activations are"):
        MLPSpec((2, 3, 1), activation="rellu")
    with pytest.raises(UnknownNameError, match="valid inits are"):
        build_mlp((2, 3, 1), init="he")
    with pytest.raises(ValueError, match="valid norms are: none, batch, layer"):
        MLPSpec((2, 3, 1), norm="group")
    with pytest.raises(ValueError, match="dropout"):
        MLPSpec((2, 3, 1), dropout=1.5)


def test_bad_parameters_are_named():
    with pytest.raises(ValueError, match="does not take parameters"):
        get_activation("relu", slope=0.1)


def test_registries_hold_what_the_chapter_needs():
    assert {"identity", "step", "sigmoid", "tanh", "relu", "leaky_relu", "prelu", "gelu", "swish"} <= set(activation_names())
    assert {"normal", "xavier_normal", "xavier_uniform", "he_normal", "he_uniform", "variance_scaling"} <= set(init_names())
