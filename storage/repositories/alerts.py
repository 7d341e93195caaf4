"""Past-due alerts and their reminders: the scan's query and the deliverer's outbox.

The scan claims in the database, set-based (``storage.repositories.claims``): a statement
per kind of claim whatever the number of rows. ``past_due`` streams the same past-due rows
to Python for callers that want them one by one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import (
    ColumnElement,
    Connection,
    Executable,
    Integer,
    Row,
    Select,
    Table,
    and_,
    bindparam,
    case,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from domain.alert_views import DIGEST_PREFIX
from domain.model import InvoiceStatus
from domain.records import Alert, Claim, Claimed, PastDueRow, Reminder
from storage.errors import ConflictError, unique_violation
from storage.models import AccountRow, AlertRow, AlertScanRow, InvoiceRow, ReminderRow, SubscriptionRow
from storage.repositories import claims, mapping
from storage.repositories.base import SqlRepository, batches, table_of

STREAM_BATCH = 5000  # rows fetched per round trip by past_due
CLAIM_WORK_MEM = "64MB"  # PostgreSQL: a million subscriptions' past-due rows sort in about 12 MB
INSERT_BATCH = 5000  # rows per executemany
OPEN = (AlertRow.settled_attempt_id.is_(None), AlertRow.closed_reason.is_(None))  # as uq_alerts_open
UNDELIVERED = or_(AlertRow.ts.is_(None), AlertRow.delivered_version < AlertRow.version)  # as the partial index


class SqlAlerts(SqlRepository):
    def past_due(self, today: dt.date) -> Iterator[PastDueRow]:
        """Every subscription with an overdue open invoice, by subscription id, streamed.

        One query: the oldest overdue open invoice per subscription (ties by invoice id)
        joined to the subscription and to its open alert, if any.
        """
        stmt = _past_due_query(today).execution_options(yield_per=STREAM_BATCH)
        result = self.session.connection().execute(stmt)
        try:
            for row in result:
                yield _past_due_row(row)
        finally:
            result.close()

    def open_for(self, subscription_id: str) -> Alert | None:
        stmt = select(AlertRow).where(AlertRow.subscription_id == subscription_id, *OPEN)
        row = self._first(stmt)
        return None if row is None else mapping.alert(row)

    def get(self, alert_id: str) -> Alert | None:
        row = self._get(AlertRow, alert_id)
        return None if row is None else mapping.alert(row)

    def get_many(self, alert_ids: Iterable[str]) -> dict[str, Alert]:
        return {row.id: mapping.alert(row) for row in self._by_ids(AlertRow, alert_ids)}

    def add(self, alerts: Iterable[Alert]) -> None:
        """Bulk insert; a second open alert for a subscription raises ConflictError."""
        self._insert_all(AlertRow, (_alert_tuple(a) for a in alerts))

    def save(self, alert: Alert) -> None:
        """Upsert; reopening a second alert for a subscription raises ConflictError (no
        savepoint here: roll back after it)."""
        with _conflicts():
            self._upsert(AlertRow, mapping.alert_values(alert))

    def claim(self, claim: Claim) -> Claimed:
        """One ``INSERT ... SELECT`` into the narrow claims table, then the scan's row
        (``storage.repositories.claims``). Only counts come back (no row crosses into Python)."""
        connection = self._for_claims()
        connection.execute(claims.new_claims(claim))
        alerts, reminders = connection.execute(claims.claim_counts(claim.id_prefix)).one()
        self.session.add(AlertScanRow(
            id=claim.id_prefix, at=claim.now, default_channel=claim.default_channel,
            digest_threshold=claim.digest_threshold, alerts=alerts, reminders=reminders, taken_at=None,
        ))  # fmt: skip
        self.session.flush()
        return Claimed(alerts, reminders)

    def take_claims(self, now: dt.datetime) -> Claimed:
        """Each untaken scan's claims, oldest scan first, into alerts and reminders: an
        ``INSERT ... SELECT`` and an ``UPDATE`` for each kind, then the claims go."""
        scans = self.session.scalars(
            select(AlertScanRow).where(AlertScanRow.taken_at.is_(None)).order_by(AlertScanRow.at, AlertScanRow.id)
        ).all()
        made = Claimed()
        for scan in scans:
            made += self._take(scan)
            scan.taken_at = now
        self.session.flush()
        return made

    def _take(self, scan: AlertScanRow) -> Claimed:
        connection = self._for_claims()
        counted = {"preserve_rowcount": True}  # for an INSERT ... SELECT too
        with _conflicts():
            alerts = connection.execute(claims.new_alerts(scan), execution_options=counted).rowcount
            connection.execute(claims.mark_past_due(scan))
            reminders = connection.execute(claims.new_reminders(scan), execution_options=counted).rowcount
            connection.execute(claims.advance(scan))
        connection.execute(claims.taken(scan))
        digests = connection.execute(claims.digest_counts(scan)).all() if alerts else []
        return Claimed(alerts, reminders, {channel: count for channel, count in digests})

    def claimed(self, claim: Claim) -> tuple[list[Alert], list[Reminder]]:
        def made(table: Table, tag: str) -> list[ColumnElement[bool]]:
            return claims.claimed(table, claim.id_prefix, claim.now, tag)

        alerts = self._rows(select(claims.ALERTS).where(*made(claims.ALERTS, "a")).order_by(AlertRow.id))
        reminders = self._rows(select(claims.REMINDERS).where(*made(claims.REMINDERS, "r")).order_by(ReminderRow.id))
        return [mapping.alert(row) for row in alerts], [mapping.reminder(row) for row in reminders]

    def _for_claims(self) -> Connection:
        """The session's connection; on PostgreSQL, with room to sort the past-due rows in
        memory and without JIT compilation (slower than the claims it would compile), for
        this transaction only."""
        connection = self.session.connection()
        if connection.dialect.name == "postgresql":
            local = True  # set_config's is_local: until the end of the transaction
            connection.execute(select(
                func.set_config("work_mem", CLAIM_WORK_MEM, local), func.set_config("jit", "off", local)
            ))  # fmt: skip
        return connection

    def awaiting_digest(self, channel: str) -> list[Alert]:
        stmt = (
            select(table_of(AlertRow))
            .where(UNDELIVERED, AlertRow.ts == DIGEST_PREFIX, AlertRow.channel == channel, *OPEN)
            .order_by(AlertRow.created_at, AlertRow.id)
        )  # fmt: skip
        return [mapping.alert(row) for row in self._rows(stmt)]

    def mark_posted(self, alert_ids: Iterable[str], ts: str) -> None:
        table = table_of(AlertRow)
        for batch in batches(alert_ids):
            self.session.connection().execute(
                update(table)
                .where(table.c.id.in_(batch))
                .values(ts=ts, delivered_version=table.c.version, failures=0, retry_at=None)
            )

    def mark_delivered(self, delivered: Iterable[tuple[str, str, int]]) -> None:
        """One ``UPDATE`` per alert, sent as one executemany per batch."""
        for batch in batches(delivered):
            self.session.connection().execute(
                _mark_delivered(), [{"b_id": i, "b_ts": ts, "b_version": v} for i, ts, v in batch]
            )

    def add_reminders(self, reminders: Iterable[Reminder]) -> None:
        """Bulk insert; a second reminder for the same alert and stage raises ConflictError."""
        self._insert_all(ReminderRow, (tuple(getattr(r, n) for n in mapping.REMINDER_FIELDS) for r in reminders))

    def save_reminder(self, reminder: Reminder) -> None:
        with _conflicts():
            self._upsert(ReminderRow, mapping.reminder_values(reminder))

    def undelivered(
        self, limit: int, due_at: dt.datetime | None = None, subscription_id: str | None = None
    ) -> list[Alert]:
        """Alerts not yet posted, or posted at an older version: those never set aside first,
        oldest first, then those set aside by when they fell due again."""
        if subscription_id is not None and due_at is not None:  # the refresh after each settlement
            found = self._rows(_undelivered_of_one(), {"sub": subscription_id, "at": due_at, "n": limit})
            return [mapping.alert(row) for row in found]
        mine = [] if subscription_id is None else [AlertRow.subscription_id == subscription_id]
        stmt = (
            select(table_of(AlertRow))
            .where(UNDELIVERED, *_due(AlertRow.retry_at, due_at), *mine)
            .order_by(AlertRow.retry_at.is_not(None), AlertRow.retry_at, AlertRow.created_at, AlertRow.id)
            .limit(limit)
        )  # fmt: skip
        return [mapping.alert(row) for row in self._rows(stmt)]

    def undelivered_reminders(self, limit: int, due_at: dt.datetime | None = None) -> list[Reminder]:
        """Reminders not yet posted whose alert's message is (a thread to reply in), ordered as
        ``undelivered``."""
        stmt = (
            select(table_of(ReminderRow))
            .join(AlertRow, AlertRow.id == ReminderRow.alert_id)
            .where(ReminderRow.ts.is_(None), AlertRow.ts.is_not(None), AlertRow.ts != DIGEST_PREFIX,
                   *_due(ReminderRow.retry_at, due_at))
            .order_by(ReminderRow.retry_at.is_not(None), ReminderRow.retry_at, ReminderRow.created_at, ReminderRow.id)
            .limit(limit)
        )  # fmt: skip
        return [mapping.reminder(row) for row in self._rows(stmt)]

    def set_aside(self, alert_ids: Iterable[str], retry_at: dt.datetime) -> None:
        """Count a failed delivery of each alert; none is undelivered before ``retry_at``."""
        self._set_aside(AlertRow, alert_ids, retry_at)

    def set_aside_reminders(self, reminder_ids: Iterable[str], retry_at: dt.datetime) -> None:
        self._set_aside(ReminderRow, reminder_ids, retry_at)

    def due_again(self, at: dt.datetime) -> None:
        for table in (table_of(AlertRow), table_of(ReminderRow)):
            self.session.connection().execute(update(table).where(table.c.retry_at > at).values(retry_at=at))

    def _set_aside(self, model: type[AlertRow] | type[ReminderRow], ids: Iterable[str], at: dt.datetime) -> None:
        table = table_of(model)
        for batch in batches(ids):
            self.session.connection().execute(
                update(table).where(table.c.id.in_(batch)).values(failures=table.c.failures + 1, retry_at=at)
            )

    def _insert_all(self, model: type[AlertRow] | type[ReminderRow], rows: Iterable[tuple[Any, ...]]) -> None:
        """Insert ``rows`` (values in the table's column order) in bulk inside a savepoint:
        on ConflictError the transaction stays usable."""
        table = table_of(model)
        names = [c.name for c in table.columns]
        with _conflicts(), self.session.begin_nested():
            connection = self.session.connection()
            if connection.dialect.name == "postgresql":
                _copy(connection, table, names, rows)
                return
            for batch in batches(rows, INSERT_BATCH):
                connection.execute(insert(table), [dict(zip(names, row, strict=True)) for row in batch])


def _copy(connection: Connection, table: Table, names: list[str], rows: Iterable[tuple[Any, ...]]) -> None:
    """PostgreSQL's COPY, in the session's transaction: three times executemany's speed here."""
    stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(n) for n in names)
    )
    driver = connection.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    try:
        with driver.cursor() as cursor, cursor.copy(stmt) as copy:
            for row in rows:
                copy.write_row(row)
    except psycopg.errors.IntegrityError as exc:  # as SQLAlchemy would have wrapped it
        raise IntegrityError(stmt.as_string(driver), None, exc) from exc


