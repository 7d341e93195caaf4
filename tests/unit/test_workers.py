"""Where after-ack jobs run: priorities, lanes, draining on close, failures contained."""

from __future__ import annotations

import threading
import time
from typing import Any

from bot.workers import LocalWorkers
from handlers.work import FOLLOW_UP, LATER, NOW, SOON, TASKS, Job, job, task

ran: list[tuple[str, Any]] = []
gate = threading.Event()


@task
def note(deps: Any, label: str) -> None:
    ran.append((label, deps))


@task
def blocked(deps: Any, label: str) -> None:
    gate.wait(5)
    ran.append((label, deps))


@task
def settles_then_follows(workers: LocalWorkers, label: str) -> None:
    ran.append((label, "settled"))
    workers.submit(job(note, f"receipt of {label}", priority=FOLLOW_UP))


@task
def broken(deps: Any) -> None:
    raise RuntimeError("boom")


def setup_function() -> None:
    ran.clear()
    gate.clear()


def test_a_job_names_a_registered_task_and_carries_its_priority() -> None:
    made = job(note, "x", priority=SOON)
    assert TASKS[made.task] is note and made.args == ("x",) and made.interactive
    assert not job(note, "y").interactive and job(note, "y").priority == LATER


def test_interactive_jobs_run_while_every_settlement_thread_is_busy() -> None:
    workers = LocalWorkers(threads=2, interactive_threads=1)
    workers.start("deps")  # type: ignore[arg-type]
    for n in range(4):
        workers.submit(job(blocked, f"settle-{n}"))
    workers.submit(job(note, "open", priority=NOW))
    deadline = time.time() + 5
    while ("open", "deps") not in ran and time.time() < deadline:
        time.sleep(0.01)
    assert ran == [("open", "deps")]  # the settlements still wait on the gateway
    gate.set()
    workers.close()
    assert sorted(label for label, _ in ran) == ["open", "settle-0", "settle-1", "settle-2", "settle-3"]


def test_now_goes_before_soon_and_close_drains_everything() -> None:
    workers = LocalWorkers(threads=1, interactive_threads=1)
    workers.submit(job(note, "soon-1", priority=SOON))
    workers.submit(job(note, "soon-2", priority=SOON))
    workers.submit(job(note, "now", priority=NOW))
    workers.start("deps")  # type: ignore[arg-type]
    workers.close()
    assert [label for label, _ in ran] == ["now", "soon-1", "soon-2"]


def test_a_failing_job_is_logged_and_the_workers_go_on(caplog) -> None:
    workers = LocalWorkers(threads=1, interactive_threads=1)
    workers.start("deps")  # type: ignore[arg-type]
    workers.submit(job(broken))
    workers.submit(Job("nobody.knows_this", ()))
    workers.submit(job(note, "after"))
    assert workers.wait_idle(5)
    workers.close()
    assert ran == [("after", "deps")]
    assert "failed (ref" in caplog.text and "unknown task" in caplog.text


def test_follow_ups_have_threads_of_their_own_and_those_submitted_while_closing_still_run() -> None:
    workers = LocalWorkers(threads=1, interactive_threads=1, follow_up_threads=1)
    workers.start(workers)  # type: ignore[arg-type]  # the tasks get the workers as their deps
    workers.submit(job(blocked, "settle-0"))  # the only settlement thread waits on the gateway
    workers.submit(job(note, "receipt of an earlier one", priority=FOLLOW_UP))
    deadline = time.time() + 5
    while not ran and time.time() < deadline:
        time.sleep(0.01)
    assert [label for label, _ in ran] == ["receipt of an earlier one"]
    workers.submit(job(settles_then_follows, "settle-1"))
    gate.set()
    workers.close()  # settlements first, then their follow-ups: none is left behind
    assert [label for label, _ in ran][1:] == ["settle-0", "settle-1", "receipt of settle-1"]
