"""sigmoid-derivative and activation-shapes: activation functions, their derivatives and extrema.

Setup: float64 grids over [-20, 20] that contain 0 (spacing 1e-4 in the full profile,
400,001 points). Everything is exact: no seed is involved.

Protocol 2 (pre-registered in the claim catalogue, 2026-11-21): comparing autograd with
the closed form sigma(1 - sigma) is a tautology (torch's backward kernel computes that same
formula), so the sigmoid-derivative check is now a central finite difference, with
h = 1e-5 in float64, of an implementation that shares no code with the library or torch
(scipy.special.expit and numpy.tanh), against the closed forms sigma(x)(1 - sigma(x)) and
1 - tanh(x)^2, both evaluated with that same independent implementation. The truncation
error of the central difference is at most h^2 max|f'''| / 6 (below 4e-11 for both
functions) and its round-off about 1e-16 / h = 1e-11, far below the threshold. The peak
checks and every activation-shapes check keep their protocol-1 design; they gain controls.

Expected:
- sigmoid-derivative: (1) the largest |finite difference - closed form| over the grid is
  at most 1e-9, for the sigmoid and for tanh; (2) the library's closed-form derivative is
  largest at x = 0, exactly, with value exactly 1/4 (sigmoid) and 1 (tanh).
- activation-shapes (protocol 1): ReLU, Leaky ReLU (slope 0.01), GELU and Swish agree
  with independent NumPy/SciPy formulas (max(0, x), max(0.01x, x), x Phi(x), x sigmoid(x))
  to below 1e-12, and autograd agrees with their closed-form derivatives to below 1e-12;
  GELU and Swish dip below zero, with minima where calculus puts them: GELU's at the root
  of Phi(x) + x phi(x) (x ~ -0.7518, value ~ -0.1700), Swish's at x = -1 - W(1/e) with
  value -W(1/e) (x ~ -1.2785, value ~ -0.2785), W being Lambert's function. The grid
  minimum must lie within one grid step h of the true one, and its value within h^2 of
  the true minimum (Taylor: |f''| < 2 near both minima).
Controls (all computed by the experiment, on the same grid):
- finite differences: positive, the same central difference of numpy.sin against
  numpy.cos (a true identity); negative, the finite difference against the *other*
  function's formula (1 - sigma^2 for the sigmoid, tanh(1 - tanh) for tanh), a plausible
  slip that is false;
- peak value and location: positive, the closed form evaluated with SciPy/NumPy instead
  of the library; negative, the swapped formula, whose peak is 1 at x = -20 (sigmoid) and
  1/4 at x = atanh(1/2) (tanh);
- formula: positive, torch.nn.functional's own ReLU, Leaky ReLU, GELU and SiLU against the
  independent formula; negative, the library function against its sibling's formula
  (ReLU <-> Leaky ReLU, GELU <-> Swish);
- derivative: positive, autograd through torch.nn.functional's function against the
  library's closed form; negative, autograd against the sibling's closed form;
- dips below zero: positive, the minimum from calculus; negative, ReLU's grid minimum (0);
- minimum location and depth: positive, a bounded scalar minimization of the independent
  formula; negative, the sibling's grid minimum against this function's true minimum.
"""

from __future__ import annotations

import numpy as np

from nnclaims.evidence import Change, Check, Claim, Control, Measurement, RunContext, Sentence
from nnclaims.report.figures import From, Line, drawer, figure, lines, overlay, rows_of

