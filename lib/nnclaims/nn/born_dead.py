"""Random ReLU networks dead at birth: constant over a domain, or with an all-zero layer at a point.

A network is "born dead" when its output is one constant over the inputs of interest; it
is "dead at a point" when some hidden layer outputs all zeros there (Lu, Shin, Su and
Karniadakis 2020). `born_dead_counts` draws many random networks of one architecture
(in chunks, so memory stays bounded) and counts both.

Constant over an interval of a 1-D input is decided exactly (protocol 3), cheaply: a grid of
points is evaluated in float64 first (`grid_screen`), together with a rigorous bound on each
layer's rounding error (the standard gamma_n bound on a sum of rounded products, whatever the
summation order or FMA use, carried through the layers: ReLU is exact and 1-Lipschitz). Two
grid values that differ by more than their two bounds are values of the exact network that
differ, so that network is certainly not constant and needs nothing more. Of the others,
those with an all-off hidden layer on every part of the interval (or, with all biases zero,
at both its ends) are certainly constant (`certainly_dead`); every other network (those the
grid calls constant, and the rare ones whose values differ by less than rounding) is decided
by `nnclaims.numeric.constant_exact`. The grid's own verdict (equal
floats on every point, decided layer by layer: a network whose hidden layer is already equal
across the points is set aside) is kept as a cross-check and its disagreements are counted.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import Tensor

from nnclaims.numeric.constant_exact import constant_exact, outputs_differ
from nnclaims.numeric.exact import SAFE, TINY, U, gamma

from .batched import BatchedNet
from .models import MLPSpec
from . import probes


@dataclass(frozen=True)
class BornDead:
    """Counts over random networks of one architecture: how many are constant over the
    domain (of ``n_domain``, decided exactly), how many have an all-zero hidden layer at the
    point (of ``n_point``), and on how many of the first ones the layer-by-layer early exit and
    the library's `probes.constant_output` disagree (a self-check; it should be none). The
    grid's cross-check: how many the grid calls constant, how many networks neither the grid
    nor the float certificate (`certainly_dead`) could settle (checked exactly), and the grid's two kinds of error: constant on the grid
    but not exactly (a bump between the points, or below rounding), and the reverse."""

    constant: int
    dead_at_point: int
    probe_disagreements: int
    grid_constant: int = 0
    checked_exactly: int = 0
    grid_missed: int = 0
    grid_extra: int = 0

    def over_domain(self) -> dict[str, int]:
        """The counts over the domain, for a table row."""
        return {k: v for k, v in asdict(self).items() if k != "dead_at_point"}


@dataclass(frozen=True)
class GridScreen:
    """``(S,)`` each: ``flat``, the output is the same float on every point (the grid's
    verdict); ``varies``, two of its values differ by more than rounding can explain, so the
    exact network is not constant; ``pair`` ``(S, 2)``, the points (indices) of its largest and
    smallest float output, -1 where the network was set aside flat at a hidden layer."""

    flat: Tensor
    varies: Tensor
    pair: Tensor


def first(net: BatchedNet, k: int) -> BatchedNet:
    """The first ``k`` networks of a `BatchedNet`."""
    return BatchedNet(net.spec, {key: [t[:k] for t in v] for key, v in net.params.items()})


def pick(net: BatchedNet, which: Tensor) -> BatchedNet:
    """The networks ``which`` (indices) of a `BatchedNet`."""
    return BatchedNet(net.spec, {key: [t[which.to(t.device)] for t in v] for key, v in net.params.items()})


def _rounding_bound(a: Tensor, err: Tensor, W: Tensor, b: Tensor) -> Tensor:
    """``(S, P, out)``: a bound on |computed - exact| of ``a @ W + b`` at each point when the
    inputs ``a`` (S, P, in) are within ``err`` (same shape) of exact: gamma_(in+1) times the
    sum of the terms' sizes for this layer's rounding, plus |W| err for the inputs' (widened by
    SAFE for the bound's own rounding and TINY for underflow, as in `nnclaims.numeric.exact`)."""
    Wabs = W.abs()
    bound = torch.baddbmm(b.abs(), a.abs(), Wabs).mul_(gamma(W.shape[1] + 1))  # in place: these arrays are large
    return bound.add_(torch.bmm(err, Wabs)).mul_(SAFE).add_(TINY)


def _certainly_varies(y: Tensor, err: Tensor) -> tuple[Tensor, Tensor]:
    """For outputs ``y`` (S, P, 1) within ``err`` of exact: whether y_p - y_q > err_p + err_q
    for certain at the points p, q of the largest lower and the smallest upper bound (the
    comparison widened by SAFE for its own two roundings); and the points of the largest and
    the smallest float value, ``(S, 2)``, where an exact comparison is most likely to differ."""
    p, q = (y - err).argmax(dim=1), (y + err).argmin(dim=1)  # (S, 1)
    at = lambda t, i: t.gather(1, i[:, :, None])[:, 0, 0]  # noqa: E731
    varies = (at(y, p) - at(y, q)) > (at(err, p) + at(err, q)) * SAFE
    return varies, torch.cat([y.argmax(dim=1), y.argmin(dim=1)], dim=1)


