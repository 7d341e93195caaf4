"""Run one function from several threads at once and collect what each got."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def run_together(count: int, work: Callable[[int], T]) -> list[T | BaseException]:
    """Start ``count`` threads that call ``work(i)`` as nearly together as a barrier allows."""
    barrier = threading.Barrier(count)
    results: list[T | BaseException] = [RuntimeError("did not finish")] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except BaseException as exc:  # collected for the test to inspect
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results