CLAIMS = [
    Claim(
        id="sigmoid-derivative",
        title="The sigmoid's slope is σ(x)(1−σ(x)), at most 1/4; tanh's is at most 1",
        statement=("The derivative of the logistic sigmoid is σ(x)(1 − σ(x)); it is largest at x = 0, where "
                   "it equals 1/4. The derivative of tanh, 1 − tanh²(x), is largest at x = 0, where it equals 1."),
        section="A",
        sentences=(Sentence("003", "activation functions (sigmoid)",
                            "The sigmoid's derivative is largest at the origin, where it is one quarter.",
                            ("reaches a maximum of 0.25",)),),
    ),
    Claim(
        id="activation-shapes",
        title="ReLU, Leaky ReLU, GELU and Swish have the shapes the chapter gives them",
        statement=("ReLU is max(0, x) and Leaky ReLU max(0.01x, x). GELU is x·Φ(x) and Swish is x·σ(x): both "
                   "are smooth and non-monotonic, dipping below zero for negative inputs before returning to 0."),
        section="B",
        # No protocol-3 text: the sentence of catalogue section B, its decisive words as the catalogue gives them.
        sentences=(Sentence("003", "activation functions (ReLU and its successors)",
                            "GELU and Swish are smooth curves that dip below zero for negative inputs, unlike ReLU.",
                            ("smooth and non-monotonic", "dipping below zero"), words="catalogue"),),
    ),
]
SEEDS = {"quick": 1, "full": 1}  # exact: no randomness involved
PEAK = {"sigmoid": (0.0, 0.25), "tanh": (0.0, 1.0)}  # derivative's (where, value), from calculus
SHAPES = ("relu", "leaky_relu", "gelu", "swish")
DIPS = ("gelu", "swish")
SIBLING = {"relu": "leaky_relu", "leaky_relu": "relu", "gelu": "swish", "swish": "gelu"}  # negative controls
STEP = {"quick": 1e-3, "full": 1e-4}  # grid spacing on [-20, 20]
FD_H = 1e-5          # central-difference step (protocol 2)
FD_AGREEMENT = 1e-9  # protocol 2: finite differences against the closed form
AGREEMENT = 1e-12    # protocol 1: library against independent formulas, autograd against closed forms


def grid(profile: str) -> list[dict]:
    return [{"activation": name, "step": STEP[profile]} for name in (*PEAK, *SHAPES)]


def reference(name: str, x: np.ndarray) -> np.ndarray:
    """The chapter's formulas, written independently of the library, in NumPy and SciPy."""
    from scipy.special import expit, ndtr

    return {"sigmoid": expit, "tanh": np.tanh, "relu": lambda v: np.maximum(0.0, v),
            "leaky_relu": lambda v: np.maximum(0.01 * v, v), "gelu": lambda v: v * ndtr(v),
            "swish": lambda v: v * expit(v), "sin": np.sin}[name](x)


def closed_derivative(name: str, x: np.ndarray, swapped: bool = False) -> np.ndarray:
    """The closed-form derivative, evaluated with the independent implementation; ``swapped``
    gives the other function's formula (the negative control)."""
    from scipy.special import expit

    if name == "sin":
        return np.cos(x)
    s = expit(x) if name == "sigmoid" else np.tanh(x)
    correct = name == "sigmoid"
    return s * (1 - s) if correct != swapped else 1 - s * s


def central_difference(name: str, x: np.ndarray, h: float = FD_H) -> np.ndarray:
    return (reference(name, x + h) - reference(name, x - h)) / (2 * h)


def true_minimum(name: str) -> tuple[float, float]:
    """Where GELU or Swish is smallest, from calculus (a root of the derivative)."""
    from scipy.optimize import brentq
    from scipy.special import lambertw, ndtr

    if name == "swish":
        w = float(np.real(lambertw(np.exp(-1.0))))
        return -1.0 - w, -w
    where = brentq(lambda v: ndtr(v) + v * np.exp(-v * v / 2) / np.sqrt(2 * np.pi), -3.0, 0.0, xtol=1e-15)
    return where, where * ndtr(where)


def _builtin(name: str):
    import torch.nn.functional as F

    return {"relu": F.relu, "leaky_relu": lambda v: F.leaky_relu(v, 0.01), "gelu": F.gelu, "swish": F.silu}[name]


