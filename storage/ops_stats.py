"""What an operator watches in the database, read cheaply at scrape time: the outbox backlog
and settlements left pending, each as a count and its oldest row's time (every query but the
claims' reads a partial index; claims are few between a scan and the next delivery run)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, Engine, column, func, select, table
from sqlalchemy.orm import InstrumentedAttribute

from storage.models import ALERT_CLAIMS, AlertRow, ReminderRow, SettlementAttemptRow
from storage.repositories.alerts import UNDELIVERED

_Created = ColumnElement[dt.datetime] | InstrumentedAttribute[dt.datetime]


@dataclass(frozen=True, slots=True)
class Backlog:
    count: int
    oldest: dt.datetime | None  # created_at of the oldest row, None when there is none


@dataclass(frozen=True, slots=True)
class OpsStats:
    alerts: Backlog  # alerts not yet posted, or posted at an older version (an update due)
    reminders: Backlog  # reminders not yet posted
    claims: Backlog  # what a scan claimed and the deliverer has not yet taken
    pending: Backlog  # settlement attempts still pending (the gateway's answer not recorded)


def ops_stats(engine: Engine) -> OpsStats:
    with engine.connect() as connection:
        return OpsStats(
            alerts=_backlog(connection, AlertRow.created_at, UNDELIVERED),
            reminders=_backlog(connection, ReminderRow.created_at, ReminderRow.ts.is_(None)),
            claims=_backlog(connection, ALERT_CLAIMS.c.created_at, None),
            pending=_backlog(connection, SettlementAttemptRow.created_at, SettlementAttemptRow.outcome == "pending"),
        )


def _backlog(connection: Connection, created: _Created, where: ColumnElement[bool] | None) -> Backlog:
    stmt = select(func.count(), func.min(created))  # FROM the column's table
    count, oldest = connection.execute(stmt if where is None else stmt.where(where)).one()
    return Backlog(int(count), oldest)


def schema_version(engine: Engine) -> str | None:
    """The schema's Alembic revision: the database answers and holds settlebot's tables."""
    version = table("alembic_version", column("version_num"))
    with engine.connect() as connection:
        return connection.execute(select(version.c.version_num)).scalar()
