"""One arm of a trained comparison under protocol 3: its rate tuned by rule 5 with rule 13's
grid extensions (P3-4) on the exploration seeds, then trained at full length.

The idiom of every protocol-3 trained arm: in the exploration phase, quarter-length runs
of every (rate, seed) pair as one batched computation, `nnclaims.evidence.tuning.tune`
extending the grid while the choice sits on an edge or no rate trains, then a full-length
pilot at the chosen rate (rule 6 plans the seeds from it); in the confirmatory phase,
the decided rate. The caller trains (it knows the network, the data and the schedule).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from .analysis import last_step
from .tuning import tune


def tuned_arm(fit: Callable[[list[int], Any, int], Any], seeds: Sequence[int], grid: Sequence[float], steps: int,
              learned: Callable[[Any], Sequence[bool]], keys: Sequence[str], phase: str, lr: float | None = None,
              arm: str = "", label: str = "arm") -> tuple[dict[str, list[dict]], Any]:
    """Train one arm; return its tables and the full-length run's result.

    ``fit(seeds, rates, steps)`` trains one network per seed (``rates``: one per network, or
    one for all) and returns a `nnclaims.nn.training.TrainResult` whose history holds
    ``keys`` (with ``loss``, the training loss rule 5 reads); ``learned(final_rows)`` gives
    rule 4's *trains* per row. Tables: ``records`` (the full-length run, column ``label`` =
    ``arm``), and when exploring ``tuning`` (the finals of every tuning run) and ``tuned``
    (the chosen rate, the final grid, its extensions and flags, and the page's note).
    """
    import pandas as pd

    out: dict[str, list[dict]] = {}
    if phase == "explore":
        frames = []

        def evaluate(rates):
            many = [s for _ in rates for s in seeds]
            per = [r for r in rates for _ in seeds]
            res = fit(many, per, max(1, steps // 4))
            frames.append(last_step(pd.DataFrame(res.tidy(keys, per_network={"lr": per}, **{label: arm}))))
            return frames[-1]

        t = tune(evaluate, grid, learned)
        out["tuning"] = pd.concat(frames, ignore_index=True).to_dict("records")
        out["tuned"] = [{label: arm, "lr": t.chosen, "grid": " ".join(f"{r:g}" for r in t.grid),
                         "extended": len(t.extensions), "on_edge": t.on_edge, "none_trained": t.none_trained,
                         "note": t.note(arm)}]
        lr = t.chosen
    if lr is None:
        raise ValueError(f"arm {arm!r}: the confirmatory run needs the rate the exploration decided")
    result = fit(list(seeds), lr, steps)
    out["records"] = result.tidy(keys, lr=lr, **{label: arm})
    return out, result
