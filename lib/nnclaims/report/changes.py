"""Two notes for the report's pages, as HTML snippets (escaped here; insert them unescaped):

- "Since the previous run": which verdicts and checks changed since the last recorded run,
  from what to what and why (code, settings or seeds), or that no verdict changed; on a
  claim page, the same for that claim only (`nnclaims.history`).
- The overrides banner: a run whose settings differ from the pre-registered ones (an
  override of the seeds, another seed block) says so on every page, naming each.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any, Iterable, Mapping

from .. import history
from ..evidence.errors import UserError
from ..evidence.settings import is_confirmatory


def since_previous(results_dir: str | Path, names: Iterable[str],
                   where: str | Path = ".") -> tuple[str, history.Changes] | None:
    """The latest recorded run's name and what changed from it to the results now under
    ``results_dir`` (``names``: the experiments and rules shown; ``where``: a folder of the
    code's git checkout, for its commit); None before any record."""
    stored = history.records(results_dir)
    if not stored:
        return None
    # An experiment that did not run (a partial report) has no results to compare.
    shown = [n for n in names if all((Path(results_dir) / n / f).is_file()
                                     for f in ("provenance.json", "verdicts.csv", "checks.csv"))]
    try:
        now = history.snapshot(results_dir, shown, where=where)
        return stored[-1].stem, history.compare(history.read(stored[-1]), now)
    except UserError:
        return None  # an unreadable record must not stop the report; `nnclaims compare` names it


def _item(what: str, old: str, new: str, why: str) -> str:
    because = f" <span class=\"muted\">({escape(why)})</span>" if why else ""
    return f"<li><strong>{escape(what)}</strong>: {escape(old)} → {escape(new)}{because}</li>"


def since_previous_html(since: tuple[str, history.Changes] | None, claim: str | None = None) -> str:
    """The "Since the previous run" box of the index (``claim`` None) or of one claim's page."""
    if since is None:
        return ('<section class="since" aria-label="Since the previous run"><h2>Since the previous run</h2>'
                '<p>This is the first recorded run: nothing to compare with yet.</p></section>')
    name, changes = since
    verdicts = [v for v in changes.verdicts if claim is None or v[0] == claim]
    checks = [c for c in changes.checks if claim is None or c[0].split("/")[0] == claim]
    items = [_item(f"verdict of {c}", old, new, why) for c, old, new, why in verdicts]
    items += [_item(f"check {c}", old, new, why) for c, old, new, why in checks]
    if claim is None:
        items += [_item(f"setting {key}", old, new, "") for key, old, new in changes.settings]
        items += [f"<li>{escape(where)}: {escape(', '.join(claims))}</li>" for claims, where in
                  ((changes.only_after, "New claims"), (changes.only_before, "Claims not shown this time"))
                  if claims]
    lead = "" if verdicts else "<p>No verdict changed.</p>"
    body = f"<ul>{''.join(items)}</ul>" if items else ""
    return (f'<section class="since" aria-label="Since the previous run"><h2>Since the previous run</h2>'
            f'<p class="muted">Compared with run {escape(name)} (<code>nnclaims compare</code>).</p>'
            f"{lead}{body}</section>")


def not_preregistered(plans: Mapping[str, Any]) -> list[str]:
    """The settings of this run that differ from the pre-registered ones, one phrase each."""
    out = []
    for name, p in plans.items():
        seeds, planned = len(p.settings.seeds), p.experiment.preregistered_seeds(p.settings.profile)
        if seeds != (planned or 0):
            out.append(f"{name}: {seeds} seeds (pre-registered: {'chosen by power' if planned is None else planned})")
    blocks = sorted(b for b in {p.settings.seed_block for p in plans.values()} if not is_confirmatory(b))
    if blocks:
        out.insert(0, f"seed block {', '.join(blocks)} (pre-registered: confirmatory)")
    return out


def overrides_banner_html(plans: Mapping[str, Any]) -> str:
    """A banner naming every setting that differs from the pre-registered ones ("" if none)."""
    differ = not_preregistered(plans)
    if not differ:
        return ""
    return ('<p class="quick-banner" role="note"><strong>Not the pre-registered run.</strong> '
            f"Settings changed for exploring: {escape('; '.join(differ))}. Its verdicts are not the confirmatory "
            "result.</p>")
