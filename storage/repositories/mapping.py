"""Rows to frozen domain objects and back. Money crosses as integer minor units + currency."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from domain.errors import BadRecord, DomainError
from domain.model import (
    Account,
    Admin,
    Card,
    Invoice,
    InvoiceStatus,
    Role,
    Subscription,
    SubscriptionStatus,
)
from domain.money import Money
from domain.records import Alert, CardChange, CardEvent, Outcome, Payment, Reminder, SettlementAttempt
from storage.models import (
    AccountRow,
    AdminRow,
    AlertRow,
    CardEventRow,
    CardRow,
    InvoiceRow,
    PaymentRow,
    ReminderRow,
    SettlementAttemptRow,
    SubscriptionRow,
)

Values = dict[str, Any]
Row = TypeVar("Row")
Entity = TypeVar("Entity")


def _maps(table: str) -> Callable[[Callable[[Row], Entity]], Callable[[Row], Entity]]:
    """A row that fails to become its domain object raises BadRecord naming the table and
    the row's id (never its values), so a use case can set that one record aside."""

    def wrap(to_entity: Callable[[Row], Entity]) -> Callable[[Row], Entity]:
        @functools.wraps(to_entity)
        def mapped(row: Row) -> Entity:
            try:
                return to_entity(row)
            except (ValueError, TypeError, DomainError) as exc:
                raise BadRecord(table, str(getattr(row, "id", "?")), type(exc).__name__) from exc

        return mapped

    return wrap


def _number(value: object, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValueError("out of range")
    return value


def money_values(money: Money) -> Values:
    return {"amount_minor": money.minor_units(), "currency": money.currency}


@_maps("accounts")
def account(row: AccountRow) -> Account:
    return Account(row.id, row.name, row.currency, row.channel, row.locale, row.team_id, row.enterprise_id)


def account_values(a: Account) -> Values:
    return {"id": a.id, "name": a.name, "currency": a.currency, "channel": a.channel,
            "locale": a.locale, "team_id": a.team_id, "enterprise_id": a.enterprise_id}  # fmt: skip


def admin(row: AdminRow) -> Admin:
    return Admin(row.account_id, row.slack_user_id, Role(row.role))


def admin_values(a: Admin) -> Values:
    return {"account_id": a.account_id, "slack_user_id": a.slack_user_id, "role": a.role.value}


@_maps("cards")
def card(row: CardRow) -> Card:
    return Card(
        row.id, row.account_id, row.brand, row.last4, _number(row.exp_month, 1, 12),
        _number(row.exp_year, 1, 9999), row.owner_slack_user_id, row.token,
    )  # fmt: skip


def card_values(c: Card) -> Values:
    return {
        "id": c.id, "account_id": c.account_id, "brand": c.brand, "last4": c.last4,
        "exp_month": c.exp_month, "exp_year": c.exp_year,
        "owner_slack_user_id": c.owner_slack_user_id, "token": c.token,
    }  # fmt: skip


def card_event(row: CardEventRow) -> CardEvent:
    return CardEvent(row.id, row.card_id, CardChange(row.kind), row.actor, row.day)


def card_event_values(e: CardEvent) -> Values:
    return {"id": e.id, "card_id": e.card_id, "kind": e.kind.value, "actor": e.actor, "day": e.day}


@_maps("subscriptions")
def subscription(row: SubscriptionRow) -> Subscription:
    return Subscription(
        row.id, row.account_id, row.product, row.payment_method_id, SubscriptionStatus(row.status), row.billing_status
    )


def subscription_values(s: Subscription) -> Values:
    return {"id": s.id, "account_id": s.account_id, "product": s.product,
            "payment_method_id": s.payment_method_id, "status": s.status.value,
            "billing_status": s.billing_status}  # fmt: skip


@_maps("invoices")
def invoice(row: InvoiceRow) -> Invoice:
    amount = Money.from_minor(row.amount_minor, row.currency)
    return Invoice(
        row.id, row.subscription_id, amount, row.due_date, InvoiceStatus(row.status), row.attempt_count,
        row.next_payment_attempt,
    )  # fmt: skip


def invoice_values(i: Invoice) -> Values:
    return {"id": i.id, "subscription_id": i.subscription_id, "due_date": i.due_date,
            "status": i.status.value, "attempt_count": i.attempt_count,
            "next_payment_attempt": i.next_payment_attempt, **money_values(i.amount)}  # fmt: skip


@_maps("settlement_attempts")
def attempt(row: SettlementAttemptRow) -> SettlementAttempt:
    return SettlementAttempt(
        row.id, row.subscription_id, row.account_id, row.card_id, row.actor,
        Money.from_minor(row.amount_minor, row.currency), tuple(row.invoice_ids),
        row.idempotency_key, Outcome(row.outcome), row.created_at, row.completed_at,
        row.gateway_reference, row.decline_code,
        None if row.invoice_amounts is None
        else tuple(Money.from_minor(units, row.currency) for units in row.invoice_amounts),
        None if row.paid_invoice_ids is None else tuple(row.paid_invoice_ids), row.action_url,
    )  # fmt: skip


def attempt_values(a: SettlementAttempt) -> Values:
    return {
        "id": a.id, "subscription_id": a.subscription_id, "account_id": a.account_id,
        "card_id": a.card_id, "actor": a.actor, **money_values(a.amount),
        "invoice_ids": list(a.invoice_ids), "idempotency_key": a.idempotency_key,
        "outcome": a.outcome.value, "created_at": a.created_at, "completed_at": a.completed_at,
        "gateway_reference": a.gateway_reference, "decline_code": a.decline_code,
        "invoice_amounts": None if a.invoice_amounts is None else [m.minor_units() for m in a.invoice_amounts],
        "paid_invoice_ids": None if a.paid_invoice_ids is None else list(a.paid_invoice_ids),
        "action_url": a.action_url,
    }  # fmt: skip


@_maps("payments")
def payment(row: PaymentRow) -> Payment:
    return Payment(
        row.id, row.subscription_id, row.attempt_id, row.card_id, row.actor,
        Money.from_minor(row.amount_minor, row.currency), row.paid_at,
    )  # fmt: skip


def payment_values(p: Payment) -> Values:
    return {"id": p.id, "subscription_id": p.subscription_id, "attempt_id": p.attempt_id,
            "card_id": p.card_id, "actor": p.actor, "paid_at": p.paid_at,
            **money_values(p.amount)}  # fmt: skip


ALERT_FIELDS = (
    "id", "subscription_id", "episode", "channel", "created_at", "stage", "version",
    "delivered_version", "ts", "settled_attempt_id", "failures", "retry_at", "closed_reason", "closed_at",
)  # fmt: skip


def alert(row: AlertRow) -> Alert:
    return Alert(**{name: getattr(row, name) for name in ALERT_FIELDS})


def alert_values(a: Alert) -> Values:
    return {name: getattr(a, name) for name in ALERT_FIELDS}


REMINDER_FIELDS = ("id", "alert_id", "stage", "created_at", "ts", "failures", "retry_at")


def reminder(row: ReminderRow) -> Reminder:
    return Reminder(**{name: getattr(row, name) for name in REMINDER_FIELDS})


def reminder_values(r: Reminder) -> Values:
    return {name: getattr(r, name) for name in REMINDER_FIELDS}
