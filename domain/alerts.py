"""Past-due alerts and reminders: decide what is due (scan), then deliver it (outbox)."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Protocol

from domain.model import Account, Card, SubscriptionStatus, balance_of
from domain.money import Money
from domain.ports import Clock, DeliveryFailed, UnitOfWork
from domain.records import Alert, PastDueRow, Reminder

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReminderPolicy:
    """Reminders on these days past due, then every ``every`` days after the last."""

    days: tuple[int, ...] = (1, 3, 7, 14)
    every: int = 7

    def stage_for(self, days_past_due: int) -> int:
        """The last reminder stage reached at ``days_past_due`` (0 before the first)."""
        reached = [d for d in self.days if d <= days_past_due]
        if not reached:
            return 0
        last = self.days[-1]
        if days_past_due < last or self.every <= 0:
            return reached[-1]
        return last + (days_past_due - last) // self.every * self.every


@dataclass(frozen=True, slots=True)
class ScanReport:
    new_alerts: list[Alert] = field(default_factory=list)
    reminders: list[Reminder] = field(default_factory=list)
    views: dict[str, AlertView] = field(default_factory=dict)  # by alert id; dry runs only


@dataclass(frozen=True, slots=True)
class Settled:
    actor: str
    amount: Money
    card_brand: str
    card_last4: str
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


class Notifier(Protocol):
    def post_alert(self, channel: str, view: AlertView) -> str: ...
    def update_alert(self, channel: str, ts: str, view: AlertView) -> None: ...
    def post_reminder(self, channel: str, thread_ts: str, view: AlertView, stage: int) -> str: ...


def scan(
    uow: UnitOfWork, clock: Clock, policy: ReminderPolicy, default_channel: str,
    *, dry_run: bool = False,
) -> ScanReport:  # fmt: skip
    """Claim one alert per newly past-due subscription and one reply per reminder stage.

    Claims are rows committed before anything is posted, so a second scan at the
    same time, or after a restart, finds nothing new.
    """
    today, now = clock.today(), clock.now()
    report = ScanReport()
    with uow:
        channels: dict[str, str] = {}
        for row in uow.alerts.past_due(today):
            _scan_row(uow, row, today, now, policy, report, channels, default_channel)
        uow.alerts.add(report.new_alerts)
        uow.alerts.add_reminders(report.reminders)
        uow.subscriptions.set_status(
            [a.subscription_id for a in report.new_alerts], SubscriptionStatus.PAST_DUE
        )
        if dry_run:
            ids = [a.id for a in report.new_alerts] + [r.alert_id for r in report.reminders]
            report.views.update(describe(uow, ids, today))
            return report
        uow.commit()
    return report


def _scan_row(
    uow: UnitOfWork, row: PastDueRow, today: dt.date, now: dt.datetime, policy: ReminderPolicy,
    report: ScanReport, channels: dict[str, str], default_channel: str,
) -> None:  # fmt: skip
    stage = policy.stage_for((today - row.oldest_overdue).days)
    if row.alert is None:
        if row.account_id not in channels:
            account = uow.accounts.get(row.account_id)
            channels[row.account_id] = (account and account.channel) or default_channel
        report.new_alerts.append(
            Alert(str(uuid.uuid4()), row.subscription_id, row.episode, channels[row.account_id],
                  now, stage)
        )  # fmt: skip
    elif stage > row.alert.stage:
        report.reminders.append(Reminder(str(uuid.uuid4()), row.alert.id, stage, now))
        uow.alerts.save(replace(row.alert, stage=stage, version=row.alert.version + 1))


def describe(uow: UnitOfWork, alert_ids: Iterable[str], today: dt.date) -> dict[str, AlertView]:
    """Build the current view of each alert, inside the caller's transaction."""
    views = {}
    for alert_id in dict.fromkeys(alert_ids):
        alert = uow.alerts.get(alert_id)
        subscription = alert and uow.subscriptions.get(alert.subscription_id)
        account = subscription and uow.accounts.get(subscription.account_id)
        if alert is None or subscription is None or account is None:
            continue
        invoices = uow.invoices.for_subscriptions([subscription.id]).get(subscription.id, [])
        balance = balance_of(invoices, account.currency, today)
        card = uow.cards.get(subscription.payment_method_id or "")
        settled = _settled(uow, alert.settled_attempt_id)
        amount = settled.amount if settled else balance.amount
        views[alert_id] = AlertView(
            alert.id, subscription.id, subscription.product, account, amount,
            balance.days_past_due(today), card, bool(card and card.is_expired(today)),
            settled, today,
        )  # fmt: skip
    return views


def _settled(uow: UnitOfWork, attempt_id: str | None) -> Settled | None:
    attempt = uow.attempts.get(attempt_id) if attempt_id else None
    if attempt is None:
        return None
    card = uow.cards.get(attempt.card_id)
    brand, last4 = (card.brand, card.last4) if card else ("card", "????")
    return Settled(attempt.actor, attempt.amount, brand, last4, attempt.completed_at or attempt.created_at)


@dataclass(slots=True)
class DeliveryReport:
    posted: int = 0
    updated: int = 0
    replies: int = 0
    failed: int = 0


def deliver(
    uow: UnitOfWork, clock: Clock, notifier: Notifier, *, limit: int = 500, updates_only: bool = False
) -> DeliveryReport:
    """Bring Slack up to date with the alerts table; what fails stays for the next run.

    ``updates_only`` edits messages already posted and posts nothing new (the scheduler
    alone posts), so a serving process can refresh an alert right after a settlement.
    """
    report = DeliveryReport()
    today = clock.today()
    with uow:
        pending = [a for a in uow.alerts.undelivered(limit) if a.ts or not updates_only]
        views = describe(uow, [a.id for a in pending], today)
    for alert in pending:
        if alert.id in views:
            _deliver_alert(uow, notifier, alert, views[alert.id], report)
    if updates_only:
        return report
    with uow:
        replies = uow.alerts.undelivered_reminders(limit)
        views = describe(uow, [r.alert_id for r in replies], today)
        parents = {r.alert_id: uow.alerts.get(r.alert_id) for r in replies}
    for reminder in replies:
        parent = parents.get(reminder.alert_id)
        if parent is not None and parent.ts is not None and reminder.alert_id in views:
            _deliver_reply(uow, notifier, parent, reminder, views[reminder.alert_id], report)
    return report


def _deliver_alert(
    uow: UnitOfWork, notifier: Notifier, alert: Alert, view: AlertView, report: DeliveryReport
) -> None:
    try:
        if alert.ts is None:
            ts = notifier.post_alert(alert.channel, view)
            report.posted += 1
        else:
            notifier.update_alert(alert.channel, alert.ts, view)
            ts = alert.ts
            report.updated += 1
    except DeliveryFailed:
        log.warning("alert %s not delivered; kept for the next run", alert.id)
        report.failed += 1
        return
    with uow:
        current = uow.alerts.get(alert.id)
        if current is not None:
            done = max(current.delivered_version, alert.version)
            uow.alerts.save(replace(current, ts=ts, delivered_version=done))
            uow.commit()


def _deliver_reply(
    uow: UnitOfWork, notifier: Notifier, parent: Alert, reminder: Reminder, view: AlertView,
    report: DeliveryReport,
) -> None:  # fmt: skip
    try:
        ts = notifier.post_reminder(parent.channel, parent.ts or "", view, reminder.stage)
    except DeliveryFailed:
        log.warning("reminder %s not delivered; kept for the next run", reminder.id)
        report.failed += 1
        return
    report.replies += 1
    with uow:
        uow.alerts.save_reminder(replace(reminder, ts=ts))
        uow.commit()
