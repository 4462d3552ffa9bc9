"""Progress lines in a run job's log (nnclaims.progress), on a clock the test moves."""

import io

import pytest

from nnclaims import progress


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(progress.time, "monotonic", lambda: now[0])
    return now


def test_a_line_at_the_start_after_slow_points_and_at_the_end(clock):
    out = io.StringIO()
    with progress.Progress("xor confirm shard 0/1", 4, every=20, stream=out) as p:
        clock[0] += 5
        p.step()                      # 5 s after the last line: none
        clock[0] += 30
        assert p.due(), "a heartbeat is due after 20 s without a line, even inside a point"
        p.step()                      # 35 s: a line, with the time left
        clock[0] += 10
        p.step()
        p.step()                      # the last point: always a line
    lines = out.getvalue().splitlines()
    assert len(lines) == 3, lines
    assert "0/4 grid points done (0%)" in lines[0] and "estimated after the first point" in lines[0]
    assert "2/4 grid points done (50%), 35 s elapsed, about 35 s left" in lines[1]
    assert "4/4 grid points done (100%), 45 s elapsed, finished" in lines[2]


def test_durations_read_as_people_write_them():
    assert progress._duration(42) == "42 s"
    assert progress._duration(125) == "2 min 05 s"
    assert progress._duration(7260) == "2 h 01 min"
