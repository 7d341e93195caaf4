"""The settlement audit trail: attempts and the payments they produced."""

from __future__ import annotations

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from domain.errors import SettlementInProgress
from domain.records import Outcome, Payment, SettlementAttempt
from storage.errors import ConflictError, unique_violation
from storage.models import InstallationRow, PaymentRow, SettlementAttemptRow
from storage.repositories import mapping
from storage.repositories.base import SqlRepository

Attempt = SettlementAttemptRow
# What a concurrent claim of the same balance collides on (PostgreSQL names / SQLite columns).
_CLAIM_CONSTRAINTS = ("pending", "subscription_id", "idempotency_key")
_MAX_BMP = 0xD7FF  # below the surrogates, so "next character" stays encodable


class SqlAttempts(SqlRepository):
    def get(self, attempt_id: str, *, lock: bool = False) -> SettlementAttempt | None:
        row = self._get(Attempt, attempt_id, lock=lock)
        return None if row is None else mapping.attempt(row)

    def add(self, attempt: SettlementAttempt) -> None:
        """Insert a new attempt; a concurrent claim that got there first -> SettlementInProgress."""
        try:
            with self.session.begin_nested():
                self.session.execute(insert(Attempt), [mapping.attempt_values(attempt)])
        except IntegrityError as exc:
            what = unique_violation(exc)
            if what is None:
                raise
            if any(name in what for name in _CLAIM_CONSTRAINTS):
                raise SettlementInProgress() from exc
            raise ConflictError(what) from exc

    def save(self, attempt: SettlementAttempt) -> None:
        self._upsert(Attempt, mapping.attempt_values(attempt))

    def pending_for(self, subscription_id: str) -> SettlementAttempt | None:
        stmt = select(Attempt).where(
            Attempt.subscription_id == subscription_id, Attempt.outcome == Outcome.PENDING.value
        )
        row = self._first(stmt)
        return None if row is None else mapping.attempt(row)

    def count_for_key_prefix(self, prefix: str) -> int:
        """Attempts whose idempotency key starts with ``prefix`` (case-sensitive, literal)."""
        key = Attempt.idempotency_key
        stmt = select(func.count()).select_from(Attempt)
        if prefix and ord(prefix[-1]) < _MAX_BMP:
            # A range on the byte-ordered unique index: prefix <= key < prefix-with-last-char+1.
            upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
            stmt = stmt.where(key >= prefix, key < upper)
        elif prefix:
            stmt = stmt.where(func.substr(key, 1, len(prefix)) == prefix)
        return self.session.scalar(stmt) or 0

    def pending(self) -> list[SettlementAttempt]:
        stmt = (
            select(Attempt).where(Attempt.outcome == Outcome.PENDING.value)
            .order_by(Attempt.created_at, Attempt.id)
        )  # fmt: skip
        return [mapping.attempt(row) for row in self._all(stmt)]

    def for_subscription(self, subscription_id: str) -> list[SettlementAttempt]:
        stmt = (
            select(Attempt).where(Attempt.subscription_id == subscription_id)
            .order_by(Attempt.created_at, Attempt.id)
        )  # fmt: skip
        return [mapping.attempt(row) for row in self._all(stmt)]

    def all(self) -> list[SettlementAttempt]:
        return [mapping.attempt(row) for row in self._all(select(Attempt).order_by(Attempt.created_at, Attempt.id))]


class SqlPayments(SqlRepository):
    def add(self, payment: Payment) -> None:
        """Insert a payment; a second one for the same attempt is a ConflictError (unique attempt_id)."""
        try:
            self.session.execute(insert(PaymentRow), [mapping.payment_values(payment)])
        except IntegrityError as exc:
            what = unique_violation(exc)
            if what is None:
                raise
            raise ConflictError(what) from exc

    def last_for(self, subscription_id: str) -> Payment | None:
        stmt = (
            select(PaymentRow).where(PaymentRow.subscription_id == subscription_id)
            .order_by(PaymentRow.paid_at.desc(), PaymentRow.id.desc())
        )  # fmt: skip
        row = self._first(stmt)
        return None if row is None else mapping.payment(row)


class SqlInstallation(SqlRepository):
    def id(self) -> str:
        installation_id = self.session.scalar(select(InstallationRow.id).limit(1))
        if installation_id is None:
            raise RuntimeError("no installation id: run `settlebot db upgrade`")
        return installation_id
