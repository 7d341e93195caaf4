"""Closed-loop load: ``concurrency`` workers each send the next signed request as soon as
their previous one is answered; latency is measured from before connecting to the last byte."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sandbox.signing import SlackRequester

Body = tuple[bytes, str]  # request body, content type


@dataclass(frozen=True)
class Stats:
    requests: int
    errors: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    per_second: float

    def as_dict(self) -> dict[str, float | int]:
        return {k: round(v, 2) if isinstance(v, float) else v for k, v in self.__dict__.items()}


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def summarize(latencies: list[float], errors: int, wall: float) -> Stats:
    ms = [s * 1000 for s in latencies] or [0.0]
    return Stats(len(latencies), errors, percentile(ms, 0.5), percentile(ms, 0.99), max(ms),
                 len(latencies) / wall if wall > 0 else 0.0)  # fmt: skip


def run_load(url: str, secret: str, make: Callable[[int], Body], n: int, concurrency: int) -> tuple[Stats, list[Body]]:
    """Send request ``make(i)`` for i in 0..n-1; the bodies sent are returned for replaying."""
    requester = SlackRequester(url, secret, timeout=30)
    lock = threading.Lock()
    counter = iter(range(n))
    latencies: list[float] = []
    sent: list[Body | None] = [None] * n
    errors = [0]

    def worker() -> None:
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            body = sent[i] = make(i)
            start = time.perf_counter()
            response = requester.post(*body)
            took = time.perf_counter() - start
            with lock:
                latencies.append(took)
                errors[0] += response.status != 200

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, name=f"load-{k}") for k in range(min(concurrency, n))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return summarize(latencies, errors[0], wall), [b for b in sent if b is not None]


def replay(url: str, secret: str, bodies: list[Body], concurrency: int) -> Stats:
    """The same requests again (re-signed now), e.g. to a baseline app."""
    stats, _ = run_load(url, secret, lambda i: bodies[i], len(bodies), concurrency)
    return stats
