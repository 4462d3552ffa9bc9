"""One look for every figure: palette, fonts, intervals as bands, SVG output.

Colours are the Okabe-Ito palette, distinguishable with the common colour-vision
deficiencies; lines also differ in marker or dash where a figure has several, so no
figure depends on colour alone. Figures are SVG, sharp at any zoom, and written without
a timestamp so that redrawing unchanged data gives the same file.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
DASHES = ["-", "--", "-.", ":"]
THEORY = dict(color="#444444", linestyle="--", linewidth=1.2)
DIVERGING = "RdBu_r"  # colour-blind-safe red-blue map for signed values (weights)

RC = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 100,
    "savefig.bbox": "tight",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "legend.fontsize": 9,
    "lines.linewidth": 1.6,
    "lines.markersize": 5,
    "axes.prop_cycle": matplotlib.cycler(color=OKABE_ITO),
    "svg.hashsalt": "nnclaims",
    "svg.fonttype": "none",  # text stays text: smaller files, faster to write, selectable
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],  # ships with matplotlib; browsers fall back to their sans-serif
}


@contextlib.contextmanager
def style() -> Iterator[None]:
    with matplotlib.rc_context(RC):
        yield
    plt.close("all")


def color(i: int) -> str:
    return OKABE_ITO[i % len(OKABE_ITO)]


def marker(i: int) -> str:
    return MARKERS[i % len(MARKERS)]


def dash(i: int) -> str:
    return DASHES[i % len(DASHES)]


def save(fig: matplotlib.figure.Figure, outdir: str | Path, name: str) -> str:
    """Write ``name.svg`` under ``outdir`` and return its file name."""
    file = f"{name}.svg"
    fig.savefig(Path(outdir) / file, format="svg", metadata={"Date": None})
    plt.close(fig)
    return file


def band(ax, x: Sequence[float], mean: Sequence[float], low: Sequence[float], high: Sequence[float],
         i: int = 0, label: str | None = None, **line) -> None:
    """A mean line with its interval as a shaded band."""
    ax.plot(x, mean, color=color(i), marker=marker(i), label=label, **line)
    ax.fill_between(x, low, high, color=color(i), alpha=0.2, linewidth=0)



def log_ticks(ax, values, axis: str = "x", fmt: str = "{:g}") -> None:
    """A log axis labelled at the given values in plain numbers (no 2×10⁰ clutter)."""
    from matplotlib.ticker import FixedLocator, NullLocator

    target = ax.xaxis if axis == "x" else ax.yaxis
    (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
    target.set_major_locator(FixedLocator(list(values)))
    target.set_minor_locator(NullLocator())
    (ax.set_xticklabels if axis == "x" else ax.set_yticklabels)([fmt.format(v) for v in values])


def band_ci(ax, summary, x: str, i: int = 0, label: str | None = None, log10: bool = False, **line) -> None:
    """Draw a `nnclaims.stats.group_ci` summary: the mean and its interval as a band.

    Where a group has no interval (one seed), the band closes onto the mean. ``log10``:
    the summary holds log10 values (a geometric mean and its interval), drawn as 10**value.
    """
    mean, low, high = summary["mean"], summary["low"].fillna(summary["mean"]), summary["high"].fillna(summary["mean"])
    if log10:
        mean, low, high = 10**mean, 10**low, 10**high
    band(ax, summary[x], mean, low, high, i=i, label=label, **line)
