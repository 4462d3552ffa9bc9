"""One panel in the house style: what a figure kind draws on, and the style applied to it.

A `Panel` holds a draw function and its labels; `render` draws it on an axes and then
applies the style once for every kind: a log axis when the values span more than two
decades, labels, limits, and the legend where it covers the least data. `Line` (a named
threshold or reference), `Span` (a tolerance band) and `Theory` (a dashed curve) are the
marks every kind can carry; `draw_marks` draws them the same way everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np


class _Plotting:
    """The `plotting` module, imported on first use: declaring a figure (at an experiment's
    import) costs no matplotlib import, only drawing one does."""

    def __getattr__(self, name: str) -> Any:
        from . import plotting

        return getattr(plotting, name)


P = _Plotting()

DECADES = 2.0  # a log axis when the positive values span more than this many decades
GREY = "#888888"


@dataclass(frozen=True)
class Line:
    """A named horizontal (``axis="y"``) or vertical (``axis="x"``) line: a threshold.

    Thresholds are dotted grey unless ``theory``: then dashed like every theory curve; a
    ``reference`` (zero, one: where a ratio neither grows nor shrinks) is thin, solid, dark."""

    value: float
    label: str | None = None
    axis: str = "y"
    theory: bool = False
    reference: bool = False


@dataclass(frozen=True)
class Span:
    """A tolerance band ``low..high`` on the y axis (e.g. ±10% agreement), shaded grey."""

    low: float
    high: float
    label: str | None = None
    x: tuple[float, float] | None = None  # only over this stretch of x (a tolerance that differs by layer)


@dataclass(frozen=True)
class Theory:
    """A theory curve, dashed: ``y`` against ``x`` of ``table``; one curve per value of
    ``group`` in that group's colour (matching the measured groups), else grey."""

    table: Any
    x: str
    y: str
    label: str | None = None
    group: str | None = None
    dotted: bool = False


@dataclass
class Panel:
    """One axes' worth: ``draw(ax)`` puts the data on it; the rest is the house style."""

    draw: Callable[[Any], None]
    title: str = ""
    xlabel: str = ""
    ylabel: str = ""
    xlog: bool | None = None
    ylog: bool | None = None
    xticks: Sequence[float] | None = None
    xticklabels: Sequence[str] | None = None
    yticks: Sequence[float] | None = None
    ylim: tuple[float, float] | None = None
    xlim: tuple[float | None, float | None] | None = None
    xscale: dict | None = None  # e.g. {"value": "symlog", "linthresh": 100}: a scale the log rule cannot choose
    yscale: dict | None = None
    legend: bool | str = True  # "outside" (right) or "below" the axes, for panels whose data fill every corner
    values: dict[str, list] = field(default_factory=lambda: {"x": [], "y": []})


def render(panel: Panel, ax: Any = None) -> Any:
    """Draw one panel on ``ax`` (a new single-panel figure when None); return the axes."""
    if ax is None:
        _, ax = P.plt.subplots()
    panel.draw(ax)
    _scale(ax, "x", panel.xlog, panel.values["x"], panel.xticks, panel.xscale)
    _scale(ax, "y", panel.ylog, panel.values["y"], panel.yticks, panel.yscale)
    if panel.ylim is not None:
        ax.set_ylim(*panel.ylim)
    if panel.xlim is not None:
        ax.set_xlim(*panel.xlim)
    if panel.xticklabels is not None:
        ax.set_xticks(list(panel.xticks), list(panel.xticklabels))
    ax.set_xlabel(panel.xlabel)
    ax.set_ylabel(panel.ylabel)
    ax.set_title(panel.title)
    if panel.legend == "outside" and ax.get_legend_handles_labels()[1]:
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    elif panel.legend == "below" and ax.get_legend_handles_labels()[1]:
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2)
    elif panel.legend and ax.get_legend_handles_labels()[1]:
        ax.legend(fontsize=8, loc="best")  # "best": the corner that hides the fewest data points
    return ax


