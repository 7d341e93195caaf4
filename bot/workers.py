"""Where after-ack jobs run: threads of this process, or worker processes fed by queues.

``LocalWorkers``: threads taking jobs from priority queues (see ``handlers.work``).
``WorkerProcesses``: ``WORKERS`` processes, each with its own ``LocalWorkers``, database pool
and Web API client, started with ``spawn`` and restarted if one dies; the serving process
only puts jobs on their queues (interactive ones on a queue of their own). On shutdown every job already submitted
is finished before the workers exit.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import multiprocessing.connection
import os
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue as MpQueue
from typing import Any

from bot.settings import Settings
from handlers.context import Deps
from handlers.work import FOLLOW_UP, Job, run_job
from telemetry.metrics import metrics, priority_name

log = logging.getLogger(__name__)
_LAST = 99  # a stop marker's priority: after every job, so the queues are drained first
STARTING_SECONDS = 30.0  # how long a stop waits for a worker still starting to be ready


class LocalWorkers:
    """Threads running jobs, in three lanes: ``interactive_threads`` for NOW and SOON jobs (NOW
    first), ``threads`` for LATER ones, so that settlements waiting on the gateway never hold up
    a modal, and ``follow_up_threads`` for FOLLOW_UP jobs (a receipt, an alert refreshed after a
    result already shown), one by default: under load the next settlements go first, and the
    follow-ups never hold more than one of the ``DB_POOL_SIZE`` connections the settlements need
    (with four threads, throughput on PostgreSQL fell by a quarter). Started by ``start(deps)``."""

    def __init__(self, threads: int, interactive_threads: int = 8, follow_up_threads: int = 1) -> None:
        self._sizes = {INTERACTIVE: interactive_threads, SETTLING: threads, FOLLOWING: follow_up_threads}
        self._queues: dict[int, queue.PriorityQueue[tuple[int, int, Job | None]]] = {
            lane: queue.PriorityQueue() for lane in self._sizes
        }
        self._order = itertools.count(1)
        self._threads: list[tuple[int, threading.Thread]] = []
        self._deps: Deps | None = None
        self._idle = threading.Condition()
        self._busy = dict.fromkeys(self._sizes, 0)

    def start(self, deps: Deps) -> None:
        self._deps = deps
        for lane, size in self._sizes.items():
            for n in range(size):
                name = f"work-{LANE_NAMES[lane]}-{n}"
                thread = threading.Thread(target=self._loop, args=(lane,), name=name, daemon=True)
                thread.start()
                self._threads.append((lane, thread))

    def submit(self, job: Job) -> None:
        lane = lane_of(job)
        with self._idle:
            self._busy[lane] += 1
        metrics().job_queue_depth.labels(priority_name(job.priority)).inc()
        self._queues[lane].put((job.priority, next(self._order), job))

    def problems(self) -> list[str]:
        """Why these threads cannot take jobs (for readiness): none when all of them run."""
        if self._deps is None:
            return ["work threads not started"]
        dead = [thread.name for _, thread in self._threads if not thread.is_alive()]
        return [f"work thread {name} is not running" for name in dead[:3]]

    def wait_idle(self, timeout: float | None = None) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: not any(self._busy.values()), timeout)

    def _loop(self, lane: int) -> None:
        assert self._deps is not None
        while True:
            _, _, job = self._queues[lane].get()
            if job is None:
                return
            metrics().job_queue_depth.labels(priority_name(job.priority)).dec()
            try:
                run_job(self._deps, job)
            finally:
                with self._idle:
                    self._busy[lane] -= 1
                    self._idle.notify_all()

    def close(self) -> None:
        """Finish every job submitted so far, then stop the threads: lane by lane, so that the
        follow-ups a settlement submits while it finishes are run too."""
        for lane in sorted(self._sizes):
            threads = [thread for in_lane, thread in self._threads if in_lane == lane]
            for _ in threads:
                self._queues[lane].put((_LAST, next(self._order), None))
            for thread in threads:
                thread.join()
        self._threads.clear()


INTERACTIVE, SETTLING, FOLLOWING = 0, 1, 2  # lanes, closed in this order
LANE_NAMES = {INTERACTIVE: "now", SETTLING: "later", FOLLOWING: "after"}


def lane_of(job: Job) -> int:
    if job.interactive:
        return INTERACTIVE
    return FOLLOWING if job.priority >= FOLLOW_UP else SETTLING


@dataclass
class _Slot:
    """One worker process and its own two queues (a queue must not be shared: a process
    killed while waiting on it would leave its read lock taken for every other reader)."""

    process: BaseProcess
    urgent: MpQueue[Job | None]
    normal: MpQueue[Job | None]
    ready: Any  # a multiprocessing Event the worker sets once it takes jobs


class WorkerProcesses:
    """``settings.workers`` worker processes; ``submit`` only pickles the job onto a queue."""

    def __init__(self, settings: Settings, forget: Callable[[int], None] = lambda pid: None) -> None:
        self._settings = settings
        self._forget = forget  # a worker that is gone: its live metrics go too
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._turn = itertools.count()
        self._closing = threading.Event()
        self._slots = [self._spawn(n) for n in range(settings.workers)]
        self._watch = threading.Thread(target=self._watch_loop, name="worker-watch", daemon=True)
        self._watch.start()

    def _spawn(self, n: int) -> _Slot:
        urgent: MpQueue[Job | None] = self._context.Queue()
        normal: MpQueue[Job | None] = self._context.Queue()
        ready = self._context.Event()
        process = self._context.Process(
            target=worker_main, args=(self._settings, urgent, normal, ready), name=f"settlebot-worker-{n}",
            daemon=False,
        )  # fmt: skip
        process.start()
        return _Slot(process, urgent, normal, ready)

    def problems(self) -> list[str]:
        """Why the workers cannot take jobs now (for readiness): none when every one is up."""
        found = []
        for slot in list(self._slots):
            if not slot.process.is_alive():
                found.append(f"worker {slot.process.name} is not running")
            elif not slot.ready.is_set():
                found.append(f"worker {slot.process.name} is starting")
        return found

    def submit(self, job: Job) -> None:
        """To the workers in turn."""
        with self._lock:
            slot = self._slots[next(self._turn) % len(self._slots)]
        (slot.urgent if job.interactive else slot.normal).put(job)

    def _watch_loop(self) -> None:
        """A worker that died (killed, out of memory) is replaced, with new queues; the jobs it
        had taken are lost (a settlement among them is completed by the reconciliation job)."""
        while not self._closing.wait(1.0):
            for n, slot in enumerate(list(self._slots)):
                if slot.process.is_alive() or self._closing.is_set():
                    continue
                log.error("worker %s exited (code %s); starting another", slot.process.name, slot.process.exitcode)
                if slot.process.pid is not None:
                    self._forget(slot.process.pid)
                with self._lock:
                    if self._closing.is_set():  # a stop began meanwhile: no new worker to orphan
                        return
                    self._slots[n] = self._spawn(n)
                for q in (slot.urgent, slot.normal):
                    q.cancel_join_thread()  # what the dead worker never read is dropped
                    q.close()

    def close(self, timeout: float = 60.0) -> None:
        """Let the workers finish every job already queued, then stop them."""
        self._closing.set()
        with self._lock:  # no worker is being replaced from here on
            slots = list(self._slots)
        for slot in slots:  # a worker still starting must have read its queues before they go
            if slot.process.is_alive():
                slot.ready.wait(STARTING_SECONDS)
        for slot in slots:
            slot.normal.put(None)  # behind every job queued; the worker stops on it
        for slot in slots:
            slot.process.join(timeout)
            if slot.process.is_alive():
                log.warning("worker %s did not stop in %.0f s; terminating it", slot.process.name, timeout)
                slot.process.terminate()
                slot.process.join(5)
            if slot.process.pid is not None:
                self._forget(slot.process.pid)
        for slot in slots:
            for q in (slot.urgent, slot.normal):
                q.close()
                q.join_thread()


def worker_main(
    settings: Settings, urgent: MpQueue[Job | None], normal: MpQueue[Job | None], ready: Any = None
) -> None:
    """A worker process: its own services, then jobs from both queues until told to stop
    (``ready`` is set once it takes them)."""
    import signal

    from bot.app import build_deps
    from bot.bootstrap import build_services
    from bot.heap import freeze_boot_heap
    from bot.logs import configure_logging

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the serving process decides when to stop
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if settings.worker_nice > 0:
        os.nice(settings.worker_nice)  # acks in the serving process go first
    configure_logging(settings.log_level, settings.log_format)
    _exit_with_parent()
    services = build_services(settings)
    local = LocalWorkers(settings.worker_threads)
    deps = build_deps(services, local)
    local.start(deps)
    freeze_boot_heap()
    if ready is not None:
        ready.set()
    _reader(urgent, local.submit, daemon=True)  # interactive jobs: taken at once, threads of their own
    _reader(normal, local.submit, daemon=False).join()  # until the stop marker, after every job
    local.close()
    services.close()


def _exit_with_parent() -> None:
    """A server killed outright (SIGKILL, OOM) leaves no one to stop its workers: they go too."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        log.error("the serving process is gone; this worker stops")
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _reader(source: MpQueue[Job | None], sink: Callable[[Job], Any], daemon: bool) -> threading.Thread:
    def loop() -> None:
        while True:
            try:
                item = source.get()
            except (EOFError, OSError):
                return
            if item is None:
                return
            sink(item)

    thread = threading.Thread(target=loop, name="worker-reader", daemon=daemon)
    thread.start()
    return thread