def grid_screen(net: BatchedNet, x: Tensor) -> GridScreen:
    """The grid verdicts of every network over the points x (P, d_in), layer by layer: a
    network whose hidden layer is the same float on every point is flat from there on and set
    aside, so the deep layers are computed only for the others."""
    S, last = net.S, net.spec.n_layers - 1
    a = x.expand(S, *x.shape)
    err = torch.zeros_like(a)  # the points are exact
    alive = torch.arange(S, device=x.device)
    flat = torch.zeros(S, dtype=torch.bool, device=x.device)
    varies = torch.zeros(S, dtype=torch.bool, device=x.device)
    pair = torch.full((S, 2), -1, dtype=torch.long, device=x.device)
    with torch.no_grad():
        for i in range(net.spec.n_layers):
            W, b = net.weight[i][alive], net.bias[i][alive]
            a, err = torch.baddbmm(b, a, W), _rounding_bound(a, err, W, b)
            if i < last:  # ReLU is exact and 1-Lipschitz; where z <= -err for certain, both sides are 0
                err.masked_fill_(a <= -err, 0.0)
                a = net.act(a)
            same = (a.amax(dim=1) == a.amin(dim=1)).all(dim=-1)
            flat[alive[same]] = True
            if i == last:
                varies[alive], pair[alive] = _certainly_varies(a, err)
            if same.any():
                alive, a, err = alive[~same], a[~same], err[~same]
            if len(alive) == 0:
                break
    return GridScreen(flat.cpu(), varies.cpu(), pair.cpu())


def _dead_cells(net: BatchedNet, mid: Tensor, reach: float) -> Tensor:
    """``(S, P)``: on each cell [mid - reach, mid + reach] (midpoints ``mid`` (P, 1), exact),
    whether some hidden layer has every unit certainly off over the whole cell. Each midpoint
    goes through the network in float64 with a bound on how far any exact value over its cell
    can be from it (``reach`` to start, then `_rounding_bound`'s recursion, whose |W| err term
    is the Lipschitz bound); a unit whose float value is at most minus its bound is off over
    the cell. A network leaves the computation once every cell of it is settled."""
    S, P = net.S, mid.shape[0]
    a = mid.expand(S, *mid.shape)
    err = torch.full_like(a, reach)
    alive = torch.arange(S, device=mid.device)
    settled = torch.zeros(S, P, dtype=torch.bool, device=mid.device)
    with torch.no_grad():
        for i in range(net.spec.n_layers - 1):
            W, b = net.weight[i][alive], net.bias[i][alive]
            a, err = torch.baddbmm(b, a, W), _rounding_bound(a, err, W, b)
            off = a <= -err
            now = settled[alive] | off.all(dim=2)
            settled[alive] = now
            done = now.all(dim=1)
            err.masked_fill_(off, 0.0)
            a = net.act(a)
            if done.any():
                alive, a, err = alive[~done], a[~done], err[~done]
            if len(alive) == 0:
                break
    return settled.cpu()


def certainly_dead(net: BatchedNet, lo: float, hi: float, cells: int = 256) -> Tensor:
    """``(S,)``: ReLU networks (1-D input) certainly constant on [lo, hi] because on every
    part of it some hidden layer is all off. A filter: a network it does not certify may
    still be constant.

    The interval is cut into ``cells`` equal closed cells (`_dead_cells`); where every cell
    has an all-off hidden layer, the output is constant on each cell, and being continuous,
    one constant on [lo, hi]. A network whose biases are all exactly zero is positively
    homogeneous (f(t x) = t f(x) for t >= 0), so on [lo, hi] its output is a multiple of f(lo)
    or of f(hi); an all-off hidden layer at each of the two end points (exact, with no cell
    around them: the cell that holds 0 never certifies, as every unit is 0 there) makes both
    zero, and the output is 0 throughout."""
    half = (hi - lo) / (2 * cells)
    device = net.weight[0].device
    mid = torch.linspace(lo + half, hi - half, cells, dtype=net.dtype, device=device)[:, None]
    # the half-width, plus how far linspace's rounding may move a midpoint
    dead = _dead_cells(net, mid, half * SAFE + 8 * U * (abs(lo) + abs(hi))).all(dim=1)
    zero = torch.stack([(b == 0).flatten(1).all(dim=1) for b in net.bias], dim=1).all(dim=1).cpu()
    which = torch.nonzero(zero & ~dead).flatten()
    if len(which):
        ends = torch.tensor([[lo], [hi]], dtype=net.dtype, device=device)
        dead[which] = _dead_cells(pick(net, which), ends, 0.0).all(dim=1)
    return dead


