"""Closed-loop load of signed Stripe webhooks: ``concurrency`` workers each POST the next event as
soon as their previous one is answered, signed just before it is sent (as Stripe does), timed from
before connecting to the answer, in a process of its own (see ``bench.load``)."""

from __future__ import annotations

import multiprocessing
import queue
import threading
import time
from typing import Any

from bench.load import Sample
from sandbox.fake_stripe.webhooks import post, sign


def send(url: str, secret: str, payloads: list[str], concurrency: int) -> Sample:
    """POST every payload to `url`; a non-2xx answer (or none) is an error."""
    ctx = multiprocessing.get_context("spawn")
    results: Any = ctx.Queue()
    sender = ctx.Process(target=_send, args=(url, secret, payloads, concurrency, results), daemon=True)
    sender.start()
    latencies, errors, wall = results.get()
    sender.join()
    return Sample(latencies, errors, wall)


def _send(url: str, secret: str, payloads: list[str], concurrency: int, results: Any) -> None:
    todo: queue.SimpleQueue[str] = queue.SimpleQueue()
    for payload in payloads:
        todo.put(payload)
    lock, latencies, errors = threading.Lock(), [], [0]

    def worker() -> None:
        while True:
            try:
                payload = todo.get_nowait()
            except queue.Empty:
                return
            start = time.perf_counter()
            status = post(url, payload, sign(payload, secret), timeout=30)
            took = time.perf_counter() - start
            with lock:
                latencies.append(took)
                errors[0] += status is None or not 200 <= status < 300

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, name=f"hook-{k}") for k in range(min(concurrency, len(payloads)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put((latencies, errors[0], time.perf_counter() - started))