@cache
def _mark_delivered() -> Executable:
    table = table_of(AlertRow)
    version = bindparam("b_version", type_=Integer())
    return (
        update(table).where(table.c.id == bindparam("b_id"))
        .values(ts=bindparam("b_ts"), failures=0, retry_at=None, delivered_version=case(
            (table.c.delivered_version > version, table.c.delivered_version), else_=version))
    )  # fmt: skip


def _alert_tuple(a: Alert) -> tuple[Any, ...]:
    """An alert's values in the column order of ``alerts`` (as ALERT_FIELDS)."""
    return tuple(getattr(a, name) for name in mapping.ALERT_FIELDS)


@cache
def _undelivered_of_one() -> Select[Any]:
    """``undelivered`` of one subscription, due by ``:at``: built once, since a statement built
    anew has its cache key worked out anew (the larger part of the refresh after a settlement)."""
    return (
        select(table_of(AlertRow))
        .where(UNDELIVERED, *_due(AlertRow.retry_at, bindparam("at")), AlertRow.subscription_id == bindparam("sub"))
        .order_by(AlertRow.retry_at.is_not(None), AlertRow.retry_at, AlertRow.created_at, AlertRow.id)
        .limit(bindparam("n"))
    )  # fmt: skip


def _due(retry_at: Any, at: Any) -> list[ColumnElement[bool]]:
    """Not set aside, or due again by ``at`` (None: whether set aside or not)."""
    return [] if at is None else [or_(retry_at.is_(None), retry_at <= at)]


