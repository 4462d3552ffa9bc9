"""A figure's alt text, like its caption, may be read off the tables when it is drawn, so a
figure whose alt text names a result is still declared once at module level (issue 23)."""

from __future__ import annotations

import pandas as pd

from nnclaims.report import figures as F
from nnclaims.report import plotting as P


def test_alt_text_read_off_the_tables_equals_the_text_written_out(tmp_path):
    tables = {"runs": pd.DataFrame({"x": [1, 2, 3], "y": [1.0, 2.0, 4.0]})}
    alt = F.From(lambda T: f"{len(T['runs'])} points, the last at {T['runs']['y'].iloc[-1]:g}")
    later = F.figure("later", "my-claim", caption="c", alt=alt, panels=[F.lines(F.rows_of("runs"), "x", "y")])
    now = F.figure("now", "my-claim", caption="c", alt="3 points, the last at 4",
                   panels=[F.lines(tables["runs"], "x", "y")])
    with P.style():
        [named] = F.draw(tmp_path, [later], tables)
        [direct] = F.draw(tmp_path, [now])
    assert named.alt == "3 points, the last at 4" == direct.alt
    assert later.alt is alt  # the declaration itself is left as declared, to be drawn again on other tables
