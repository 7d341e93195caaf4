"""Closed-loop load: ``concurrency`` workers each send the next signed request as soon as
their previous one is answered; latency is measured from before connecting to the last byte,
in a process of its own."""

from __future__ import annotations

import math
import multiprocessing
import multiprocessing.queues
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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


@dataclass(frozen=True)
class Sample:
    """One run of a load, raw: each request's latency in seconds, errors, wall time."""

    latencies: list[float]
    errors: int
    wall: float

    @property
    def stats(self) -> Stats:
        return combine([self])


def combine(runs: list[Sample]) -> Stats:
    """Runs of the same load as one figure: p50 is the median of the runs' p50s (a run that met a
    busy minute of the machine does not move it), p99 and max are over every request of every
    run (the worst is never left out)."""
    ms = [s * 1000 for run in runs for s in run.latencies] or [0.0]
    p50s = sorted(percentile([s * 1000 for s in run.latencies] or [0.0], 0.5) for run in runs)
    requests, wall = sum(len(run.latencies) for run in runs), sum(run.wall for run in runs)
    return Stats(requests, sum(run.errors for run in runs), p50s[len(p50s) // 2], percentile(ms, 0.99), max(ms),
                 requests / wall if wall > 0 else 0.0)  # fmt: skip


def run_load(url: str, secret: str, make: Callable[[int], Body], n: int, concurrency: int) -> tuple[Sample, list[Body]]:
    """Send request ``make(i)`` for i in 0..n-1; the bodies sent are returned for replaying.

    The requests are sent, and timed, by a separate process: the fake Slack serving the app
    runs in this one, and sharing a GIL with it would count its work as the app's latency.
    Bodies are made here just ahead of need (a trigger id in one lives 3 seconds)."""
    ctx = multiprocessing.get_context("spawn")
    bodies: multiprocessing.queues.Queue[Body | None] = ctx.Queue(maxsize=2 * concurrency)
    results: multiprocessing.queues.Queue[tuple[list[float], int, float]] = ctx.Queue()
    sender = ctx.Process(target=_send, args=(url, secret, bodies, results, min(concurrency, n)), daemon=True)
    sender.start()
    sent: list[Body] = []
    for i in range(n):
        sent.append(make(i))
        bodies.put(sent[-1])
    for _ in range(min(concurrency, n)):
        bodies.put(None)
    latencies, errors, wall = results.get()
    sender.join()
    return Sample(latencies, errors, wall), sent


def _send(url: str, secret: str, bodies: Any, results: Any, concurrency: int) -> None:
    """The load generator's process: ``concurrency`` threads send bodies as they come."""
    requester = SlackRequester(url, secret, timeout=30)
    lock = threading.Lock()
    latencies: list[float] = []
    errors = [0]

    def worker() -> None:
        while (body := bodies.get()) is not None:
            start = time.perf_counter()
            response = requester.post(*body)
            took = time.perf_counter() - start
            with lock:
                latencies.append(took)
                errors[0] += response.status != 200

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, name=f"load-{k}") for k in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put((latencies, errors[0], time.perf_counter() - started))


def replay(url: str, secret: str, bodies: list[Body], concurrency: int) -> Sample:
    """The same requests again (re-signed now), e.g. to a baseline app."""
    sample, _ = run_load(url, secret, lambda i: bodies[i], len(bodies), concurrency)
    return sample
