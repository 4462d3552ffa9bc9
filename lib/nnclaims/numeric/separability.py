"""The step perceptron, its learning rule, and linear-programming certificates.

Convention: the unit outputs ``H(w.x + b)`` with ``H(z) = 1`` for ``z > 0`` and ``0``
otherwise. Labels are 0/1. With ``bias=False`` the boundary ``w.x = 0`` must pass
through the origin.

The certificates answer "can any hyperplane do it?" exactly, instead of hoping that
training would have found one:
- `step_unit_lp`: the largest margin ``s`` with which a step unit computes the labels;
  ``s > 0`` means some (w, b) computes them, ``s = 0`` means none does.
- `gordan_certificate`: nonnegative weights on the examples under which the signed,
  augmented inputs cancel; by Gordan's theorem such weights exist exactly when no
  hyperplane separates the two classes strictly.
- `max_margin`: the hard-margin separator of the augmented inputs, whose margin gamma
  enters Novikoff's bound (R / gamma)^2 on the perceptron's number of updates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog, minimize

TOL = 1e-9


def augment(X: np.ndarray, bias: bool = True) -> np.ndarray:
    """Inputs with a constant 1 appended, so that the bias is one more weight."""
    return np.hstack([X, np.ones((len(X), 1))]) if bias else np.asarray(X, dtype=float)


def predict(X: np.ndarray, w: np.ndarray, b: float = 0.0) -> np.ndarray:
    return (X @ w + b > 0).astype(int)


@dataclass
class LPResult:
    margin: float          # the optimum s (or gamma)
    w: np.ndarray
    b: float
    status: str

    @property
    def feasible(self) -> bool:
        return self.margin > TOL


def step_unit_lp(X: np.ndarray, labels: np.ndarray, bias: bool = True) -> LPResult:
    """Maximize s subject to w.x + b >= s on label-1 inputs and w.x + b <= 0 on label-0 ones.

    Weights and bias are boxed in [-1, 1] (the scale of (w, b) is free), and s <= 1.
    """
    Xa = augment(X, bias)
    n, d = Xa.shape
    pos, neg = labels == 1, labels == 0
    # variables: (w_1..w_d [incl. bias], s); minimize -s
    c = np.zeros(d + 1)
    c[-1] = -1.0
    A = np.vstack([np.hstack([-Xa[pos], np.ones((pos.sum(), 1))]),   # s - w.x <= 0
                   np.hstack([Xa[neg], np.zeros((neg.sum(), 1))])])  # w.x <= 0
    res = linprog(c, A_ub=A, b_ub=np.zeros(n), bounds=[(-1, 1)] * d + [(None, 1)], method="highs")
    if res.status != 0:
        raise RuntimeError(f"LP solver failed: {res.message}")
    w = res.x[:d]
    return LPResult(float(res.x[-1]), w[:-1] if bias else w, float(w[-1]) if bias else 0.0, res.message)


@dataclass
class Certificate:
    weights: np.ndarray        # lambda >= 0, summing to 1
    residual: float            # max |sum_i lambda_i y_i x~_i|: zero for a valid certificate

    @property
    def valid(self) -> bool:
        return self.residual <= TOL and bool(np.all(self.weights >= -TOL))


def gordan_certificate(X: np.ndarray, labels: np.ndarray, bias: bool = True) -> Certificate | None:
    """Weights lambda >= 0, sum 1, with sum_i lambda_i y_i x~_i = 0 (y = +-1), or None.

    A returned certificate proves that no hyperplane strictly separates the classes:
    for any (w, b), sum_i lambda_i y_i (w.x_i + b) = 0, so some term is <= 0.
    """
    signed = augment(X, bias) * np.where(labels == 1, 1.0, -1.0)[:, None]
    n = len(signed)
    A_eq = np.vstack([signed.T, np.ones((1, n))])
    b_eq = np.append(np.zeros(signed.shape[1]), 1.0)
    res = linprog(np.zeros(n), A_eq=A_eq, b_eq=b_eq, bounds=[(0, None)] * n, method="highs")
    if res.status != 0:
        return None
    lam = res.x
    return Certificate(lam, float(np.abs(signed.T @ lam).max()))


def max_margin(X: np.ndarray, labels: np.ndarray, bias: bool = True) -> LPResult:
    """Hard-margin separator in the augmented space: min |w|^2 s.t. y_i w.x~_i >= 1.

    Returns the margin the solution actually achieves, min_i y_i w.x~_i / |w|, which
    never exceeds the true maximum margin, so a bound computed from it stays valid.
    """
    Xa = augment(X, bias)
    signed = Xa * np.where(labels == 1, 1.0, -1.0)[:, None]
    # Start from the LP's separator, maximizing min_i y_i w.x~_i over the box |w| <= 1,
    # rescaled so that every constraint of the QP holds.
    d = signed.shape[1]
    c = np.zeros(d + 1)
    c[-1] = -1.0
    lp = linprog(c, A_ub=np.hstack([-signed, np.ones((len(signed), 1))]), b_ub=np.zeros(len(signed)),
                 bounds=[(-1, 1)] * d + [(None, 1)], method="highs")
    if lp.status != 0 or lp.x[-1] <= TOL:
        return LPResult(0.0, np.zeros(d - int(bias)), 0.0, "not separable")
    w0 = lp.x[:d] / lp.x[-1]
    res = minimize(lambda w: w @ w, w0, jac=lambda w: 2 * w, method="SLSQP",
                   constraints=[{"type": "ineq", "fun": lambda w: signed @ w - 1, "jac": lambda w: signed}],
                   options={"ftol": 1e-14, "maxiter": 500})
    achieved = lambda w: float((signed @ w).min() / np.linalg.norm(w))  # noqa: E731
    w = res.x if res.success and achieved(res.x) > achieved(w0) else w0
    gamma = achieved(w)
    return LPResult(gamma, w[:-1] if bias else w, float(w[-1]) if bias else 0.0, str(res.message))


@dataclass
class PerceptronRun:
    w: np.ndarray
    b: float
    updates: int
    epochs: int
    converged: bool
    errors: list[int] = field(default_factory=list)   # mistakes in each epoch
    cycle_epochs: int | None = None                   # period of the repeating state, if one was seen
    best_correct: int = 0                              # most inputs right at any epoch end
    last_epoch: list[tuple[np.ndarray, float]] = field(default_factory=list)  # (w, b) after each update


def train_perceptron(X: np.ndarray, labels: np.ndarray, *, bias: bool = True, lr: float = 1.0,
                     max_epochs: int = 1000, order: np.ndarray | None = None) -> PerceptronRun:
    """Rosenblatt's rule from w = 0: on a mistake, w += lr (t - H(w.x + b)) x, likewise b.

    Inputs are visited in ``order`` (default: as given), the same order every epoch, so
    that a non-separable problem shows up as an exactly repeating state: the weights at
    the start of an epoch equal those of an earlier epoch, and training cycles forever.
    """
    X = np.asarray(X, dtype=float)
    order = np.arange(len(X)) if order is None else np.asarray(order)
    w, b = np.zeros(X.shape[1]), 0.0
    seen: dict[bytes, int] = {}
    run = PerceptronRun(w, b, 0, 0, False)
    for epoch in range(max_epochs):
        key = np.append(w, b).tobytes()
        if key in seen and run.cycle_epochs is None:
            run.cycle_epochs = epoch - seen[key]
        seen.setdefault(key, epoch)
        mistakes = 0
        run.last_epoch = [(w, b)]
        for i in order:
            err = labels[i] - int(X[i] @ w + b > 0)
            if err:
                w = w + lr * err * X[i]
                if bias:
                    b = b + lr * err
                mistakes += 1
                run.last_epoch.append((w, b))
        run.updates += mistakes
        run.errors.append(mistakes)
        run.best_correct = max(run.best_correct, int((predict(X, w, b) == labels).sum()))
        run.epochs = epoch + 1
        if mistakes == 0:
            run.converged = True
            break
        if run.cycle_epochs is not None:
            break  # the state repeats: every later epoch repeats one already seen
    run.w, run.b = w, b
    return run


def novikoff_bound(X: np.ndarray, gamma: float, bias: bool = True) -> float:
    """(R / gamma)^2 with R the largest norm of an augmented input."""
    R = float(np.linalg.norm(augment(X, bias), axis=1).max())
    return (R / gamma) ** 2 if gamma > 0 else float("inf")
