"""Linked billing customers, the sync's cursor, and the webhook events received."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Executable, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from domain.billing import Link, LinkedVia
from storage.models import BillingLinkRow, BillingSyncRow, StripeEventRow
from storage.repositories.base import SqlRepository, table_of

SYNC_ROW = "stripe"


def _link(row: BillingLinkRow) -> Link:
    return Link(row.account_id, LinkedVia(row.via), row.linked_at, row.synced_at)


class SqlLinks(SqlRepository):
    def all(self) -> dict[str, Link]:
        return {row.account_id: _link(row) for row in self._all(select(BillingLinkRow))}

    def get(self, account_id: str) -> Link | None:
        row = self._get(BillingLinkRow, account_id)
        return None if row is None else _link(row)

    def save(self, link: Link) -> None:
        self._upsert(BillingLinkRow, {"account_id": link.account_id, "via": link.via.value,
                                      "linked_at": link.linked_at, "synced_at": link.synced_at})  # fmt: skip

    def remove(self, account_id: str) -> None:
        self.session.execute(
            delete(BillingLinkRow).where(BillingLinkRow.account_id == account_id),
            execution_options={"synchronize_session": False},
        )

    def cursor(self) -> str | None:
        row = self._get(BillingSyncRow, SYNC_ROW)
        return None if row is None else row.cursor

    def set_cursor(self, cursor: str | None, at: dt.datetime, *, full: bool = False) -> None:
        row = self._get(BillingSyncRow, SYNC_ROW)
        full_at = at if full else (row.full_at if row else None)
        self._upsert(BillingSyncRow, {"id": SYNC_ROW, "cursor": cursor, "synced_at": at, "full_at": full_at})

    def record_events(self, events: Sequence[tuple[str, str]], at: dt.datetime) -> set[str]:
        unique = dict(events)  # an id twice in one batch is inserted once
        if not unique:
            return set()
        values = [{"id": i, "type": t, "received_at": at, "handled_at": None} for i, t in unique.items()]
        statement = _record_events(self.session.get_bind().dialect.name).values(values)
        return set(self.session.scalars(statement))

    def claim_event(self, event_id: str, type_: str, at: dt.datetime) -> bool:
        values = {"id": event_id, "type": type_, "received_at": at, "handled_at": at}
        return self.session.execute(_claim_event(self.session.get_bind().dialect.name), values).first() is not None


def _record_events(dialect: str) -> Any:
    """INSERT the events not there yet, returning the ids this statement inserted (one statement
    for a batch: ``INSERT ... ON CONFLICT DO NOTHING RETURNING id``)."""
    table = table_of(StripeEventRow)
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    return insert.on_conflict_do_nothing(index_elements=["id"]).returning(table.c.id)


@cache
def _claim_event(dialect: str) -> Executable:
    """INSERT the event as handled, or mark it handled if a webhook recorded it and it is not yet;
    returns its id only when this statement did either (the row stays locked until the commit)."""
    table = table_of(StripeEventRow)
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    handled = {"handled_at": insert.excluded.handled_at}
    return insert.on_conflict_do_update(
        index_elements=["id"], set_=handled, where=table.c.handled_at.is_(None)
    ).returning(table.c.id)
