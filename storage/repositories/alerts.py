"""Past-due alerts and their reminders: the scan's query and the deliverer's outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Row, Select, and_, func, insert, or_, select
from sqlalchemy.exc import IntegrityError

from domain.model import InvoiceStatus
from domain.records import Alert, PastDueRow, Reminder
from storage.errors import ConflictError, unique_violation
from storage.models import AlertRow, InvoiceRow, ReminderRow, SubscriptionRow
from storage.repositories import mapping
from storage.repositories.base import SqlRepository, batches

STREAM_BATCH = 2000  # rows fetched per round trip by past_due


class SqlAlerts(SqlRepository):
    def past_due(self, today: dt.date) -> Iterator[PastDueRow]:
        """Every subscription with an overdue open invoice, by subscription id, streamed.

        One query: the oldest overdue open invoice per subscription (ties by invoice id)
        joined to the subscription and to its open alert, if any.
        """
        result = self.session.execute(_past_due_query(today), execution_options={"yield_per": STREAM_BATCH})
        try:
            for row in result:
                yield _past_due_row(row)
        finally:
            result.close()

    def open_for(self, subscription_id: str) -> Alert | None:
        stmt = select(AlertRow).where(
            AlertRow.subscription_id == subscription_id, AlertRow.settled_attempt_id.is_(None)
        )
        row = self._first(stmt)
        return None if row is None else mapping.alert(row)

    def get(self, alert_id: str) -> Alert | None:
        row = self._get(AlertRow, alert_id)
        return None if row is None else mapping.alert(row)

    def add(self, alerts: Iterable[Alert]) -> None:
        """Bulk insert; a second open alert for a subscription raises ConflictError."""
        self._insert_all(AlertRow, (mapping.alert_values(a) for a in alerts))

    def save(self, alert: Alert) -> None:
        """Upsert; reopening a second alert for a subscription raises ConflictError (no
        savepoint here, as the scan saves one alert per reminder: roll back after it)."""
        with _conflicts():
            self._upsert(AlertRow, mapping.alert_values(alert))

    def add_reminders(self, reminders: Iterable[Reminder]) -> None:
        """Bulk insert; a second reminder for the same alert and stage raises ConflictError."""
        self._insert_all(ReminderRow, (mapping.reminder_values(r) for r in reminders))

    def save_reminder(self, reminder: Reminder) -> None:
        with _conflicts():
            self._upsert(ReminderRow, mapping.reminder_values(reminder))

    def undelivered(self, limit: int) -> list[Alert]:
        """Alerts not yet posted, or posted at an older version; oldest first."""
        stmt = (
            select(AlertRow)
            .where(or_(AlertRow.ts.is_(None), AlertRow.delivered_version < AlertRow.version))
            .order_by(AlertRow.created_at, AlertRow.id).limit(limit)
        )  # fmt: skip
        return [mapping.alert(row) for row in self._all(stmt)]

    def undelivered_reminders(self, limit: int) -> list[Reminder]:
        stmt = (
            select(ReminderRow).where(ReminderRow.ts.is_(None))
            .order_by(ReminderRow.created_at, ReminderRow.id).limit(limit)
        )  # fmt: skip
        return [mapping.reminder(row) for row in self._all(stmt)]

    def _insert_all(self, model: type[AlertRow] | type[ReminderRow], rows: Iterable[Any]) -> None:
        """Insert in batches inside a savepoint: on ConflictError the transaction stays usable."""
        with _conflicts(), self.session.begin_nested():
            for batch in batches(rows):
                self.session.execute(insert(model), batch)


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
            overdue.c.episode, *alert_columns,
        )
        .join(overdue, overdue.c.subscription_id == SubscriptionRow.id)
        .outerjoin(AlertRow, and_(
            AlertRow.subscription_id == SubscriptionRow.id, AlertRow.settled_attempt_id.is_(None)
        ))
        .where(overdue.c.nth == 1)
        .order_by(SubscriptionRow.id)
    )  # fmt: skip


def _past_due_row(row: Row[Any]) -> PastDueRow:
    values = row._mapping
    alert = None
    if values["alert_id"] is not None:
        alert = Alert(**{name: values[f"alert_{name}"] for name in mapping.ALERT_FIELDS})
    return PastDueRow(row.id, row.account_id, row.due_date, row.episode, alert)
