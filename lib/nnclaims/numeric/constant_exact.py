"""Whether a 1-D ReLU network is constant on an interval, decided exactly.

The network is followed layer by layer with the exact machinery of `nnclaims.numeric.pieces`
(weights as Python ints over a power of two, breakpoints as Fractions): on each interval
every unit's pre-activation is affine in x, and the interval is cut where a unit switches.
A hidden layer whose every unit that is on somewhere has slope exactly 0 there is piecewise
constant, and it is continuous (ReLU of continuous maps), so it is one constant vector on
the whole interval: the output is constant from there on, and the deeper layers are not
followed. Otherwise the output is constant exactly when its slope is 0 on every piece (the
same continuity argument). No rounding enters anywhere, so a bump of any width, however
thin or low, is found, and a cancellation is never mistaken for a bump.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from nnclaims.numeric.pieces import Layers, _integer_layers, _next_maps, _switches


def _flat(slope: np.ndarray, on: np.ndarray) -> bool:
    """Whether every unit that is on in some piece has slope exactly 0 (the slopes are the
    same on every piece of the interval they came from)."""
    return not any(s != 0 for s, used in zip(slope.tolist(), on.any(axis=0)) if used)


def constant_exact(layers: Layers, lo: float = -1.0, hi: float = 1.0) -> bool:
    """Whether a scalar-input, scalar-output ReLU network (torch layout, ``W`` (out, in)) is
    one constant on [lo, hi], decided in exact arithmetic."""
    if not float(hi) > float(lo):
        raise ValueError("need lo < hi")
    (W, b, scale), = _integer_layers(layers[:1])
    if W.shape[1] != 1:
        raise ValueError("the network's input must be 1-D")
    edges = [Fraction(float(lo)), Fraction(float(hi))]
    pre = [(W[:, 0], b)]  # per interval, the current layer's pre-activations, times 2**scale
    for layer in layers[1:]:
        (W, b, shift), = _integer_layers([layer])  # one layer at a time: most dead networks stop early
        bias = b * (1 << scale)
        new_edges, new_pre, flat = [edges[0]], [], True
        for (slope, offset), left, right in zip(pre, edges[:-1], edges[1:]):
            points, on = _switches(slope, offset, left, right)
            flat = flat and _flat(slope, on)
            new_edges += points[1:]
            new_pre += _next_maps(W, bias, slope, offset, on)
        if flat:
            return True  # this hidden layer is one constant vector on [lo, hi]
        edges, pre, scale = new_edges, new_pre, scale + shift
    return all(s == 0 for slope, _ in pre for s in slope.tolist())


def outputs_differ(layers: Layers, x1: float, x2: float) -> bool:
    """Whether the network's outputs at the points x1 and x2 differ, in exact arithmetic (one
    forward pass per point in Python ints: a witness that the network is not constant)."""
    ratios = [float(x).as_integer_ratio() for x in (x1, x2)]
    t = max(d.bit_length() - 1 for _, d in ratios)  # both points as ints over 2**t
    a = np.array([[n << (t - d.bit_length() + 1)] for n, d in ratios], dtype=object)  # (2, 1)
    ints = _integer_layers(layers)
    for i, (W, b, shift) in enumerate(ints):
        a = a.dot(W.T) + b * (1 << t)  # the layer's values, times 2**(t + shift)
        t += shift
        if i < len(ints) - 1:
            a = np.where(a > 0, a, 0)
    return bool(a[0, 0] != a[1, 0])
