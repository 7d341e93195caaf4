"""Alerts and reminders whose delivery failed: set aside, and tried again later and later.

A failed delivery counts one more failure on its record and sets ``retry_at``; the outbox
leaves the record out of its batches until then (``AlertRepository.undelivered``), so records
that keep failing never fill a batch and hold up the others. The wait doubles with each
failure in a row, from ``first`` (one delivery interval: the next run) up to ``most``; a
delivery that goes through clears both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from domain.ports import UnitOfWork
from domain.records import Alert, Reminder

DOUBLINGS = 20  # past this many failures in a row the wait is ``most`` anyway


@dataclass(frozen=True, slots=True)
class Backoff:
    first: dt.timedelta = dt.timedelta(minutes=1)
    most: dt.timedelta = dt.timedelta(hours=1)

    def wait(self, failures: int) -> dt.timedelta:
        """How long a record waits after its ``failures``-th failure in a row."""
        return min(self.first * (1 << min(max(failures - 1, 0), DOUBLINGS)), self.most)


@dataclass(slots=True)
class SetAside:
    """The records one delivery run failed to deliver, written together at its end (each once)."""

    backoff: Backoff
    now: dt.datetime
    alerts: dict[str, dt.datetime] = field(default_factory=dict)  # alert id -> retry_at
    reminders: dict[str, dt.datetime] = field(default_factory=dict)

    def add(self, records: Iterable[Alert | Reminder]) -> None:
        for record in records:
            into = self.alerts if isinstance(record, Alert) else self.reminders
            into.setdefault(record.id, self.now + self.backoff.wait(record.failures + 1))

    def save(self, uow: UnitOfWork) -> None:
        if not self.alerts and not self.reminders:
            return
        with uow:
            for retry_at, ids in _by_time(self.alerts).items():
                uow.alerts.set_aside(ids, retry_at)
            for retry_at, ids in _by_time(self.reminders).items():
                uow.alerts.set_aside_reminders(ids, retry_at)
            uow.commit()


def _by_time(retries: dict[str, dt.datetime]) -> dict[dt.datetime, list[str]]:
    grouped: dict[dt.datetime, list[str]] = {}
    for record_id, retry_at in sorted(retries.items()):
        grouped.setdefault(retry_at, []).append(record_id)
    return grouped


def retry_now(uow: UnitOfWork, now: dt.datetime) -> None:
    """Make every alert and reminder set aside due now: a delivery run by hand (``settlebot
    scan``) tries each of them once at once, after the records never set aside."""
    with uow:
        uow.alerts.due_again(now)
        uow.commit()
