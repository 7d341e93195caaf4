"""The scheduled jobs: the daily past-due scan, the outbox delivery and reconciliation.

Every process may run a scheduler; only the one holding the leader lock does the work, and
when it dies another takes over on its next tick (one delivery interval).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.bootstrap import Services
from domain.alerts import DeliveryReport, Notifier, ScanReport, deliver, scan
from domain.settlement import reconcile
from storage.errors import ConflictError
from storage.locks import LeaderLock

log = logging.getLogger(__name__)


class Jobs:
    def __init__(self, services: Services, notifier: Notifier, lock: LeaderLock | None = None) -> None:
        self.services = services
        self.notifier = notifier
        self.lock = lock
        self.leading = False
        self._busy = threading.Lock()  # the jobs of one process never overlap (no double posting)

    def _lead(self) -> tuple[bool, bool]:
        """(leading now, just became leader)."""
        now = self.lock.held() if self.lock else True
        became, self.leading = now and not self.leading, now
        return now, became

    def tick(self) -> None:
        """Every interval: take the lead if it is free; a new leader catches up with a scan."""
        with self._busy:
            leading, became = self._lead()
            if not leading:
                return
            if became:
                self.scan_and_deliver()
                self.reconcile()
            else:
                self.deliver()

    def daily(self) -> None:
        with self._busy:
            if self._lead()[0]:
                self.scan_and_deliver()

    def scan_and_deliver(self) -> tuple[ScanReport, DeliveryReport]:
        s = self.services
        try:
            report = scan(s.uow(), s.clock, s.settings.reminder_policy, s.settings.billing_channel,
                          digest_threshold=s.settings.digest_threshold)  # fmt: skip
        except ConflictError:  # another scan (e.g. one run by hand) claimed the same rows first
            log.info("scan: another scan claimed these alerts first; delivering what is due")
            report = ScanReport()
        log.info("scan: %d new alerts, %d reminders", report.alerts, report.reminders)
        return report, self.deliver()

    def deliver(self) -> DeliveryReport:
        s = self.services
        total = DeliveryReport()
        gone = s.installation.gone()
        if gone is not None:  # uninstalled or token revoked: alerts wait in the outbox
            log.info("delivery paused: %s since %s (cleared by a start-up whose auth.test succeeds)",
                     gone.reason, gone.since.isoformat())  # fmt: skip
            return total
        while True:  # drain the outbox in batches; what fails is set aside, out of the next batch
            batch = deliver(s.uow(), s.clock, self.notifier, limit=200, failures=s.failures, backoff=s.backoff)
            for name in ("posted", "updated", "replies", "failed", "digests", "taken"):
                setattr(total, name, getattr(total, name) + getattr(batch, name))
            if batch.posted + batch.updated + batch.replies + batch.digests + batch.failed == 0:
                break
        if total.posted or total.updated or total.replies or total.failed:
            log.info("delivery: %s", total)
        return total

    def reconcile(self) -> None:
        s = self.services
        grace = dt.timedelta(seconds=s.settings.reconcile_grace_seconds)
        done = reconcile(s.uow(), s.gateway, s.clock, grace)
        if done:
            log.info("reconciled %d pending settlements", len(done))
            self.deliver()

    def reconcile_if_leading(self) -> None:
        with self._busy:
            if self._lead()[0]:
                self.reconcile()


def start_scheduler(services: Services, jobs: Jobs) -> BackgroundScheduler:
    """Daily scan at ALERT_TIME in TIMEZONE; a tick now and every delivery interval; reconcile."""
    settings = services.settings
    scheduler = BackgroundScheduler(
        timezone=settings.zone,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
    )
    at = settings.alert_time
    daily = CronTrigger(hour=at.hour, minute=at.minute, second=at.second, timezone=settings.zone)
    scheduler.add_job(jobs.daily, daily, id="daily-scan")
    every = IntervalTrigger(seconds=settings.delivery_interval_seconds)
    scheduler.add_job(jobs.tick, every, id="tick", next_run_time=dt.datetime.now(dt.UTC))  # now, then on interval
    interval = IntervalTrigger(seconds=settings.reconcile_interval_seconds)
    scheduler.add_job(jobs.reconcile_if_leading, interval, id="reconcile")
    scheduler.start()
    log.info("scheduler started: daily scan at %s %s", at.strftime("%H:%M"), settings.timezone)
    return scheduler
