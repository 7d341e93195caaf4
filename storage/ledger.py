"""The sandbox gateway's ledger in SQL: what the "processor" charged, under which key.

Every call runs in its own short transaction on its own connection, apart from the
app's unit of work, so a charge stays recorded when the app's transaction rolls back
(as an external processor's would). Lookups only read: on SQLite they begin deferred and do
not queue for the write lock (a settlement's charge looked up, then recorded, took it
twice). A charge that two lookups both miss is still recorded once: the entry goes in under
its key's unique index, and both get the one entry back.
"""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from domain.money import Money
from domain.ports import ChargeStatus
from payments.sandbox import LedgerEntry
from storage.db import read_only_engine
from storage.models import SandboxChargeRow
from storage.repositories.base import insert_ignoring, table_of


class SqlLedger:
    """Implements ``payments.sandbox.Ledger`` on the ``sandbox_charges`` table."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine)
        self._readers = sessionmaker(read_only_engine(engine))

    def record(self, entry: LedgerEntry) -> LedgerEntry:
        """Store the entry unless its key exists; return whichever entry holds the key."""
        with self._sessions.begin() as session:
            values = {
                "id": entry.id, "idempotency_key": entry.idempotency_key, "token": entry.token,
                "amount_minor": entry.amount.minor_units(), "currency": entry.amount.currency,
                "status": entry.status.value, "decline_code": entry.decline_code,
                "created_at": entry.created_at,
            }  # fmt: skip
            table = table_of(SandboxChargeRow)
            insert_ignoring(session, table, values, on="idempotency_key")
            held = _by_key(session, entry.idempotency_key)
        if held is None:  # pragma: no cover - the row was inserted or already there
            raise RuntimeError("ledger lost the entry it just recorded")
        return held

    def find(self, idempotency_key: str) -> LedgerEntry | None:
        with self._readers.begin() as session:
            return _by_key(session, idempotency_key)

    def entries(self) -> list[LedgerEntry]:
        """Every entry, oldest first."""
        stmt = select(SandboxChargeRow).order_by(SandboxChargeRow.created_at, SandboxChargeRow.id)
        with self._readers.begin() as session:
            return [_entry(row) for row in session.scalars(stmt)]


def _by_key(session: Session, idempotency_key: str) -> LedgerEntry | None:
    stmt = select(SandboxChargeRow).where(SandboxChargeRow.idempotency_key == idempotency_key)
    row = session.scalars(stmt).one_or_none()
    return None if row is None else _entry(row)


def _entry(row: SandboxChargeRow) -> LedgerEntry:
    return LedgerEntry(
        row.id, row.idempotency_key, row.token, Money.from_minor(row.amount_minor, row.currency),
        ChargeStatus(row.status), row.decline_code, row.created_at,
    )  # fmt: skip
