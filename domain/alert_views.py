"""What alert messages show (views built from the records), and the Notifier port that posts them."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from domain.errors import DomainError
from domain.failures import FailureLog
from domain.model import Account, Card, Invoice, InvoiceStatus, Subscription, balance_of
from domain.money import Money
from domain.ports import UnitOfWork
from domain.records import Alert

# An alert delivered inside its channel's digest keeps one row like any other, with ``ts``
# set to DIGEST_PREFIX + the digest message's ts ("digest:" alone until the digest is posted).
# Reminders then reply in the digest's thread, and a settlement is announced there.
DIGEST_PREFIX = "digest:"
DIGEST_TOP = 5  # the largest balances a digest names; the rest are counted


def in_digest(alert: Alert) -> bool:
    return alert.ts is not None and alert.ts.startswith(DIGEST_PREFIX)


def awaiting_digest(alert: Alert) -> bool:
    return alert.ts == DIGEST_PREFIX


def message_ts(alert: Alert) -> str | None:
    """The Slack ts of the message that shows the alert (its digest's), None before posting."""
    if alert.ts is None or not in_digest(alert):
        return alert.ts
    return alert.ts.removeprefix(DIGEST_PREFIX) or None


@dataclass(frozen=True, slots=True)
class Settled:
    actor: str
    amount: Money
    card_brand: str
    card_last4: str
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class BillingNote:
    """What the billing system of record says of an open balance: its automatic payment attempts
    so far, its next automatic retry (None: none scheduled), and the subscription's own status."""

    attempt_count: int
    next_attempt: dt.datetime | None
    status: str | None  # Stripe's: active, past_due, unpaid, canceled, paused...


@dataclass(frozen=True, slots=True)
class Closed:
    """The billing system ended the episode (``domain.records.ClosedReason``), at ``at``."""

    reason: str
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class AlertView:
    """Everything an alert message shows, in domain terms (the handlers render it)."""

    alert_id: str
    subscription_id: str
    product: str
    account: Account
    amount: Money
    days_past_due: int
    card: Card | None
    card_expired: bool
    settled: Settled | None
    today: dt.date
    billing: BillingNote | None = None  # only for subscriptions the billing system reports on
    closed: Closed | None = None


@dataclass(frozen=True, slots=True)
class DigestView:
    """One message for a channel that many alerts reached at once: the largest, and a count."""

    channel: str
    total: int
    top: tuple[AlertView, ...]
    locale: str
    today: dt.date
    workspace: tuple[str | None, str | None] = (None, None)  # its accounts' (team, Grid org): all the same

    @property
    def rest(self) -> int:
        return self.total - len(self.top)


class Notifier(Protocol):
    def post_alert(self, channel: str, view: AlertView) -> str: ...
    def update_alert(self, channel: str, ts: str, view: AlertView) -> None: ...
    def post_reminder(self, channel: str, thread_ts: str, view: AlertView, stage: int) -> str: ...
    def post_digest(self, channel: str, digest: DigestView) -> str: ...
    def post_in_thread(self, channel: str, thread_ts: str, view: AlertView) -> str:
        """The alert as it is now, as a reply in a thread (a digest's, once it is settled)."""
        ...


def describe(
    uow: UnitOfWork, alert_ids: Iterable[str], today: dt.date, failures: FailureLog | None = None
) -> dict[str, AlertView]:
    """Build the current view of each alert, inside the caller's transaction; an alert whose
    records cannot be read is left out (and logged once in ``failures``)."""
    views, failed = describe_each(uow, alert_ids, today)
    log = failures or FailureLog()
    for alert_id, error in failed.items():
        log.failed("alert", alert_id, error)
    return views


def describe_each(
    uow: UnitOfWork, alert_ids: Iterable[str], today: dt.date
) -> tuple[dict[str, AlertView], dict[str, DomainError]]:
    """The view of each alert, and apart the error of each whose records cannot be read (a
    row that fails to map, an account whose currency no longer matches its invoices).

    The records are read in bulk (a few queries however many alerts); when a row among them
    fails to map, each alert's are read again alone, so that only its own alert fails."""
    ids = list(dict.fromkeys(alert_ids))
    try:
        shared: _Records | None = _Records.read(uow, ids)
    except DomainError:
        shared = None
    views, failed = {}, {}
    for alert_id in ids:
        try:
            view = _view(uow, shared or _Records.read(uow, [alert_id]), alert_id, today)
        except DomainError as error:
            failed[alert_id] = error
            continue
        if view is not None:
            views[alert_id] = view
    return views, failed


@dataclass(frozen=True, slots=True)
class _Records:
    """What the views of some alerts are made of, read in bulk."""

    alerts: dict[str, Alert]
    subscriptions: dict[str, Subscription]
    accounts: dict[str, Account]
    invoices: dict[str, list[Invoice]]
    cards: dict[str, Card]

    @classmethod
    def read(cls, uow: UnitOfWork, alert_ids: list[str]) -> _Records:
        alerts = uow.alerts.get_many(alert_ids)
        subscriptions = uow.subscriptions.get_many({a.subscription_id for a in alerts.values()})
        accounts = uow.accounts.get_many({s.account_id for s in subscriptions.values()})
        invoices = uow.invoices.for_subscriptions(subscriptions)
        cards = uow.cards.get_many({s.payment_method_id for s in subscriptions.values() if s.payment_method_id})
        return cls(alerts, subscriptions, accounts, invoices, cards)


def _view(uow: UnitOfWork, records: _Records, alert_id: str, today: dt.date) -> AlertView | None:
    alert = records.alerts.get(alert_id)
    subscription = records.subscriptions.get(alert.subscription_id) if alert else None
    account = records.accounts.get(subscription.account_id) if subscription else None
    if alert is None or subscription is None or account is None:
        return None
    invoices = records.invoices.get(subscription.id, [])
    balance = balance_of(invoices, account.currency, today)
    card = records.cards.get(subscription.payment_method_id or "")
    settled = _settled(uow, alert.settled_attempt_id)
    amount = settled.amount if settled else balance.amount
    closed = Closed(alert.closed_reason, alert.closed_at) if alert.closed_reason and alert.closed_at else None
    return AlertView(
        alert.id, subscription.id, subscription.product, account, amount,
        balance.days_past_due(today), card, bool(card and card.is_expired(today)), settled, today,
        _billing_note(invoices, subscription.billing_status), closed,
    )  # fmt: skip


def _billing_note(invoices: list[Invoice], status: str | None) -> BillingNote | None:
    """The most attempts any open invoice has had, and the soonest retry; None when the billing
    system has neither tried nor given a status (imported and sandbox subscriptions)."""
    open_ = [i for i in invoices if i.status is InvoiceStatus.OPEN]
    attempts = max((i.attempt_count for i in open_), default=0)
    retries = [i.next_payment_attempt for i in open_ if i.next_payment_attempt is not None]
    if not attempts and status is None:
        return None
    return BillingNote(attempts, min(retries) if retries else None, status)


def _settled(uow: UnitOfWork, attempt_id: str | None) -> Settled | None:
    attempt = uow.attempts.get(attempt_id) if attempt_id else None
    if attempt is None:
        return None
    card = uow.cards.get(attempt.card_id)
    brand, last4 = (card.brand, card.last4) if card else ("card", "????")
    return Settled(attempt.actor, attempt.amount, brand, last4, attempt.completed_at or attempt.created_at)


def describe_digest(
    uow: UnitOfWork, channel: str, members: list[Alert], today: dt.date, failures: FailureLog | None = None
) -> DigestView:
    """The digest of ``members``: the DIGEST_TOP largest balances, described; the others counted.
    A member whose records cannot be read is counted, not described."""
    owed = _open_totals(uow, {a.subscription_id for a in members})
    ranked = sorted(members, key=lambda a: (-owed.get(a.subscription_id, Decimal(0)), a.subscription_id))
    views = describe(uow, [a.id for a in ranked[:DIGEST_TOP]], today, failures)
    top = tuple(views[a.id] for a in ranked[:DIGEST_TOP] if a.id in views)
    locales = Counter(v.account.locale for v in top)
    locale = locales.most_common(1)[0][0] if locales else "en"
    workspace = (top[0].account.team_id, top[0].account.enterprise_id) if top else (None, None)
    return DigestView(channel, len(members), top, locale, today, workspace)


def _open_totals(uow: UnitOfWork, subscription_ids: set[str]) -> dict[str, Decimal]:
    """The sum of each subscription's open invoices (in its own currency: ranking only)."""
    invoices = uow.invoices.for_subscriptions(subscription_ids)
    return {
        sid: sum((i.amount.amount for i in found if i.status is InvoiceStatus.OPEN), Decimal(0))
        for sid, found in invoices.items()
    }