def spans_decades(values: Sequence[float], decades: float = DECADES) -> bool:
    """Whether the positive finite values span more than ``decades`` orders of magnitude
    (and none is zero or negative, which a log axis could not show)."""
    v = np.asarray([x for x in np.ravel(np.asarray(values, dtype=float)) if np.isfinite(x)])
    if len(v) < 2 or (v <= 0).any():
        return False
    return bool(np.log10(v.max() / v.min()) > decades)


def _scale(ax, axis: str, log: bool | None, values: list, ticks: Sequence[float] | None, scale: dict | None) -> None:
    if scale is not None:
        (ax.set_xscale if axis == "x" else ax.set_yscale)(**scale)
        return
    flat = np.concatenate([np.ravel(np.asarray(v, dtype=float)) for v in values]) if values else np.array([])
    wanted = spans_decades(flat) if log is None else log
    if wanted and ticks is not None:
        P.log_ticks(ax, ticks, axis=axis)
    elif wanted:
        from matplotlib.ticker import NullFormatter

        (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
        if spans_decades(flat, 1.0):  # over several decades labelled minor ticks overlap; within one they are all there is
            (ax.xaxis if axis == "x" else ax.yaxis).set_minor_formatter(NullFormatter())
    elif ticks is not None:
        (ax.set_xticks if axis == "x" else ax.set_yticks)(list(ticks))


def is_numeric(column) -> bool:
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    return is_numeric_dtype(column) and not is_bool_dtype(column)


def groups_of(table, group: str | None, order: Sequence | None = None) -> list[tuple[int, Any, Any]]:
    """(position, key, rows) per group present; the position (colour, marker) is the
    key's place in ``order``, so a group missing from one table keeps the others' colours."""
    if group is None:
        return [(0, None, table)] if len(table) else []
    keys = list(order) if order is not None else list(dict.fromkeys(table[group]))
    if order is None and is_numeric(table[group]):
        keys = sorted(keys)  # numbers (widths, depths, rates) in their order, not the table's
    return [(i, k, table[table[group] == k]) for i, k in enumerate(keys) if (table[group] == k).any()]


def entry(labels: str | dict | Callable | None, key) -> str | None:
    """A group's legend entry: ``labels`` a format string ("σw² = {:g}"), a dict by key or a
    function of the key; no entry for a table without groups and labels."""
    if key is None and labels is None:
        return None
    if isinstance(labels, str):
        return labels.format(key)
    if callable(labels):
        return labels(key)
    return (labels or {}).get(key, str(key))


def draw_marks(ax, values: dict, threshold: Line | Sequence[Line] | None, span: Span | Sequence[Span] | None,
           theory: Theory | Sequence[Theory] | None, colours: dict) -> None:
    """The threshold lines, the tolerance band and the theory curves of a panel."""
    for band_ in ([span] if isinstance(span, Span) else list(span or [])):
        if band_.x is None:
            ax.axhspan(band_.low, band_.high, color="#cccccc", alpha=0.3, linewidth=0, label=band_.label)
        else:
            ax.fill_between(band_.x, band_.low, band_.high, color="#888888", alpha=0.25, linewidth=0, label=band_.label)
    for line in ([threshold] if isinstance(threshold, Line) else list(threshold or [])):
        style = (dict(P.THEORY) if line.theory else dict(color="#444444", linewidth=0.8) if line.reference
                 else dict(color=GREY, linestyle=":", linewidth=1.2))
        (ax.axhline if line.axis == "y" else ax.axvline)(line.value, label=line.label, **style)
        values[line.axis].append([line.value])
    for t in ([theory] if isinstance(theory, Theory) else list(theory or [])):
        style = dict(P.THEORY, linestyle=":" if t.dotted else "--")
        for _, key, rows in groups_of(t.table, t.group):
            rows = rows.sort_values(t.x)
            colour = colours.get(key, style["color"]) if t.group else style["color"]
            ax.plot(rows[t.x], rows[t.y], **{**style, "color": colour}, label=t.label if t.group is None else None)
            values["y"].append(rows[t.y].to_numpy(dtype=float))
        if t.group is not None and t.label:
            ax.plot([], [], **style, label=t.label)
