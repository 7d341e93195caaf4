"""Clocks for the fake: the wall clock, or a manual one that tests move by hand."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

Clock = Callable[[], float]
"""Anything returning the current time in epoch seconds, like `time.time`."""

system_clock: Clock = time.time


class ManualClock:
    """A clock that stands still until told to move (e.g. to expire a trigger id).

    Args:
        start: the initial epoch time in seconds.
    """

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by `seconds`."""
        with self._lock:
            self._now += seconds
