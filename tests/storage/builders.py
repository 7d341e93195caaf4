"""Small builders for the storage contract: valid rows with sensible defaults."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from domain.model import Account, Card, Invoice, InvoiceStatus, Subscription
from domain.money import Money
from domain.ports import UnitOfWork
from domain.records import Alert, Outcome, Payment, Reminder, SettlementAttempt

TODAY = dt.date(2026, 11, 25)
NOW = dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC)


def usd(text: str) -> Money:
    return Money(Decimal(text), "USD")


def account(account_id: str = "acc_1", currency: str = "USD") -> Account:
    return Account(account_id, f"Account {account_id}", currency)


def card(card_id: str = "card_1", account_id: str = "acc_1") -> Card:
    return Card(card_id, account_id, "visa", "4242", 8, 2028, "U0OWNER01", "tok_visa")


def subscription(sub_id: str = "sub_1", account_id: str = "acc_1") -> Subscription:
    return Subscription(sub_id, account_id, f"Product {sub_id}", None)


def invoice(
    invoice_id: str, sub_id: str = "sub_1", amount: str = "10.00", *, days_ago: int = 3,
    status: InvoiceStatus = InvoiceStatus.OPEN,
) -> Invoice:  # fmt: skip
    return Invoice(invoice_id, sub_id, usd(amount), TODAY - dt.timedelta(days=days_ago), status)


def attempt(
    attempt_id: str = "att_1", sub_id: str = "sub_1", *, key: str | None = None,
    outcome: Outcome = Outcome.PENDING, minutes: int = 0,
) -> SettlementAttempt:  # fmt: skip
    return SettlementAttempt(
        attempt_id, sub_id, "acc_1", "card_1", "U0OWNER01", usd("129.99"), ("inv_1", "inv_2"),
        key or f"settle:{sub_id}:abc:{attempt_id}", outcome, NOW + dt.timedelta(minutes=minutes),
    )  # fmt: skip


def payment(payment_id: str, attempt_id: str = "att_1", *, minutes: int = 0) -> Payment:
    paid_at = NOW + dt.timedelta(minutes=minutes)
    return Payment(payment_id, "sub_1", attempt_id, "card_1", "U0OWNER01", usd("129.99"), paid_at)


def alert(alert_id: str = "al_1", sub_id: str = "sub_1", *, minutes: int = 0, **kw: object) -> Alert:
    return Alert(
        alert_id,
        sub_id,
        "inv_1",
        "C0BILLING",
        NOW + dt.timedelta(minutes=minutes),
        1,
        **kw,  # type: ignore[arg-type]
    )


def reminder(reminder_id: str, alert_id: str = "al_1", stage: int = 3, *, minutes: int = 0) -> Reminder:
    return Reminder(reminder_id, alert_id, stage, NOW + dt.timedelta(minutes=minutes))


def seed_billing(uow: UnitOfWork, *subs: str) -> None:
    """An account with one card and the given subscriptions (default: sub_1)."""
    with uow:
        uow.accounts.save(account())
        uow.cards.save(card())
        for sub_id in subs or ("sub_1",):
            uow.subscriptions.save(subscription(sub_id))
        uow.commit()
