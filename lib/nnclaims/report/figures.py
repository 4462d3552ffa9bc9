"""Figure kinds: a figure declared as panels of a tidy table and a few column names.

An experiment declares its figures once, at module level beside their captions, naming
the analysis tables they draw (`rows_of`) and reading any value off them when drawn (`From`)::

    FIGURES = [
        figure("first_vs_last", CLAIM, caption=CAPTION, alt=ALT, panels=[
            curves(rows_of("first_vs_last"), "step", "log_ratio", group="activation",
                   threshold=Line(-2, "two orders of magnitude"), ylabel="log10(|∇W₁| / |∇W₁₀|)")]),
    ]

    figures = drawer(FIGURES)  # the experiment's figures(tables, outdir)

(a kind given tables themselves draws them as they are). Declaring imports no matplotlib;
only drawing does. Each kind returns a `Panel`, drawn later on its place in the figure's
panel grid, so the house style is applied once: labels (with units, given by the caller), a
log axis when the values span more than two decades, the threshold drawn and named in the
legend, the theory dashed, the legend placed where it covers the least data. The tables are
computed in the experiment's analysis step; nothing here reshapes data beyond a mean and
its interval per group.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ..evidence.experiment import Figure
from ..evidence.stats import group_ci
from .panels import P, Line, Panel, Span, Theory, draw_marks, entry, groups_of, is_numeric, render, spans_decades

__all__ = ["Line", "Span", "Theory", "Panel", "Rows", "rows_of", "From", "render", "spans_decades", "figure", "draw",
           "drawer", "panel_grid", "band",
           "curves", "intervals", "regime", "paired", "lines", "cell_map", "bars", "violins", "image", "plane",
           "custom", "overlay", "histogram", "polygons", "extrapolation"]


@dataclass(frozen=True)
class Rows:
    """A table named, not held: the analysis table ``name`` when the figure is drawn, only
    the rows where each column of ``where`` equals its value (or is one of a list's)."""

    name: str
    where: tuple[tuple[str, Any], ...] = ()

    def of(self, tables: dict) -> Any:
        table = tables[self.name]
        for column, value in self.where:
            table = table[table[column].isin(value) if isinstance(value, (list, tuple)) else table[column] == value]
        return table


def rows_of(name: str, **where: Any) -> Rows:
    """The analysis table ``name`` (optionally only the rows where ``column=value``), read
    when the figure is drawn."""
    return Rows(name, tuple(where.items()))



@dataclass(frozen=True)
class From:
    """A value read off the tables when the figure is drawn: ``fn(tables)``."""

    fn: Callable[[dict], Any]


def phrase_of(table: str = "regime_phrase", column: str = "phrase") -> From:
    """The regime phrase an experiment's analysis computed (rule 18), for a regime panel's corner."""
    return From(lambda t: t[table][column].iloc[0])


@dataclass(frozen=True)
class Later:
    """A figure kind called with named tables: called when the tables are there."""

    kind: Callable[..., Panel]
    args: tuple
    kwargs: dict


def _needs_tables(value: Any) -> bool:
    if isinstance(value, (Rows, From, Later)):
        return True
    if isinstance(value, (list, tuple)):
        return any(_needs_tables(v) for v in value)
    if isinstance(value, dict):
        return any(_needs_tables(v) for v in value.values())
    if isinstance(value, (Line, Span, Theory)):
        return any(_needs_tables(getattr(value, f.name)) for f in dataclasses.fields(value))
    return False


def _filled(value: Any, tables: dict) -> Any:
    """``value`` with every named table, `From` and `Later` in it replaced by what it stands for."""
    if not _needs_tables(value):
        return value
    if isinstance(value, Rows):
        return Rows(value.name, _filled(value.where, tables)).of(tables)
    if isinstance(value, From):
        return value.fn(tables)
    if isinstance(value, Later):
        return value.kind(*_filled(value.args, tables), **_filled(value.kwargs, tables))
    if isinstance(value, (list, tuple)):
        return type(value)(_filled(v, tables) for v in value)
    if isinstance(value, dict):
        return {k: _filled(v, tables) for k, v in value.items()}
    return dataclasses.replace(value, **{f.name: _filled(getattr(value, f.name), tables)
                                         for f in dataclasses.fields(value)})


def _kind(fn: Callable[..., Panel]) -> Callable[..., Any]:
    """A figure kind that waits for the tables when it is given named ones."""
    @functools.wraps(fn)
    def kind(*args: Any, **kwargs: Any) -> Any:
        if _needs_tables(args) or _needs_tables(kwargs):
            return Later(fn, args, kwargs)
        return fn(*args, **kwargs)

    return kind


@dataclass
class Declared:
    """A figure before drawing: its file name, claim, caption, alt text and panels."""

    name: str
    claim: str
    caption: str | From
    alt: str | From
    panels: list[Panel | Later]
    main: bool = False
    ncols: int | None = None
    size: tuple[float, float] | None = None
    headers: Sequence[tuple[float, str]] = ()
    when: From | None = None


def figure(name: str, claim: str, *, caption: str | From, alt: str | From, panels: Sequence[Panel | Later],
           main: bool = False, ncols: int | None = None, size: tuple[float, float] | None = None,
           headers: Sequence[tuple[float, str]] = (), when: From | None = None) -> Declared:
    """Declare a figure of ``panels`` laid out in a grid of ``ncols`` columns (all in one
    row by default); ``headers``: (x in figure fraction, text) written above the grid,
    naming groups of columns; ``when``: drawn only when this is true of the tables."""
    return Declared(name, claim, caption, alt, list(panels), main, ncols, size, tuple(headers), when)


def draw(outdir: str | Path, declared: Sequence[Declared], tables: dict | None = None) -> list[Figure]:
    """Draw and save every declared figure, its named tables (and any `From` in its caption
    and alt text) taken from ``tables``; the `Figure` records ``figures()`` returns."""
    if tables is not None:
        declared = [dataclasses.replace(d, caption=_filled(d.caption, tables), alt=_filled(d.alt, tables),
                                        panels=_filled(d.panels, tables))
                    for d in declared if d.when is None or d.when.fn(tables)]
    return [Figure(P.save(panel_grid(d), outdir, d.name), d.claim, caption=d.caption, alt=d.alt, main=d.main)
            for d in declared]


def drawer(declared: Sequence[Declared]) -> Callable[[dict, str | Path], list[Figure]]:
    """An experiment's ``figures(tables, outdir)`` for its declarations: ``figures = drawer(FIGURES)``."""
    def figures(tables: dict, outdir: str | Path) -> list[Figure]:
        return draw(outdir, declared, tables)

    return figures


def panel_grid(d: Declared) -> Any:
    """The matplotlib figure of a declaration, every panel drawn and styled."""
    n = len(d.panels)
    ncols = d.ncols or n
    nrows = -(-n // ncols)
    size = d.size or ((6.4, 4.0) if n == 1 else (4.6 * ncols + 0.6, 4.2 * nrows))
    fig, axes = P.plt.subplots(nrows, ncols, figsize=size, squeeze=False)
    for ax, panel in zip(axes.ravel(), d.panels):
        render(panel, ax)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    for x, text in d.headers:
        fig.text(x, 0.98, text, ha="center", fontsize=11)
    if n > 1:
        fig.tight_layout(rect=(0, 0, 1, 0.96) if d.headers else None)
    return fig


@_kind
def band(table, x: str, y: str, *, group: str | None = None, labels: str | dict | Callable | None = None,
         order: Sequence | None = None, geometric: bool = False, theory: Theory | Sequence[Theory] | None = None,
         threshold: Line | Sequence[Line] | None = None, span: Span | Sequence[Span] | None = None, markevery: int | None = None,
         interval: tuple[str, str] | None = None, start: int = 0, **style: Any) -> Panel:
    """*Band with theory*: the mean of ``y`` over the rows (seeds) at each ``x``, per
    ``group``, with its 95% t interval as a band; ``geometric``: the mean and interval of
    log10 ``y``, drawn back on the original scale; ``interval``: the table is summarized
    already, ``y`` the centre and these two columns the band (e.g. percentiles of networks).
    Theory dashed, threshold named."""
    panel = Panel(lambda ax: None, **style)

    def draw_(ax) -> None:
        colours = {}
        for i, key, rows in groups_of(table, group, order):
            if interval is None:
                rows = rows.assign(_v=np.log10(rows[y].astype(float)) if geometric else rows[y])
                summary = group_ci(rows, x, "_v")
            else:
                summary = rows.rename(columns={y: "mean", interval[0]: "low", interval[1]: "high"})
                summary = np.log10(summary[["mean", "low", "high"]]).assign(**{x: summary[x]}) if geometric else summary
            P.band_ci(ax, summary, x, i=start + i, label=entry(labels, key), log10=geometric, markevery=markevery)
            colours[key] = P.color(start + i)
            panel.values["x"].append(summary[x].to_numpy(dtype=float))
            panel.values["y"].append(10 ** summary["mean"].to_numpy() if geometric else summary["mean"].to_numpy())
        draw_marks(ax, panel.values, threshold, span, theory, colours)

    panel.draw = draw_
    return panel


@_kind
def curves(table, step: str, y: str, *, group: str | None = None, split: str | None = None, **kw: Any) -> Panel:
    """*Curves over steps*: one mean-and-band curve per arm (``group``) over training
    steps; ``split`` (e.g. train/test) draws each arm's second value dashed."""
    if split is None:
        return band(table, step, y, group=group, markevery=kw.pop("markevery", None) or 4, **kw)
    labels = kw.pop("labels", None)
    keys = list(dict.fromkeys(table[split]))
    inner = [band(table[table[split] == k], step, y, group=group, markevery=4,
                  labels=lambda g, k=k: f"{entry(labels, g)}, {k}") for k in keys]
    panel = Panel(lambda ax: None, **{k: v for k, v in kw.items() if k in Panel.__dataclass_fields__})
    extra = {k: v for k, v in kw.items() if k not in Panel.__dataclass_fields__}

    def draw_(ax) -> None:
        for j, p in enumerate(inner):
            start = len(ax.lines)
            p.draw(ax)
            for line in ax.lines[start:]:
                line.set_linestyle(P.dash(j))
            panel.values["y"] += p.values["y"]
            panel.values["x"] += p.values["x"]
        draw_marks(ax, panel.values, extra.get("threshold"), extra.get("span"), extra.get("theory"), {})

    panel.draw = draw_
    return panel


@_kind
def intervals(table, x: str, *, estimate: str = "estimate", low: str = "low", high: str = "high",
              group: str | None = None, labels: str | dict | Callable | None = None, order: Sequence | None = None,
              dodge: float = 0.0, connect: bool = False, theory: Theory | Sequence[Theory] | None = None,
              threshold: Line | Sequence[Line] | None = None, span: Span | Sequence[Span] | None = None,
              phrase: str | None = None, annotate: str | None = None, start: int = 0,
              categories: Sequence | None = None, marker: str | None = None, **style: Any) -> Panel:
    """*Regime*: a swept setting ``x`` against the measured quantity with its interval
    (``estimate``, ``low``, ``high`` columns: any interval the checks computed), per
    ``group``, with the theory curve, the threshold line and the regime phrase (e.g.
    "above 1: the gradient vanishes") written in the panel's corner. Categorical ``x``
    values are placed at 0, 1, 2… and named. ``dodge`` shifts groups apart (a share of x,
    multiplied on a log axis)."""
    panel = Panel(lambda ax: None, **style)

    def draw_(ax) -> None:
        colours = {}
        categorical = not is_numeric(table[x])
        names = (list(categories) if categories is not None else list(dict.fromkeys(table[x]))) if categorical else None
        groups = groups_of(table, group, order)
        for i, key, rows in groups:
            xs = rows[x].map({n: k for k, n in enumerate(names)}) if categorical else rows[x]
            xs = xs.to_numpy(dtype=float)
            shift = dodge * (i - (len(groups) - 1) / 2)
            xs = xs * (1 + shift) if style.get("xlog") else xs + shift
            est, lo, hi = (rows[c].to_numpy(dtype=float) for c in (estimate, low, high))
            lo, hi = np.where(np.isfinite(lo), lo, est), np.where(np.isfinite(hi), hi, est)
            ax.errorbar(xs, est, yerr=[est - lo, hi - est], color=P.color(start + i), marker=marker or P.marker(start + i),
                        linestyle="-" if connect else "none", capsize=3, label=entry(labels, key))
            colours[key] = P.color(start + i)
            for xi, v in zip(xs, est) if annotate else ():
                ax.annotate(annotate.format(v), (xi, v), xytext=(6, 0), textcoords="offset points", va="center", fontsize=9)
            panel.values["x"].append(xs)
            panel.values["y"].append(est)
        if categorical:
            ax.set_xticks(range(len(names)), names)
        draw_marks(ax, panel.values, threshold, span, theory, colours)
        if phrase:
            ax.text(0.02, 0.98, phrase, transform=ax.transAxes, va="top", fontsize=8, color="#444444")

    panel.draw = draw_
    return panel


regime = intervals


@_kind
def paired(table, x: str, y: str, *, group: str | None = None, labels: str | dict | Callable | None = None,
           order: Sequence | None = None, threshold: Line | Sequence[Line] | None = None,
           span: Span | Sequence[Span] | None = None, start: int = 0, **style: Any) -> Panel:
    """*Paired by seed*: each seed's paired value ``y`` (a difference or log ratio within
    one seed) as a faint dot, the mean with its 95% t interval beside, at each ``x``, with
    the threshold drawn and named."""
    order = list(order) if order is not None else (list(dict.fromkeys(table[group])) if group else None)
    categories = None if is_numeric(table[x]) else list(dict.fromkeys(table[x]))
    summary = group_ci(table, [x] if group is None else [x, group], y)
    inner = intervals(summary, x, estimate="mean", group=group, order=order, labels=labels, threshold=threshold,
                      span=span, dodge=0.1 if group else 0.0, start=start, categories=categories, **style)
    panel = Panel(lambda ax: None, **style)

    def draw_(ax) -> None:
        for i, key, rows in groups_of(table, group, order):
            xs = rows[x].map({n: k for k, n in enumerate(categories)}) if categories else rows[x]
            ax.scatter(xs.to_numpy(dtype=float) + 0.12, rows[y], s=8, alpha=0.35, color=P.color(start + i), linewidths=0)
            panel.values["y"].append(rows[y].to_numpy(dtype=float))
        inner.draw(ax)
        panel.values["x"] += inner.values["x"]
        panel.values["y"] += inner.values["y"]

    panel.draw = draw_
    return panel


@_kind
def lines(table, x: str, y: str, *, group: str | None = None, labels: str | dict | Callable | None = None,
          order: Sequence | None = None, theory: Theory | Sequence[Theory] | None = None,
          threshold: Line | Sequence[Line] | None = None, span: Span | Sequence[Span] | None = None, scatter: bool = False,
          marker: bool = True, dashes: bool = False, drawstyle: str = "default", hollow: bool = False,
          start: int = 0, **style: Any) -> Panel:
    """Values drawn as they are (no mean over seeds): one line, or points with
    ``scatter``, per ``group``; for exact quantities, single runs and fitted functions."""
    panel = Panel(lambda ax: None, **style)

    def draw_(ax) -> None:
        colours = {}
        for i, key, rows in groups_of(table, group, order):
            i += start
            rows = rows if scatter else rows.sort_values(x)
            if scatter:
                face = dict(facecolors="white", edgecolors=P.color(i)) if hollow else dict(color=P.color(i))
                ax.scatter(rows[x], rows[y], marker=P.marker(i), s=16, alpha=0.8, label=entry(labels, key), **face)
            else:
                ax.plot(rows[x], rows[y], color=P.color(i), linestyle=P.dash(i) if dashes else "-", label=entry(labels, key),
                        marker=P.marker(i) if marker else None, markevery=max(1, len(rows) // 12), drawstyle=drawstyle)
            colours[key] = P.color(i)
            panel.values["x"].append(rows[x].to_numpy(dtype=float))
            panel.values["y"].append(rows[y].to_numpy(dtype=float))
        draw_marks(ax, panel.values, threshold, span, theory, colours)

    panel.draw = draw_
    return panel


@_kind
def cell_map(table, row: str, col: str, value: str, *, label: str = "", signed: bool | None = None,
             limit: float | None = None, marks: dict[str, tuple[str, str]] | None = None, **style: Any) -> Panel:
    """*Cell map*: one cell per (``row``, ``col``), its colour the effect ``value``; a
    missing or NaN value (nothing learned, a cell not run) stays blank. A signed value
    gets the diverging map centred on zero. ``marks``: {boolean column: (marker, legend
    label)}, a symbol on the cells where the column holds (e.g. an interval past the
    tolerance)."""
    panel = Panel(lambda ax: None, **{"legend": "below" if marks else False, **style})

    def draw_(ax) -> None:
        grid = table.pivot_table(index=row, columns=col, values=value, aggfunc="mean", dropna=False)
        data = grid.to_numpy(dtype=float)
        finite = data[np.isfinite(data)]
        centred = (finite < 0).any() if signed is None else signed
        top = limit if limit is not None else (float(np.abs(finite).max()) if len(finite) else 1.0)
        kw = dict(cmap=P.DIVERGING, vmin=-top, vmax=top) if centred else dict(cmap="viridis", vmin=0, vmax=top)
        image = ax.imshow(np.ma.masked_invalid(data), aspect="auto", origin="lower", **kw)
        for column, (symbol, name) in (marks or {}).items():
            hit = table.pivot_table(index=row, columns=col, values=column, aggfunc="max").reindex_like(grid)
            jj, ll = np.nonzero(hit.fillna(False).to_numpy(dtype=bool))
            face = dict(facecolors="none", edgecolors="black") if symbol == "o" else dict(color="black")
            ax.scatter(ll, jj, marker=symbol, s=14, linewidths=0.8, label=name, **face)
        every = max(1, grid.shape[1] // 10)  # at most about ten labelled columns
        ax.set_xticks(range(0, grid.shape[1], every), [_tick(c) for c in grid.columns[::every]])
        ax.set_yticks(range(grid.shape[0]), [_tick(r) for r in grid.index])
        ax.grid(False)
        ax.figure.colorbar(image, ax=ax, label=label)

    panel.draw = draw_
    panel.xlog = panel.ylog = False
    return panel


def _tick(value) -> str:
    return f"{value:g}" if isinstance(value, (float, np.floating)) else str(value)


@_kind
def bars(table, x: str, stack: Sequence[str], *, labels: Sequence[str] | None = None, total: str | None = "{:,.0f}",
         **style: Any) -> Panel:
    """Stacked bars, one per row: the columns ``stack`` on top of each other (the second
    hatched, so colour is not needed to tell them apart), named by column ``x``, each
    bar's total written on top with the format ``total``."""
    panel = Panel(lambda ax: None, **{"xlog": False, **style})

    def draw_(ax) -> None:
        pos, bottom = np.arange(len(table)), np.zeros(len(table))
        for i, column in enumerate(stack):
            values = table[column].to_numpy(dtype=float)
            ax.bar(pos, values, bottom=bottom, color=P.color(i), hatch="//" if i % 2 else None,
                   label=(labels or stack)[i])
            bottom = bottom + values
        for xi, top in zip(pos, bottom) if total else ():
            ax.annotate(total.format(top), (xi, top), ha="center", va="bottom", fontsize=8)
        ax.set_xticks(pos, list(table[x]))
        panel.values["y"].append(bottom)

    panel.draw = draw_
    return panel


@_kind
def violins(table, x: str, y: str, *, order: Sequence, names: Sequence[str] | None = None, dots=None,
            threshold: Line | Sequence[Line] | None = None, **style: Any) -> Panel:
    """The spread of ``y`` over all rows per category ``x`` (violins, in ``order``), with
    ``dots`` (a table with the same columns, e.g. each seed's median) drawn on top."""
    panel = Panel(lambda ax: None, **{"xlog": False, **style})

    def draw_(ax) -> None:
        for i, key in enumerate(order):
            parts = ax.violinplot([table.loc[table[x] == key, y].to_numpy(dtype=float)], positions=[i],
                                  showextrema=False, widths=0.8)
            for body in parts["bodies"]:
                body.set_facecolor(P.color(i)), body.set_alpha(0.35)
            if dots is not None:
                d = dots.loc[dots[x] == key, y].to_numpy(dtype=float)
                ax.scatter(np.full(len(d), i) + np.linspace(-0.15, 0.15, len(d)), d, color=P.color(i), s=10,
                           marker=P.marker(i), zorder=3)
        ax.set_xticks(range(len(order)), list(names or order), fontsize=8)
        draw_marks(ax, panel.values, threshold, None, None, {})

    panel.draw = draw_
    return panel


@_kind
def image(values: Sequence[float], shape: tuple[int, int]) -> Panel:
    """One signed image (e.g. a unit's weights over the pixels) on its own symmetric
    diverging scale, without axes."""
    def draw_(ax) -> None:
        w = np.asarray(values, dtype=float)
        top = np.abs(w).max() or 1.0
        ax.imshow(w.reshape(shape), cmap=P.DIVERGING, vmin=-top, vmax=top)
        ax.axis("off")

    return Panel(draw_, xlog=False, ylog=False, legend=False)


@_kind
def plane(points, x: str, y: str, cls: str, *, lines=None, regions=None, names: str = "output {}",
          lim: tuple[float, float] = (-0.5, 1.5), mark: tuple[float, float] | None = None, **style: Any) -> Panel:
    """Points of two classes in a plane (open: 0, filled: 1) with the boundaries of linear
    units: ``lines`` rows ``w1, w2, b, label`` and optionally ``faint`` (drawn light: earlier
    states); ``regions``: a grid ``x, y, value`` shaded where the value is positive, its
    zero line drawn (a network's decision regions); ``mark``: a point drawn as + (the origin)."""
    panel = Panel(lambda ax: None, **{"xlog": False, "ylog": False, **style})

    def draw_(ax) -> None:
        if regions is not None:
            side = int(round(np.sqrt(len(regions))))
            gx, gy, v = (regions[c].to_numpy(dtype=float).reshape(side, side) for c in (x, y, "value"))
            ax.contourf(gx, gy, (v > 0).astype(float), levels=[-0.5, 0.5, 1.5], colors=["#f2f2f2", "#cfe3f3"])
            ax.contour(gx, gy, v, levels=[0], colors=[P.color(1)])
        for label, face in ((0, "white"), (1, P.color(0))):
            rows = points[points[cls] == label]
            ax.scatter(rows[x], rows[y], s=85, facecolors=face, edgecolors=P.color(0), linewidths=1.5, zorder=3,
                       label=names.format(label))
        xs = np.linspace(*lim, 2)
        for row in (lines.itertuples() if lines is not None else ()):
            faint = bool(getattr(row, "faint", False))
            kw = dict(color=P.color(1), alpha=0.35 if faint else 1.0, linewidth=1 if faint else 2,
                      label=None if faint or not isinstance(row.label, str) else row.label)
            if abs(row.w2) > 1e-12:
                ax.plot(xs, -(row.w1 * xs + row.b) / row.w2, **kw)
            elif abs(row.w1) > 1e-12:
                ax.axvline(-row.b / row.w1, **kw)
            elif kw["label"]:  # w = 0: every input lands on the boundary
                ax.plot([], [], **{**kw, "label": kw["label"] + ": w = 0"})
        if mark is not None:
            ax.plot([mark[0]], [mark[1]], marker="+", color="black", markersize=12, linestyle="none")
        ax.set_xlim(*lim), ax.set_ylim(*lim), ax.set_aspect("equal")

    panel.draw = draw_
    return panel


@_kind
def custom(draw_: Callable[[Any], None], *, threshold: Line | Sequence[Line] | None = None,
           span: Span | Sequence[Span] | None = None, **style: Any) -> Panel:
    """A panel no kind covers (a map of polygons, a histogram): ``draw_(ax)`` draws it,
    the house style (threshold, labels, legend) does the rest."""
    panel = Panel(lambda ax: None, **{"xlog": False, "ylog": False, **style})

    def both(ax) -> None:
        draw_(ax)
        draw_marks(ax, panel.values, threshold, span, None, {})

    panel.draw = both
    return panel


@_kind
def histogram(table, x: str, *, bins: int = 60, threshold: Line | Sequence[Line] | None = None, **style: Any) -> Panel:
    """The distribution of column ``x`` over all rows, as a histogram of ``bins`` bins."""
    return custom(lambda ax: ax.hist(table[x], bins=bins, color=P.color(0)), threshold=threshold, **style)


@_kind
def overlay(*panels: Panel, **style: Any) -> Panel:
    """Several kinds on one axes (e.g. a band and a measured reference interval); the
    style (labels, scales, title) is ``style``'s, the values of all decide the log axes."""
    panel = Panel(lambda ax: None, **style)

    def draw_(ax) -> None:
        for p in panels:
            p.draw(ax)
            panel.values["x"] += p.values["x"]
            panel.values["y"] += p.values["y"]

    panel.draw = draw_
    return panel


@_kind
def extrapolation(gaps, fit, intercept, *, tol: float, level: float, **style: Any) -> Panel:
    """*Width extrapolation*, drawn from the tables of `nnclaims.evidence.width_extrapolation`:
    the gap at each 1/width (mean, 95% t interval), the weighted line through them, and its
    intercept at 1/width = 0 (the gap at infinite width) with its interval at ``level``, to
    lie inside the agreement band ±``tol``."""
    return overlay(regime(gaps, "inv_width", labels="measured (mean, 95% t interval)"),
                   lines(fit, "inv_width", "gap", marker=False, start=1, labels="weighted least-squares fit"),
                   regime(intercept, "inv_width", start=1, marker="D", labels=f"intercept, {level:.0%} interval",
                          span=Span(-tol, tol, f"±{tol:g}: agreement"), threshold=Line(0.0, theory=True)), **style)


@_kind
def polygons(vertices, colours, *, x: str = "x", y: str = "y", region: str = "region", colour: str = "colour",
             lim: tuple[float, float] = (-1.0, 1.0), **style: Any) -> Panel:
    """A map of regions (e.g. a network's linear regions): ``vertices`` rows ``region, x, y``
    in drawing order, each region's polygon filled with its ``colour`` (an index into a
    20-colour map, from ``colours`` rows ``region, colour``), on a square of side ``lim``."""
    def draw_(ax) -> None:
        from matplotlib.collections import PolyCollection
        from matplotlib.pyplot import get_cmap

        shapes = [g[[x, y]].to_numpy() for _, g in vertices.groupby(region, sort=True)]
        ax.add_collection(PolyCollection(shapes, facecolors=get_cmap("tab20")(colours.sort_values(region)[colour]),
                                         edgecolors="white", linewidths=0.15))
        ax.set_xlim(*lim), ax.set_ylim(*lim), ax.set_aspect("equal"), ax.grid(False)

    return custom(draw_, **style)
