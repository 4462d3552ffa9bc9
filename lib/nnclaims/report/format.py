"""Numbers, intervals and comparators for people to read."""

from __future__ import annotations

import math
from typing import Any, Iterable

SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
COMPARATOR_SYMBOL = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "within": "within ±"}


def fmt(x: Any, digits: int = 4) -> str:
    """A number for people: integers as integers, otherwise ``digits`` significant digits."""
    if x is None or x == "":
        return ""
    if isinstance(x, str):
        return x
    x = float(x)
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if x == int(x) and abs(x) < 1e15:
        return f"{int(x):,}"
    if x != 0 and (abs(x) < 1e-3 or abs(x) >= 1e6):
        mantissa, exp = f"{x:.{digits - 1}e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".")
        power = f"10{str(int(exp)).translate(SUPERSCRIPT)}"
        return power if mantissa == "1" else f"{mantissa}×{power}"
    return f"{x:.{digits}g}"


def comparator(symbol: str) -> str:
    return COMPARATOR_SYMBOL.get(symbol, symbol)


def point(p: dict) -> str:
    """A grid point as ``key=value`` pairs."""
    return ", ".join(f"{k}={v}" for k, v in p.items())


def interval(row: dict) -> str:
    low = row.get("ci_low")
    if low is None or (isinstance(low, float) and math.isnan(low)):
        return ""
    return f"[{fmt(low)}, {fmt(row['ci_high'])}]"


def commits_text(provenances: Iterable[dict]) -> str:
    """Each commit once, saying how many experiments ran with uncommitted changes on top."""
    dirty: dict[str, list[bool]] = {}
    for p in provenances:
        dirty.setdefault(p["code"]["commit"][:12], []).append(bool(p["code"].get("dirty")))
    out = []
    for commit, flags in sorted(dirty.items()):
        n = sum(flags)
        out.append(commit if not n else f"{commit} (uncommitted changes)" if n == len(flags)
                   else f"{commit} ({n} of {len(flags)} experiments with uncommitted changes)")
    return ", ".join(out)
