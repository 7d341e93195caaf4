"""Past-due alerts and reminders: decide what is due (scan), then deliver it (outbox).

The scan claims in bulk (one claim per newly past-due subscription, one per reminder stage
reached) through a set-based repository statement, so past-due rows never stream through
Python; ``domain.alert_delivery.deliver`` then takes the claims (they become alerts and
reminders, checked against the data as it is then) and posts what the rows say.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass, field

from domain.alert_delivery import deliver
from domain.alert_views import AlertView, DigestView, Notifier, Settled, describe
from domain.delivery_lanes import DeliveryReport
from domain.ports import Clock, UnitOfWork
from domain.records import Alert, Claim, Reminder

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
    alerts: int = 0  # new alerts claimed
    reminders: int = 0  # reminders claimed
    # Dry runs only: the channels whose new alerts would go in one digest (with how many),
    # what would be posted, and how each alert would look (by alert id).
    digests: dict[str, int] = field(default_factory=dict)
    shown_alerts: list[Alert] = field(default_factory=list)
    shown_reminders: list[Reminder] = field(default_factory=list)
    views: dict[str, AlertView] = field(default_factory=dict)


def scan(
    uow: UnitOfWork, clock: Clock, policy: ReminderPolicy, default_channel: str,
    *, dry_run: bool = False, digest_threshold: int = DIGEST_THRESHOLD,
) -> ScanReport:  # fmt: skip
    """Claim one alert per newly past-due subscription and one reply per reminder stage.

    Claims are rows committed before anything is posted, so a later scan, or one after a
    restart, finds nothing new; the deliverer makes them alerts and reminders. A channel that
    more than ``digest_threshold`` of this scan's new alerts reach gets them in one digest
    message. The repository claims in bulk, in the database, following ``policy``'s stages.
    A dry run takes the claims too, shows what they would make, and rolls it all back.
    """
    today = clock.today()
    claim = Claim(today, clock.now(), new_id_prefix(), policy.days, policy.every,
                  default_channel, digest_threshold)  # fmt: skip
    with uow:
        claimed = uow.alerts.claim(claim)
        if dry_run:  # take the claims, read back what they made, then roll it all back
            digests = uow.alerts.take_claims(claim.now).digests
            alerts, reminders = uow.alerts.claimed(claim)
            shown = describe(uow, [a.id for a in alerts] + [r.alert_id for r in reminders], today)
            return ScanReport(claimed.alerts, claimed.reminders, digests, alerts, reminders, shown)
        uow.commit()
    return ScanReport(claimed.alerts, claimed.reminders)


def new_id_prefix() -> str:
    """Unique across scans (the time, then randomness) and the same length every time, so
    one scan's ids, numbered in order, sort together and after earlier scans' ids."""
    return f"{time.time_ns():x}{secrets.token_hex(4)}"
