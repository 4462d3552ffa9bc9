"""Progress lines in a run job's log: how much of its grid is done and the time left.

A full-profile job computes for minutes to an hour, and one grid point can take longer
than the interval a user is willing to wait for a sign of life; so besides a line after
each grid point (at most one per `EVERY` seconds), a background thread writes one when
`EVERY` seconds pass without any. The estimate of the time left is the mean time of the
points done so far times the points left: rough, since points differ in cost, but it
is what a user following the log (`tail -f logs/run/...`) needs. Lines go to stderr,
which the workflow sends to the job's log; they never touch the results.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

EVERY = 20.0  # seconds between lines at most (the promise is 30 s; a slow write is allowed for)


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


class Progress:
    """``with Progress("xor confirm shard 0/1", n_points) as progress: ... progress.step()``."""

    def __init__(self, what: str, total: int, every: float = EVERY, stream: TextIO | None = None) -> None:
        self.what, self.total, self.every = what, total, every
        self.stream = stream if stream is not None else sys.stderr
        self.done = 0
        self._start = self._last = time.monotonic()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="nnclaims-progress", daemon=True)

    def line(self) -> str:
        elapsed = time.monotonic() - self._start
        if self.done == 0:
            left = "time left: estimated after the first point"
        elif self.done >= self.total:
            left = "finished"
        else:
            left = f"about {_duration(elapsed / self.done * (self.total - self.done))} left"
        share = 100 * self.done / self.total if self.total else 100.0
        return (f"nnclaims: progress {self.what}: {self.done}/{self.total} grid points done ({share:.0f}%), "
                f"{_duration(elapsed)} elapsed, {left}")

    def _write(self) -> None:
        with self._lock:
            print(self.line(), file=self.stream, flush=True)
            self._last = time.monotonic()

    def due(self) -> bool:
        """Whether `every` seconds passed since the last line."""
        return time.monotonic() - self._last >= self.every

    def _beat(self) -> None:
        while not self._stop.wait(min(self.every, 5.0)):
            if self.due():
                self._write()

    def step(self) -> None:
        """One grid point done: a line, unless one was written less than `every` s ago."""
        self.done += 1
        if self.due() or self.done == self.total:
            self._write()

    def __enter__(self) -> "Progress":
        self._write()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
