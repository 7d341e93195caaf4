"""Entities and value objects of billing: accounts, admins, cards, subscriptions, invoices."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from domain.money import Money


class Role(StrEnum):
    GLOBAL_ADMIN = "global_admin"
    BILLING_ADMIN = "billing_admin"
    BILLING_READER = "billing_reader"

    @property
    def may_settle(self) -> bool:
        return self is not Role.BILLING_READER


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    PAST_DUE = "past_due"


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    VOID = "void"  # cancelled in the billing system: nothing is owed
    UNCOLLECTIBLE = "uncollectible"  # written off in the billing system: no longer chased

    @property
    def rank(self) -> int:
        """How far along an invoice's life the status is: an invoice never goes back (paid and
        void are final; an uncollectible one may still be paid or voided, never reopened)."""
        return {"open": 0, "uncollectible": 1}.get(self.value, 2)


@dataclass(frozen=True, slots=True)
class Account:
    id: str
    name: str
    currency: str
    channel: str | None = None  # alert channel; None falls back to BILLING_CHANNEL
    locale: str = "en"  # language of the channel alerts
    team_id: str | None = None  # its Slack workspace (None with enterprise_id None: the one-token mode's)
    enterprise_id: str | None = None  # its Enterprise Grid org (an org-wide install's account)


@dataclass(frozen=True, slots=True)
class Admin:
    account_id: str
    slack_user_id: str
    role: Role


NO_OWNER = ""  # a card nobody in Slack owns: no one edits its expiry from Slack


@dataclass(frozen=True, slots=True)
class Card:
    """A payment method. Only brand, last 4, expiry, owner and an opaque token are kept
    (the token is the processor's reference: a sandbox ``tok_...``, a Stripe ``pm_...``)."""

    id: str
    account_id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    owner_slack_user_id: str
    token: str

    def is_expired(self, today: dt.date) -> bool:
        return (self.exp_year, self.exp_month) < (today.year, today.month)

    def with_expiry(self, month: int, year: int) -> Card:
        return Card(
            self.id, self.account_id, self.brand, self.last4, month, year,
            self.owner_slack_user_id, self.token,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Subscription:
    id: str
    account_id: str
    product: str
    payment_method_id: str | None
    status: SubscriptionStatus = SubscriptionStatus.ACTIVE
    billing_status: str | None = None  # the billing system's own (Stripe: active, past_due, unpaid, canceled...)


@dataclass(frozen=True, slots=True)
class Invoice:
    id: str
    subscription_id: str
    amount: Money
    due_date: dt.date
    status: InvoiceStatus = InvoiceStatus.OPEN
    attempt_count: int = 0  # the billing system's automatic payment attempts so far
    next_payment_attempt: dt.datetime | None = None  # its next automatic attempt, if any

    def is_overdue(self, today: dt.date) -> bool:
        return self.status is InvoiceStatus.OPEN and self.due_date < today


@dataclass(frozen=True, slots=True)
class Balance:
    """What a subscription owes: the sum of its open invoices."""

    amount: Money
    invoice_ids: tuple[str, ...]
    oldest_overdue: dt.date | None  # due date of the oldest open invoice already past due
    invoice_amounts: tuple[Money, ...] = ()  # each open invoice's amount, in invoice_ids' order

    @property
    def stamp(self) -> str:
        """Names exactly these invoices with exactly these amounts (see ``balance_stamp``)."""
        return balance_stamp(zip(self.invoice_ids, self.invoice_amounts, strict=False))

    def days_past_due(self, today: dt.date) -> int:
        return 0 if self.oldest_overdue is None else (today - self.oldest_overdue).days

    @property
    def is_past_due(self) -> bool:
        return self.oldest_overdue is not None


def balance_of(invoices: list[Invoice], currency: str, today: dt.date) -> Balance:
    """Sum the open invoices; the balance is past due when any open one's due date has passed."""
    open_ = sorted((i for i in invoices if i.status is InvoiceStatus.OPEN), key=lambda i: i.id)
    total = Money.zero(currency)
    for invoice in open_:
        total = total + invoice.amount
    overdue = [i.due_date for i in open_ if i.is_overdue(today)]
    return Balance(
        total, tuple(i.id for i in open_), min(overdue) if overdue else None, tuple(i.amount for i in open_)
    )


def balance_stamp(lines: Iterable[tuple[str, Money]]) -> str:
    """A digest of sorted ``invoice_id:amount_minor:currency`` lines: the same invoices with the
    same amounts give the same stamp; one added, gone or corrected gives another."""
    text = "\n".join(sorted(f"{i}:{m.minor_units()}:{m.currency}" for i, m in lines))
    return hashlib.sha256(text.encode()).hexdigest()[:32]
