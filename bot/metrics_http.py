"""``GET /metrics``: Prometheus' text format, summed over every process of the host (the
multiprocess directory) plus gauges read from the database at scrape time. Loopback may scrape
freely; anyone else needs ``Authorization: Bearer <METRICS_TOKEN>``."""

from __future__ import annotations

import datetime as dt
import hmac
import ipaddress
import logging
import os
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from storage.ops_stats import Backlog, ops_stats
from telemetry.metrics import metrics
from telemetry.multiproc import ENV, multiprocess_client

log = logging.getLogger(__name__)
KINDS = {"command": "slash_command", "block_actions": "block_actions", "view_submission": "view_submission",
         "view_closed": "view_closed", "event_callback": "event", "url_verification": "url_verification",
         "ssl_check": "ssl_check"}  # fmt: skip


def request_kind(body: dict[str, Any] | None) -> str:
    """One of a few fixed kinds (never text from the request: labels must stay few)."""
    if body is None:
        return "unknown"
    if "command" in body:
        return KINDS["command"]
    if "ssl_check" in body:
        return KINDS["ssl_check"]
    return KINDS.get(body.get("type"), "unknown") if isinstance(body.get("type"), str) else "unknown"


class MetricsEndpoint:
    def __init__(self, engine: Engine, token: str | None, now: Callable[[], dt.datetime] | None = None) -> None:
        self._engine = engine
        self._token = token.encode() if token else None
        self._now = now or (lambda: dt.datetime.now(dt.UTC))

    def __call__(self, environ: dict[str, Any]) -> Response:
        refusal = self._refusal(environ)
        if refusal is not None:
            return refusal
        from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess

        registry = CollectorRegistry()  # one per scrape, as the library's multiprocess docs show
        if multiprocess_client() and os.environ.get(ENV):
            multiprocess.MultiProcessCollector(registry)
        else:  # one process, no shared directory
            registry.register(_ThisProcess())
        registry.register(DatabaseCollector(self._engine, self._now))
        return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)

    def _refusal(self, environ: dict[str, Any]) -> Response | None:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return Response("method not allowed", status=405)
        if _loopback(environ.get("REMOTE_ADDR", "")):
            return None
        if self._token is None:
            return Response("metrics are served to loopback only (set METRICS_TOKEN)", status=403)
        given = environ.get("HTTP_AUTHORIZATION", "").encode()
        if not hmac.compare_digest(given, b"Bearer " + self._token):
            log.warning("refused a metrics scrape: missing or wrong bearer token")
            return Response("unauthorized", status=401, headers={"WWW-Authenticate": "Bearer"})
        return None


def _loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


class _ThisProcess:
    def collect(self) -> Iterator[Any]:
        yield from metrics().registry.collect()


class DatabaseCollector:
    """Outbox backlog and pending settlements, read when scraped; ``settlebot_database_up`` 0
    (and nothing else from here) when the database does not answer."""

    def __init__(self, engine: Engine, now: Callable[[], dt.datetime]) -> None:
        self._engine = engine
        self._now = now

    def describe(self) -> list[Any]:
        return []  # not read at registration, only when scraped

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        up = GaugeMetricFamily("settlebot_database_up", "1 when the database answered this scrape's queries")
        try:
            stats = ops_stats(self._engine)
        except SQLAlchemyError as exc:
            log.warning("metrics: the database is unavailable (%s)", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        backlog = GaugeMetricFamily("settlebot_outbox_backlog", "Outbox rows not yet delivered to Slack",
                                    labels=["kind"])  # fmt: skip
        age = GaugeMetricFamily("settlebot_outbox_oldest_age_seconds", "Age of the oldest undelivered outbox row",
                                labels=["kind"])  # fmt: skip
        for kind, row in (("alert", stats.alerts), ("reminder", stats.reminders), ("claim", stats.claims)):
            backlog.add_metric([kind], row.count)
            age.add_metric([kind], self._age(row))
        yield backlog
        yield age
        yield GaugeMetricFamily("settlebot_pending_settlements", "Settlement attempts still pending",
                                value=stats.pending.count)  # fmt: skip
        yield GaugeMetricFamily(
            "settlebot_pending_settlement_oldest_age_seconds", "Age of the oldest pending settlement attempt",
            value=self._age(stats.pending),
        )

    def _age(self, backlog: Backlog) -> float:
        return max(0.0, (self._now() - backlog.oldest).total_seconds()) if backlog.oldest else 0.0