def constant_over(net: BatchedNet, x: Tensor) -> Tensor:
    """``(S,)``: whether each network's output is one float constant over the points x (the
    grid's verdict, see `grid_screen`)."""
    return grid_screen(net, x).flat


def _layers(net: BatchedNet, which: Tensor) -> list[list]:
    """The networks ``which`` (indices) as NumPy layers, torch's (out, in) layout, one list each."""
    Ws = [w[which].transpose(1, 2).cpu().numpy() for w in net.weight]
    bs = [b[which][:, 0, :].cpu().numpy() for b in net.bias]
    return [[(W[k], b[k]) for W, b in zip(Ws, bs)] for k in range(len(which))]


def exactly_constant(net: BatchedNet, screen: GridScreen, x: Tensor) -> tuple[Tensor, Tensor]:
    """``(S,)`` twice: whether each network is constant on [min, max] of the 1-D points x,
    decided exactly, and which networks needed exact arithmetic. Given the grid's screen,
    the networks it did not settle are first tried with `certainly_dead` (a certificate of
    constancy) and, where the grid's values differ, compared exactly at its largest and
    smallest one (a difference proves them not constant); only the others are followed piece
    by piece."""
    lo, hi = float(x.min()), float(x.max())
    out, varies = torch.zeros(net.S, dtype=torch.bool), screen.varies.clone()
    unsettled = torch.nonzero(~varies).flatten()
    out[unsettled] = certainly_dead(pick(net, unsettled), lo, hi)
    needed = ~varies & ~out
    unsure = torch.nonzero(needed & ~screen.flat).flatten()
    xs = x[:, 0].tolist()
    for s, layers, (p, q) in zip(unsure.tolist(), _layers(net, unsure), screen.pair[unsure].tolist()):
        varies[s] = outputs_differ(layers, xs[p], xs[q])
    rest = torch.nonzero(needed & ~varies).flatten()
    for s, layers in zip(rest.tolist(), _layers(net, rest)):
        out[s] = constant_exact(layers, lo, hi)
    return out, needed


def dead_at(net: BatchedNet, point: Tensor) -> int:
    """How many of the networks have a hidden layer that outputs all zeros at ``point`` (1, d_in)."""
    _, trace = net(point, trace=True)
    return int(torch.stack([(h == 0).all(dim=-1).squeeze(-1) for h in trace.post], dim=1).any(dim=1).sum())


def _domain_counts(net: BatchedNet, domain: Tensor, probe_check: int) -> dict[str, int]:
    """Constant networks over [min, max] of the 1-D points ``domain`` (P, 1), exactly, the
    grid's cross-check (see `BornDead`), and the first ``probe_check`` networks' grid verdicts
    against `probes.constant_output`."""
    screen = grid_screen(net, domain)
    (exact, checked), flat = exactly_constant(net, screen, domain), screen.flat
    m = min(net.S, probe_check)
    probe = probes.constant_output(first(net, m), domain).cpu() if m else flat[:0]
    return {"constant": int(exact.sum()), "grid_constant": int(flat.sum()), "checked_exactly": int(checked.sum()),
            "grid_missed": int((flat & ~exact).sum()), "grid_extra": int((~flat & exact).sum()),
            "probe_disagreements": int((flat[:m] != probe).sum())}


def born_dead_counts(spec: MLPSpec, n_domain: int, n_point: int, generator: torch.Generator, domain: Tensor,
                     point: Tensor, *, chunk: int = 1000, probe_check: int = 64) -> BornDead:
    """Draw ``max(n_domain, n_point)`` random networks of ``spec`` (float64, in chunks of
    ``chunk``, from ``generator``): the first ``n_domain`` are decided constant or not on the
    interval the 1-D points ``domain`` (P, 1) span, the first ``n_point`` tested for an
    all-zero layer at ``point``; the first ``probe_check`` are also tested with
    `probes.constant_output` against the grid's layer-by-layer verdict."""
    counts = dict.fromkeys(("constant", "probe_disagreements", "grid_constant", "checked_exactly", "grid_missed",
                            "grid_extra"), 0)
    dead = 0
    total = max(n_domain, n_point)
    for start in range(0, total, chunk):
        net = BatchedNet.random(spec, min(chunk, total - start), generator, dtype=torch.float64, device=domain.device)
        k = min(net.S, n_domain - start)
        if k > 0:
            for key, n in _domain_counts(first(net, k), domain, probe_check if start == 0 else 0).items():
                counts[key] += n
        k = min(net.S, n_point - start)
        if k > 0:
            dead += dead_at(first(net, k), point)
    return BornDead(dead_at_point=dead, **counts)