def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    import torch

    from nnclaims.nn.activations import get_activation

    name = point["activation"]
    act = get_activation(name)
    n = int(round(20 / point["step"]))
    x = (torch.arange(-n, n + 1, dtype=torch.float64) * point["step"]).requires_grad_(True)
    y = act(x)
    (autograd,) = torch.autograd.grad(y.sum(), x)
    x, y = x.detach(), y.detach()
    closed = act.grad(x)
    xs = x.numpy()
    i_max, i_min = int(torch.argmax(closed)), int(torch.argmin(y))
    summary = {"points": len(x), "derivative_error": float((autograd - closed).abs().max()),
               "function_error": float(np.abs(y.numpy() - reference(name, xs)).max()),
               "derivative_argmax": float(x[i_max]), "derivative_max": float(closed[i_max]),
               "argmin": float(x[i_min]), "min_value": float(y[i_min])}
    if name in PEAK:
        summary.update(_derivative_checks(name, xs, closed.numpy()))
    else:
        summary.update(_shape_controls(name, x, closed))
    if name in DIPS:
        summary.update(_minimum_controls(name, x))
    keep = (x.abs() <= 6) & (torch.arange(len(x)) % max(1, len(x) // 4000) == 0)  # enough points to draw
    curve = [{"x": float(a), "f": float(b), "closed_form": float(c), "autograd": float(d)}
             for a, b, c, d in zip(x[keep], y[keep], closed[keep], autograd[keep])]
    return {"records": [summary], "curves": curve}


def _derivative_checks(name: str, xs: np.ndarray, library: np.ndarray) -> dict:
    """Finite differences of the independent implementation against the closed form, with
    their controls, and the peak of the closed form evaluated three ways."""
    fd = central_difference(name, xs)
    formula, swapped = closed_derivative(name, xs), closed_derivative(name, xs, swapped=True)
    i_f, i_s = int(np.argmax(formula)), int(np.argmax(swapped))
    return {"fd_error": float(np.abs(fd - formula).max()),
            "fd_error_swapped": float(np.abs(fd - swapped).max()),
            "fd_error_sin": float(np.abs(central_difference("sin", xs) - closed_derivative("sin", xs)).max()),
            "formula_argmax": float(xs[i_f]), "formula_max": float(formula[i_f]),
            "swapped_argmax": float(xs[i_s]), "swapped_max": float(swapped[i_s]),
            "library_formula_error": float(np.abs(library - formula).max())}


def _shape_controls(name: str, x, closed) -> dict:
    import torch

    from nnclaims.nn.activations import get_activation

    xs = x.numpy()
    sibling = SIBLING[name]
    xg = x.clone().requires_grad_(True)
    yb = _builtin(name)(xg)
    (builtin_grad,) = torch.autograd.grad(yb.sum(), xg)
    xl = x.clone().requires_grad_(True)
    (autograd,) = torch.autograd.grad(get_activation(name)(xl).sum(), xl)
    return {"builtin_function_error": float(np.abs(yb.detach().numpy() - reference(name, xs)).max()),
            "sibling_function_error": float(np.abs(get_activation(name)(x).numpy() - reference(sibling, xs)).max()),
            "builtin_derivative_error": float((builtin_grad - closed).abs().max()),
            "sibling_derivative_error": float((autograd - get_activation(sibling).grad(x)).abs().max())}


def _minimum_controls(name: str, x) -> dict:
    """The true minimum, a bounded minimization of the independent formula (positive
    control) and the sibling's grid minimum (negative control)."""
    import torch
    from scipy.optimize import minimize_scalar

    from nnclaims.nn.activations import get_activation

    where, value = true_minimum(name)
    opt = minimize_scalar(lambda v: float(reference(name, np.array(v))), bounds=(-3.0, 0.0), method="bounded",
                          options={"xatol": 1e-10})
    ys = get_activation(SIBLING[name])(x)
    i = int(torch.argmin(ys))
    return {"true_argmin": where, "true_min": value, "optimizer_argmin": float(opt.x), "optimizer_min": float(opt.fun),
            "sibling_argmin": float(x[i]), "sibling_min": float(ys[i])}


# -- checks ---------------------------------------------------------------------------------
def checks(tables: dict) -> list[Check]:
    rec = tables["records"].set_index("activation")
    step = float(tables["records"]["step"].iloc[0])
    out = []
    for name, (where, value) in PEAK.items():
        row = rec.loc[name]
        n = int(row["points"])
        formula = "σ(x)(1 − σ(x))" if name == "sigmoid" else "1 − tanh²(x)"
        impl = "scipy.special.expit" if name == "sigmoid" else "numpy.tanh"
        out += [
            Check("sigmoid-derivative", f"{name}-finite-differences",
                  f"{name}: largest |central difference (h = {FD_H:g}) of {impl} − {formula}| over {n:,} float64 "
                  f"points in [−20, 20]",
                  value=row["fd_error"], comparator="<=", threshold=FD_AGREEMENT),
            Check("sigmoid-derivative", f"{name}-peak-value", f"{name}: largest derivative on the grid",
                  value=row["derivative_max"], comparator="==", threshold=value, theory=value),
            Check("sigmoid-derivative", f"{name}-peak-location", f"{name}: where the derivative is largest",
                  value=row["derivative_argmax"], comparator="==", threshold=where, theory=where, unit="x"),
        ]
    for name in SHAPES:
        row = rec.loc[name]
        out += [
            Check("activation-shapes", f"{name}-formula", f"{name}: largest |library − independent formula| on the grid",
                  value=row["function_error"], comparator="<", threshold=AGREEMENT),
            Check("activation-shapes", f"{name}-derivative", f"{name}: largest |autograd − closed-form derivative|",
                  value=row["derivative_error"], comparator="<", threshold=AGREEMENT),
        ]
    for name in DIPS:
        row = rec.loc[name]
        out += [
            Check("activation-shapes", f"{name}-dips-below-zero", f"{name}: smallest value (negative: it dips below zero)",
                  value=row["min_value"], comparator="<", threshold=0.0, theory=row["true_min"]),
            Check("activation-shapes", f"{name}-minimum-location",
                  f"{name}: distance from the grid minimum to the true minimum at x = {row['true_argmin']:.6f}",
                  value=abs(row["argmin"] - row["true_argmin"]), comparator="<=", threshold=step, unit="x",
                  basis="supporting"),  # where the dip lies: agreement with calculus, not the sentence
            Check("activation-shapes", f"{name}-minimum-depth",
                  f"{name}: |grid minimum − true minimum value {row['true_min']:.6f}| (bound: grid step²)",
                  value=abs(row["min_value"] - row["true_min"]), comparator="<=", threshold=step**2,
                  basis="supporting"),
        ]
    return out


def _with(rec, name: str, **columns):
    """The records with some of one activation's columns replaced by other columns of its row."""
    out = rec.copy()
    mine = (out["activation"] == name).to_numpy()
    for target, source in columns.items():
        out.loc[mine, target] = out.loc[mine, source].to_numpy()
    return out


def controls(tables: dict) -> list[Control]:
    rec = tables["records"]
    out = []
    for name in PEAK:
        other = "1 − σ²" if name == "sigmoid" else "tanh(1 − tanh)"
        out += [
            Control(f"{name}-finite-differences", "positive", {"records": _with(rec, name, fd_error="fd_error_sin")},
                    "the same central difference of numpy.sin against numpy.cos, a true identity"),
            Control(f"{name}-finite-differences", "negative", {"records": _with(rec, name, fd_error="fd_error_swapped")},
                    f"the finite difference against the wrong formula {other}"),
        ]
        for check, column, source in (("peak-value", "derivative_max", "max"),
                                      ("peak-location", "derivative_argmax", "argmax")):
            out += [
                Control(f"{name}-{check}", "positive", {"records": _with(rec, name, **{column: f"formula_{source}"})},
                        "the closed form evaluated with SciPy/NumPy instead of the library"),
                Control(f"{name}-{check}", "negative", {"records": _with(rec, name, **{column: f"swapped_{source}"})},
                        f"the wrong formula {other}, which peaks elsewhere"),
            ]
    for name in SHAPES:
        sib = SIBLING[name]
        out += [
            Control(f"{name}-formula", "positive", {"records": _with(rec, name, function_error="builtin_function_error")},
                    "torch.nn.functional's own implementation against the independent formula"),
            Control(f"{name}-formula", "negative", {"records": _with(rec, name, function_error="sibling_function_error")},
                    f"the library function against {sib}'s formula"),
            Control(f"{name}-derivative", "positive",
                    {"records": _with(rec, name, derivative_error="builtin_derivative_error")},
                    "autograd through torch.nn.functional's implementation against the closed form"),
            Control(f"{name}-derivative", "negative",
                    {"records": _with(rec, name, derivative_error="sibling_derivative_error")},
                    f"autograd against {sib}'s closed-form derivative"),
        ]
    relu_min = float(rec.loc[rec["activation"] == "relu", "min_value"].iloc[0])
    for name in DIPS:
        sib = SIBLING[name]
        mine = (rec["activation"] == name).to_numpy()
        flat = rec.copy()
        flat.loc[mine, "min_value"] = relu_min
        out += [
            Control(f"{name}-dips-below-zero", "positive", {"records": _with(rec, name, min_value="true_min")},
                    "the minimum from calculus"),
            Control(f"{name}-dips-below-zero", "negative", {"records": flat}, "ReLU's grid minimum, 0: it does not dip"),
            Control(f"{name}-minimum-location", "positive", {"records": _with(rec, name, argmin="optimizer_argmin")},
                    "a bounded scalar minimization of the independent formula"),
            Control(f"{name}-minimum-location", "negative", {"records": _with(rec, name, argmin="sibling_argmin")},
                    f"{sib}'s grid minimum, compared with {name}'s true minimum"),
            Control(f"{name}-minimum-depth", "positive", {"records": _with(rec, name, min_value="optimizer_min")},
                    "a bounded scalar minimization of the independent formula"),
            Control(f"{name}-minimum-depth", "negative", {"records": _with(rec, name, min_value="sibling_min")},
                    f"{sib}'s grid minimum, compared with {name}'s true minimum"),
        ]
    return out


def measurements(tables: dict) -> list[Measurement]:
    rec = tables["records"].set_index("activation")
    out = []
    for name in PEAK:
        row = rec.loc[name]
        out += [
            Measurement("sigmoid-derivative", f"{name}-autograd-error",
                        f"{name}: largest |autograd − the library's closed form| (protocol 1's check; a tautology, "
                        "since torch's backward computes the same formula)", value=row["derivative_error"]),
            Measurement("sigmoid-derivative", f"{name}-library-formula-error",
                        f"{name}: largest |the library's closed-form derivative − the same formula in SciPy/NumPy|",
                        value=row["library_formula_error"]),
        ]
    return out


CHANGES = [
    Change("sigmoid-autograd-agrees", "sigmoid-finite-differences",
           "Autograd computes σ(1 − σ) itself, so agreeing with it proved nothing; a central difference of an "
           "independent implementation (scipy.special.expit) tests the formula (threshold 1e-9, fixed by the "
           "finite-difference error, instead of 1e-12)."),
    Change("tanh-autograd-agrees", "tanh-finite-differences",
           "Autograd computes 1 − tanh² itself, so agreeing with it proved nothing; a central difference of an "
           "independent implementation (numpy.tanh) tests the formula (threshold 1e-9 instead of 1e-12)."),
]


# -- analysis: the tables the figures draw ---------------------------------------------------
def analysis(tables: dict) -> dict:
    """Every 60th grid point with its finite difference (sigmoid, tanh) and autograd value,
    drawn as dots on the closed forms."""
    curves = tables["curves"]
    dots = curves.groupby("activation", sort=False).nth(slice(None, None, 60)).reset_index(drop=True)
    fd = [central_difference(a, dots.loc[dots["activation"] == a, "x"].to_numpy()) if a in PEAK else
          np.full(int((dots["activation"] == a).sum()), np.nan) for a in dots["activation"].unique()]
    return {"derivative_dots": dots[["activation", "x", "autograd"]].assign(fd=np.concatenate(fd))}


# -- figures --------------------------------------------------------------------------------
DERIVATIVES_CAPTION = (
    "Each function (solid), its closed-form derivative (dashed) and central finite differences of an independent "
    "implementation (dots, SciPy's expit and NumPy's tanh) on top of it; the titles give the largest gap over the "
    "whole grid. The dashed grey line marks the peak: 1/4 for sigmoid, 1 for tanh, both at x = 0.")
DERIVATIVES_ALT = (
    "Sigmoid and tanh with their derivatives: the sigmoid's derivative is a bump of height 0.25 at zero, tanh's a bump "
    "of height 1 at zero; finite-difference points lie on the curves.")
GALLERY_CAPTION = (
    "Top: the functions; bottom: their derivatives, closed form (dashed) with autograd's values (dots). GELU and Swish "
    "dip below zero for negative inputs (triangles mark the true minima) and are smooth; ReLU and Leaky ReLU have a "
    "kink at 0, where their derivative jumps.")
GALLERY_ALT = (
    "Four activation functions and their derivatives between -4 and 4: ReLU is flat then linear; Leaky ReLU has a "
    "small negative slope; GELU and Swish dip to about -0.17 and -0.28 before rising.")


_ONE = dict(marker=False, dashes=True)
_FD = {"sigmoid": "expit", "tanh": "np.tanh"}


def _rec(tables: dict):
    return tables["records"].set_index("activation")


FIGURES = [
    figure("derivatives", "sigmoid-derivative", main=True, caption=DERIVATIVES_CAPTION, alt=DERIVATIVES_ALT,
           size=(9, 3.6), panels=[
        overlay(lines(rows_of("curves", activation=n), "x", "f", labels=f"{n}(x)", **_ONE),
                lines(rows_of("curves", activation=n), "x", "closed_form", start=1, labels=f"{n}′(x), closed form",
                      threshold=Line(v, f"max {v:g} at x = {w:g}", theory=True), **_ONE),
                lines(rows_of("derivative_dots", activation=n), "x", "fd", scatter=True, start=2,
                      labels=f"{n}′(x), finite difference of {_FD[n]}"),
                xlim=(-6, 6), ylog=False, xlabel="x", ylabel="value",
                title=From(lambda T, n=n: f"{n}: largest finite-difference error {_rec(T).loc[n, 'fd_error']:.1e}"))
        for n, (w, v) in PEAK.items()]),
    figure("gallery", "activation-shapes", main=True, caption=GALLERY_CAPTION, alt=GALLERY_ALT, size=(12, 5.6),
           ncols=4, panels=[
        *[overlay(lines(rows_of("curves", activation=n), "x", "f", threshold=Line(0.0, reference=True), **_ONE),
                  lines(rows_of("records", activation=[n] if n in DIPS else []), "true_argmin", "true_min",
                        scatter=True, start=4, labels=From(lambda T, n=n: f"min {_rec(T).loc[n, 'true_min']:.4f} at "
                                                                          f"x = {_rec(T).loc[n, 'true_argmin']:.4f}")),
                  xlim=(-4, 4), title=n, ylabel="" if i else "f(x)") for i, n in enumerate(SHAPES)],
        *[overlay(lines(rows_of("curves", activation=n), "x", "closed_form", start=1, labels="closed form", **_ONE),
                  lines(rows_of("derivative_dots", activation=n), "x", "autograd", scatter=True, start=2,
                        labels="autograd"),
                  xlim=(-4, 4), xlabel="x", ylabel="" if i else "f′(x)", legend=not i) for i, n in enumerate(SHAPES)]]),
]
figures = drawer(FIGURES)