@contextmanager
def _conflicts() -> Iterator[None]:
    """Turn a unique violation into ConflictError."""
    try:
        yield
    except IntegrityError as exc:
        what = unique_violation(exc)
        if what is None:
            raise
        raise ConflictError(what) from exc


def _past_due_query(today: dt.date) -> Select[Any]:
    oldest = func.row_number().over(
        partition_by=InvoiceRow.subscription_id, order_by=(InvoiceRow.due_date, InvoiceRow.id)
    )
    overdue = (
        select(
            InvoiceRow.subscription_id, InvoiceRow.due_date, InvoiceRow.id.label("episode"),
            oldest.label("nth"),
        )
        .where(InvoiceRow.status == InvoiceStatus.OPEN.value, InvoiceRow.due_date < today)
        .subquery("overdue")
    )  # fmt: skip
    alert_columns = [getattr(AlertRow, name).label(f"alert_{name}") for name in mapping.ALERT_FIELDS]
    return (
        select(
            SubscriptionRow.id, SubscriptionRow.account_id, overdue.c.due_date,
            overdue.c.episode, AccountRow.channel, *alert_columns,
        )
        .join(overdue, overdue.c.subscription_id == SubscriptionRow.id)
        .join(AccountRow, AccountRow.id == SubscriptionRow.account_id)
        .outerjoin(AlertRow, and_(AlertRow.subscription_id == SubscriptionRow.id, *OPEN))
        .where(overdue.c.nth == 1)
        .order_by(SubscriptionRow.id)
    )  # fmt: skip


def _past_due_row(row: Row[Any]) -> PastDueRow:
    """Columns as selected: the subscription's five, then the alert's in ALERT_FIELDS order."""
    values: tuple[Any, ...] = tuple(row)
    alert = None if values[5] is None else Alert(*values[5:])
    return PastDueRow(values[0], values[1], values[2], values[3], alert, values[4])
