"""Work done after Slack has been acknowledged, as named jobs that a worker runs.

A listener checks what it can without the database, acks, and submits a ``Job``: a task's
name and plain, picklable arguments. The same jobs run on threads of the serving process or
in separate worker processes (``WORKERS``), so the process that acks never waits for the GIL
behind a settlement.

Priorities: ``NOW`` for what must happen within the 3 seconds of a trigger id (opening a
modal), ``SOON`` for what a person is looking at (filling a modal, answering a command, the
Home tab), ``LATER`` for settlements, which wait on the gateway, ``FOLLOW_UP`` for what comes
after a result already shown (a receipt, an alert refreshed). NOW and SOON jobs have threads
of their own, so that a burst of slow settlements never delays a modal; FOLLOW_UP jobs have a
thread of their own, so that under load the next settlements go before them.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from slack_sdk.errors import SlackApiError

from domain.ports import StorageUnavailable
from telemetry import context
from telemetry.metrics import metrics, priority_name

if TYPE_CHECKING:
    from handlers.context import Deps

log = logging.getLogger(__name__)
Task = Callable[..., None]
TASKS: dict[str, Task] = {}


NOW, SOON, LATER, FOLLOW_UP = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class Job:
    task: str
    args: tuple[Any, ...]
    priority: int = LATER
    ids: tuple[tuple[str, str], ...] = ()  # the submitter's log ids (its request id...), carried to the worker
    submitted_at: float = 0.0  # time.time(): the queue wait is measured across processes

    @property
    def interactive(self) -> bool:
        return self.priority < LATER


class JobQueue(Protocol):
    def submit(self, job: Job) -> None: ...


def task(fn: Task) -> Task:
    """Register ``fn(deps, *args)`` under its module-qualified name, so that workers find it."""
    TASKS[_name(fn)] = fn
    return fn


def job(fn: Task, *args: Any, priority: int = LATER) -> Job:
    name = _name(fn)
    if TASKS.get(name) is not fn:
        raise ValueError(f"{name} is not a registered task")
    return Job(name, args, priority, tuple(context.current().items()), time.time())


def _name(fn: Task) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def new_reference() -> str:
    return uuid.uuid4().hex[:10]


def run_job(deps: Deps, work: Job) -> None:
    """Run one job under its submitter's log ids and a job id of its own, timed and counted;
    its failure is logged (kind and reference only), never raised."""
    fn = TASKS.get(work.task)
    if fn is None:
        log.error("unknown task %s dropped", work.task[:80])
        return
    started, priority = time.time(), priority_name(work.priority)
    if work.submitted_at:
        metrics().job_wait_seconds.labels(priority).observe(max(0.0, started - work.submitted_at))
    with context.bind(**{**dict(work.ids), "job_id": context.new_id()}):  # a job's own id, its submitter's others
        outcome = _run(deps, fn, work)
    instruments = metrics()
    instruments.job_seconds.labels(priority).observe(time.time() - started)
    instruments.jobs.labels(work.task.rsplit(".", 1)[-1], outcome).inc()


def _run(deps: Deps, fn: Task, work: Job) -> str:
    try:
        fn(deps, *work.args)
    except StorageUnavailable as exc:
        log.warning("%s not done: the database is unavailable (%s)", work.task, exc)
        return "unavailable"
    except SlackApiError as exc:
        log.warning("%s: Slack answered %s (ref %s)", work.task, exc.response.get("error"), new_reference())
        return "slack_error"
    except Exception:
        log.exception("%s failed (ref %s)", work.task, new_reference())
        return "failed"
    return "ok"
