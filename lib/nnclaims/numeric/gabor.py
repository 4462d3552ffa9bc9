"""Gabor filters on the 28x28 digit grid, and what makes a weight template look like one.

A first-layer unit's 784 weights can be read as a 28x28 template. Whether it is a local
edge or stroke detector is measured on the pixels that carry ink (``ink``: a boolean
mask over the 784 pixels): by its locality (`effective_area`, `spatial_spread`), its
smoothness (`autocorrelation`) and its likeness to a bank of Gabor filters (`gabor`,
`scoring_bank`; the best absolute correlation is taken by the caller). Calibration banks
of random edge filters (`random_gabors`) and pixel-shuffled templates (`shuffle`) are
measured the same way. All NumPy, float64.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np


def gabor(theta=0.0, wavelength=8.0, sigma=4.0, cx=13.5, cy=13.5, phase=math.pi / 2) -> np.ndarray:
    """Gabor filters on the 28x28 grid, centred at pixel coordinates (cx, cy) (column, row):
    phase pi/2 is odd (an edge detector), 0 even (a stroke or bar). Scalars give one
    784-vector; arrays (broadcast together) give one row per filter."""
    theta, wavelength, sigma, cx, cy, phase = (np.asarray(v, dtype=float)[..., None, None]
                                               for v in np.broadcast_arrays(theta, wavelength, sigma, cx, cy, phase))
    yy, xx = np.mgrid[0:28, 0:28].astype(float)
    dx, dy = xx - cx, yy - cy
    xr = dx * np.cos(theta) + dy * np.sin(theta)
    g = np.exp(-(dx**2 + dy**2) / (2 * sigma**2)) * np.cos(2 * np.pi * xr / wavelength - phase)
    return g.reshape(*g.shape[:-2], 784)


def ink_mask(X_train: np.ndarray, share: float) -> np.ndarray:
    """The pixels that carry ink (a value above 0) in at least ``share`` of the images."""
    return (np.asarray(X_train) > 0).mean(axis=0) >= share


def on_ink(g: np.ndarray, ink: np.ndarray, share: float) -> np.ndarray:
    """Whether each filter (row) has at least ``share`` of its energy on the ink pixels."""
    return (g[..., ink] ** 2).sum(axis=-1) >= share * (g**2).sum(axis=-1)


def scoring_bank(ink: np.ndarray, centres: Sequence[float], orientations: int, sigmas: Sequence[float],
                 phases: Sequence[float], ratio: float, share: float) -> np.ndarray:
    """A fixed grid of Gabor filters (every centre in both coordinates, ``orientations``
    angles, every sigma with wavelength ``ratio`` * sigma, every phase), those with at
    least ``share`` of their energy on the ink pixels, restricted to them, each centred and
    scaled to unit norm there: (filters, ink pixels)."""
    cy, cx, k, sigma, phase = (a.ravel() for a in np.meshgrid(centres, centres, range(orientations),
                                                               sigmas, phases, indexing="ij"))
    g = gabor(np.pi * k / orientations, ratio * sigma, sigma, cx, cy, phase)
    B = g[on_ink(g, ink, share)][:, ink]
    B -= B.mean(axis=1, keepdims=True)
    return B / np.linalg.norm(B, axis=1, keepdims=True)


def random_gabors(n: int, ink: np.ndarray, rng: np.random.Generator, centres: tuple[float, float],
                  sigmas: tuple[float, float], ratio: float, share: float) -> np.ndarray:
    """``n`` odd-phase (edge) Gabor filters at uniform random positions (``centres``: the
    range of both coordinates), orientations and scales (``sigmas``: the range), each with
    at least ``share`` of its energy on the ink pixels (others are redrawn): (n, 784)."""
    out = np.zeros((0, 784))
    while len(out) < n:
        cx, cy = rng.uniform(*centres, size=(2, n))
        theta, sigma = rng.uniform(0, math.pi, size=n), rng.uniform(*sigmas, size=n)
        g = gabor(theta, ratio * sigma, sigma, cx, cy, math.pi / 2)
        out = np.concatenate([out, g[on_ink(g, ink, share)]])
    return out[:n]


def shuffle(W: np.ndarray, ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each template (row) with its values on the ink pixels permuted at random."""
    out = W.copy()
    for u in range(len(W)):
        out[u, ink] = rng.permutation(W[u, ink])
    return out


def effective_area(W: np.ndarray, ink: np.ndarray) -> np.ndarray:
    """Per template: (sum |w|)^2 / (n sum w^2) over the n ink pixels: 1/n for one pixel,
    about 2/pi for noise."""
    V = W[:, ink]
    return np.abs(V).sum(axis=1) ** 2 / (V.shape[1] * (V**2).sum(axis=1))


def spatial_spread(W: np.ndarray, ink: np.ndarray) -> np.ndarray:
    """Per template: the radius of gyration of its weight energy w^2 over the ink pixels,
    in pixels (a spatial measure of locality, which, unlike the effective area, changes when
    the pixels are shuffled)."""
    yy, xx = np.mgrid[0:28, 0:28]
    pos = np.stack([xx.ravel()[ink], yy.ravel()[ink]], axis=1).astype(float)  # (pixels, 2)
    e = W[:, ink] ** 2
    e = e / e.sum(axis=1, keepdims=True)
    centre = e @ pos
    return np.sqrt(np.maximum(e @ (pos**2).sum(axis=1) - (centre**2).sum(axis=1), 0.0))


def autocorrelation(w: np.ndarray, mask: np.ndarray) -> float:
    """Correlation between each weight and its right and lower neighbours, over pixel pairs
    that both lie in ``mask``: about 0 for noise, near 1 for a smooth image."""
    img, m = w.reshape(28, 28), mask.reshape(28, 28)
    pairs = [(img[:, :-1][m[:, :-1] & m[:, 1:]], img[:, 1:][m[:, :-1] & m[:, 1:]]),
             (img[:-1, :][m[:-1, :] & m[1:, :]], img[1:, :][m[:-1, :] & m[1:, :]])]
    a = np.concatenate([p[0] for p in pairs])
    b = np.concatenate([p[1] for p in pairs])
    return float(np.corrcoef(a, b)[0, 1])
