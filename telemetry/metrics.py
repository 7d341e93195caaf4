"""Every Prometheus instrument settlebot has, named once (the README's Operations section
says what each means and what to alert on).

``prometheus_client`` picks its storage when it is first imported: in memory, or (when
``PROMETHEUS_MULTIPROC_DIR`` is set) files shared by every process of a host. So it is
imported here only when the instruments are first used, after the server has set that
directory up (``telemetry.multiproc``); nothing imports it at module level.
"""

from __future__ import annotations

import re
import threading
from typing import Any

PRIORITIES = {0: "now", 1: "soon", 2: "later", 3: "follow_up"}  # handlers.work's NOW, SOON, LATER, FOLLOW_UP
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 3.0, 5.0)  # Slack waits 3 s
WORK_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
CALL_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
SCAN_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
_LABEL = re.compile(r"[^A-Za-z0-9_.:/-]")


class Instruments:
    """The instruments, built once per process (``metrics()``)."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        # Read in tests and by processes without a metrics directory; in multiprocess mode the
        # scrape reads every process's files instead (``bot.metrics_http``).
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry

        def counter(name: str, doc: str, labels: tuple[str, ...] = ()) -> Any:
            return Counter(f"settlebot_{name}", doc, labels, registry=r)

        def histogram(name: str, doc: str, labels: tuple[str, ...], buckets: tuple[float, ...]) -> Any:
            return Histogram(f"settlebot_{name}", doc, labels, buckets=buckets, registry=r)

        def gauge(name: str, doc: str, labels: tuple[str, ...] = ()) -> Any:
            return Gauge(f"settlebot_{name}", doc, labels, registry=r, multiprocess_mode="livesum")

        self.requests = counter(
            "requests", "Slack requests to POST /slack/events by kind and outcome", ("kind", "outcome")
        )
        self.ack_seconds = histogram("ack_seconds", "Time to answer a Slack request (the ack)", ("kind",), ACK_BUCKETS)
        self.jobs = counter("jobs", "After-ack jobs run, by task and outcome", ("task", "outcome"))
        self.job_wait_seconds = histogram(
            "job_wait_seconds", "Time a job waited from its submission to its start", ("priority",), WORK_BUCKETS
        )
        self.job_seconds = histogram("job_seconds", "Time a job ran", ("priority",), WORK_BUCKETS)
        self.job_queue_depth = gauge("job_queue_depth", "Jobs submitted and not yet started", ("priority",))
        self.settlements = counter(
            "settlements", "Saves that tried to settle, by outcome and decline or refusal reason", ("outcome", "reason")
        )
        self.reconciled = counter("reconciled", "Pending settlements completed by reconciliation", ("outcome",))
        self.gateway_seconds = histogram(
            "gateway_seconds", "Payment gateway calls' duration", ("operation",), CALL_BUCKETS
        )
        self.gateway_errors = counter(
            "gateway_errors", "Payment gateway calls that raised (unreachable, or a fault)", ("operation", "error")
        )
        self.slack_calls = counter(
            "slack_calls", "Slack Web API calls by method and error (ok when none)", ("method", "error")
        )
        self.slack_call_seconds = histogram(
            "slack_call_seconds", "Slack Web API calls' duration, retries included", ("method",), CALL_BUCKETS
        )
        self.slack_retries = counter(
            "slack_retries", "Slack calls retried, by method and reason (429, ratelimited, 5xx, connection)",
            ("method", "reason"),
        )  # fmt: skip
        self.scan_seconds = histogram("scan_seconds", "Duration of the past-due scan", (), SCAN_BUCKETS)
        self.scan_claims = counter("scan_claims", "Alerts and reminders the scans claimed", ("kind",))
        self.deliveries = counter("deliveries", "Outbox delivery results (posted, updated, replies...)", ("kind",))
        self.scheduler_leader = gauge("scheduler_leader", "1 while a process of this host runs the scheduled jobs")


_instruments: Instruments | None = None
_lock = threading.Lock()


def metrics() -> Instruments:
    """This process's instruments (built on first use)."""
    global _instruments
    if _instruments is None:
        with _lock:
            if _instruments is None:
                _instruments = Instruments()
    return _instruments


def label(value: object, limit: int = 40) -> str:
    """A label value from something that varies (an error code, a reason): short, plain characters."""
    return _LABEL.sub("_", str(value))[:limit] or "none"


def priority_name(priority: int) -> str:
    return PRIORITIES.get(priority, "other")


def outcome_of_status(status: int) -> str:
    """A request's outcome from its HTTP status."""
    if status < 300:
        return "ok"
    return {400: "bad_request", 401: "unauthorized", 405: "bad_request", 413: "too_large", 503: "unavailable"}.get(
        status, "error" if status >= 500 else "refused"
    )
