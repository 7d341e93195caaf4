"""Past-due alerts and reminders: decide what is due (scan), then deliver it (outbox).

The scan claims rows in bulk (one alert per newly past-due subscription, one reminder per
stage reached); ``domain.alert_delivery.deliver`` then posts what the rows say.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field, replace

from domain.alert_delivery import DeliveryReport, deliver
from domain.alert_views import DIGEST_PREFIX, AlertView, DigestView, Notifier, Settled, describe
from domain.model import SubscriptionStatus
from domain.ports import Clock, UnitOfWork
from domain.records import Alert, PastDueRow, Reminder

__all__ = [
    "DIGEST_THRESHOLD", "AlertView", "DeliveryReport", "DigestView", "Notifier", "ReminderPolicy",
    "ScanReport", "Settled", "deliver", "describe", "scan",
]  # fmt: skip
log = logging.getLogger(__name__)
DIGEST_THRESHOLD = 20  # more new alerts than this for one channel in one scan: one digest instead


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
    digests: dict[str, int] = field(default_factory=dict)  # channel: alerts sent in its digest


def scan(
    uow: UnitOfWork, clock: Clock, policy: ReminderPolicy, default_channel: str,
    *, dry_run: bool = False, digest_threshold: int = DIGEST_THRESHOLD,
) -> ScanReport:  # fmt: skip
    """Claim one alert per newly past-due subscription and one reply per reminder stage.

    Claims are rows committed before anything is posted, so a second scan at the
    same time, or after a restart, finds nothing new. A channel that more than
    ``digest_threshold`` new alerts reach in this scan gets them in one digest message.
    """
    today, now = clock.today(), clock.now()
    with uow:
        fresh, stages, reminders = _due(uow, today, now, policy)
        channels = uow.alerts.channels_of({row.account_id for row, _ in fresh})
        alerts = [
            Alert(_new_id(), row.subscription_id, row.episode,
                  channels.get(row.account_id) or default_channel, now, stage)
            for row, stage in fresh
        ]  # fmt: skip
        alerts, digests = _digested(alerts, digest_threshold)
        report = ScanReport(alerts, reminders, digests=digests)
        uow.alerts.add(alerts)
        uow.alerts.add_reminders(reminders)
        uow.alerts.advance(stages)
        uow.subscriptions.set_status([a.subscription_id for a in alerts], SubscriptionStatus.PAST_DUE)
        if dry_run:
            ids = [a.id for a in alerts] + [r.alert_id for r in reminders]
            report.views.update(describe(uow, ids, today))
            return report
        uow.commit()
    return report


def _due(
    uow: UnitOfWork, today: dt.date, now: dt.datetime, policy: ReminderPolicy
) -> tuple[list[tuple[PastDueRow, int]], dict[str, int], list[Reminder]]:
    """Past-due rows without an alert (with their stage), and alerts that reached a new stage."""
    fresh: list[tuple[PastDueRow, int]] = []
    stages: dict[str, int] = {}
    reminders: list[Reminder] = []
    for row in uow.alerts.past_due(today):
        stage = policy.stage_for((today - row.oldest_overdue).days)
        if row.alert is None:
            fresh.append((row, stage))
        elif stage > row.alert.stage:
            stages[row.alert.id] = stage
            reminders.append(Reminder(_new_id(), row.alert.id, stage, now))
    return fresh, stages, reminders


def _digested(alerts: list[Alert], threshold: int) -> tuple[list[Alert], dict[str, int]]:
    """Mark the alerts of every channel that more than ``threshold`` reach as awaiting its digest."""
    counts = Counter(a.channel for a in alerts)
    crowded = {channel: n for channel, n in counts.items() if n > threshold}
    if not crowded:
        return alerts, {}
    marked = [replace(a, ts=DIGEST_PREFIX) if a.channel in crowded else a for a in alerts]
    return marked, crowded


def _new_id() -> str:
    return str(uuid.uuid4())
