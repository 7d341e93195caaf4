"""Past-due alerts and reminders: decide what is due (scan), then deliver it (outbox).

The scan claims rows in bulk (one alert per newly past-due subscription, one reminder per
stage reached); ``domain.alert_delivery.deliver`` then posts what the rows say.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field

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
    ids = IdSequence()
    with uow:
        fresh, stages, reminders = _due(uow, today, now, policy, ids)
        channels = [row.channel or default_channel for row, _ in fresh]
        digests = _crowded(channels, digest_threshold)
        alerts = [
            Alert(ids.next(), row.subscription_id, row.episode, channel, now, stage,
                  ts=DIGEST_PREFIX if channel in digests else None)
            for (row, stage), channel in zip(fresh, channels, strict=True)
        ]  # fmt: skip
        report = ScanReport(alerts, reminders, digests=digests)
        uow.alerts.add(alerts)
        uow.alerts.add_reminders(reminders)
        uow.alerts.advance(stages)
        uow.subscriptions.set_status([a.subscription_id for a in alerts], SubscriptionStatus.PAST_DUE)
        if dry_run:
            shown = [a.id for a in alerts] + [r.alert_id for r in reminders]
            report.views.update(describe(uow, shown, today))
            return report
        uow.commit()
    return report


def _due(
    uow: UnitOfWork, today: dt.date, now: dt.datetime, policy: ReminderPolicy, ids: IdSequence
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
            reminders.append(Reminder(ids.next(), row.alert.id, stage, now))
    return fresh, stages, reminders


def _crowded(channels: list[str], threshold: int) -> dict[str, int]:
    """The channels that more than ``threshold`` new alerts reach, with their counts."""
    return {channel: n for channel, n in Counter(channels).items() if n > threshold}


class IdSequence:
    """Ids unique across scans and increasing within one (a random prefix, then a counter),
    so a scan's bulk inserts append to the primary-key index instead of scattering."""

    def __init__(self) -> None:
        self._prefix = f"{time.time_ns():x}{secrets.token_hex(4)}"
        self._counter = itertools.count()

    def next(self) -> str:
        return f"{self._prefix}-{next(self._counter):08d}"
