"""The scheduled jobs: the daily past-due scan, the outbox delivery and reconciliation.

Every process may run a scheduler; only the one holding the leader lock does the work, and
when it dies another takes over on its next tick (one delivery interval).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.bootstrap import Services
from domain.alerts import DeliveryReport, Notifier, ScanReport, deliver, scan
from domain.billing import BillingUnavailable
from domain.billing_sync import SyncReport, sync
from domain.reconciliation import PayerNotifier, reconcile
from handlers.notifier import SlackNotifier
from storage.errors import ConflictError
from storage.locks import LeaderLock
from telemetry.metrics import metrics

log = logging.getLogger(__name__)
DELIVERY_WAIT_SECONDS = 120.0  # a run waits this long for another to finish (Slack paces posts at 1/s)
# Alerts taken per delivery batch: a batch lasts as long as its longest lane (a channel's n
# messages take n - 1 seconds), so one batch holds many workspaces' lanes side by side.
DELIVERY_BATCH = 5000
PURGE_EVERY_SECONDS = 15 * 60  # expired add-card links (they live 15 minutes) are deleted this often
REFRESH_EVERY_SECONDS = 15 * 60  # installation mode: bot tokens expiring within two hours are refreshed


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
        metrics().scheduler_leader.set(1 if now else 0)
        return now, became

    def tick(self) -> None:
        """Every interval: take the lead if it is free; a new leader catches up with a scan."""
        with self._busy:
            leading, became = self._lead()
            if not leading:
                return
            if became:  # settlements a crash left charged first: they take no time, and people wait
                self.reconcile()
                self.scan_and_deliver()
            else:
                self.deliver()

    def daily(self) -> None:
        with self._busy:
            if self._lead()[0]:
                self.scan_and_deliver()

    def scan_and_deliver(self) -> tuple[ScanReport, DeliveryReport]:
        s = self.services
        started = time.perf_counter()
        try:
            report = scan(s.uow(), s.clock, s.settings.reminder_policy, s.settings.billing_channel,
                          digest_threshold=s.settings.digest_threshold)  # fmt: skip
        except ConflictError:  # another scan (e.g. one run by hand) claimed the same rows first
            log.info("scan: another scan claimed these alerts first; delivering what is due")
            report = ScanReport()
        _count_scan(time.perf_counter() - started, report)
        log.info("scan: %d new alerts, %d reminders", report.alerts, report.reminders)
        return report, self.deliver()

    def deliver(self, wait: float = DELIVERY_WAIT_SECONDS) -> DeliveryReport:
        """Drain the outbox, holding the delivery lock (another run, e.g. one a webhook started,
        finishes first; one that keeps it longer than ``wait`` leaves this run to the next tick)."""
        s = self.services
        gone = s.delivery_paused()
        if gone is not None:  # one-token mode, uninstalled or token revoked: alerts wait in the outbox
            log.info("delivery paused: %s since %s (cleared by a start-up whose auth.test succeeds)",
                     gone.reason, gone.since.isoformat())  # fmt: skip
            return DeliveryReport()
        assert s.delivery_lock is not None
        with s.delivery_lock.hold(wait) as held:
            if not held:
                log.info("delivery: another run is delivering; this one waits for the next tick")
                return DeliveryReport()
            return self._drain()

    def _drain(self) -> DeliveryReport:
        s = self.services
        total = DeliveryReport()
        notifier = self.notifier.for_run() if isinstance(self.notifier, SlackNotifier) else self.notifier
        while True:  # drain the outbox in batches; what fails is set aside, out of the next batch
            batch = deliver(s.uow(), s.clock, notifier, limit=DELIVERY_BATCH, failures=s.failures,
                            backoff=s.backoff)  # fmt: skip
            for name in ("posted", "updated", "replies", "failed", "digests", "taken"):
                setattr(total, name, getattr(total, name) + getattr(batch, name))
            if batch.posted + batch.updated + batch.replies + batch.digests + batch.failed == 0:
                break
        if total.posted or total.updated or total.replies or total.failed:
            log.info("delivery: %s", total)
        for name in ("posted", "updated", "replies", "digests", "failed"):
            metrics().deliveries.labels(name).inc(getattr(total, name))
        return total

    def reconcile(self) -> None:
        s = self.services
        grace = dt.timedelta(seconds=s.settings.reconcile_grace_seconds)
        payer = self.notifier if isinstance(self.notifier, PayerNotifier) else None
        done = reconcile(s.uow(), s.gateway, s.clock, grace, payer)
        for attempt in done:
            metrics().reconciled.labels(attempt.outcome.value).inc()
        if done:
            log.info("reconciled %d pending settlements", len(done))
            self.deliver()

    def purge(self) -> None:
        """Delete expired add-card links and tokenization counts older than their hour."""
        links, tokenizations = self.services.card_links.purge(self.services.clock.now())
        if links or tokenizations:
            log.info("purged %d expired add-card links and %d old tokenization counts", links, tokenizations)

    def purge_if_leading(self) -> None:
        with self._busy:
            if self._lead()[0]:
                self.purge()

    def sync_billing(self) -> None:
        """Bring the linked Stripe customers' copy up to date (incremental after the first) and
        deliver the alerts its events changed. After reading customers for the first time (a first
        install, a customer linked since) the past-due scan runs as well, so their alerts need not
        wait for the daily one."""
        if self.services.billing is None:
            return
        try:
            report = sync_once(self.services)
        except BillingUnavailable as error:
            log.warning("stripe sync: Stripe unavailable (%s); nothing written, tried again next time", error)
            return
        log.info("stripe sync (%s): %d customers, %d changes, %d written, %d alerts changed", report.mode,
                 report.customers, report.changes, report.applied, report.alerts)  # fmt: skip
        if report.first_read:
            self.scan_and_deliver()
        elif report.alerts:
            self.deliver()

    def refresh_tokens_if_leading(self) -> None:
        """Installation mode: refresh the bot tokens that expire soon, with no request needed."""
        installed = self.services.installed
        with self._busy:
            if installed is not None and self._lead()[0]:
                installed.refresh_all()

    def sync_billing_if_leading(self) -> None:
        with self._busy:
            if self._lead()[0]:
                self.sync_billing()

    def reconcile_if_leading(self) -> None:
        with self._busy:
            if self._lead()[0]:
                self.reconcile()


def sync_once(services: Services, *, full: bool = False) -> SyncReport:
    """One sync of the linked Stripe customers and of the alerts their events change (raises
    BillingUnavailable, having written nothing)."""
    billing = services.billing
    assert billing is not None

    def run() -> SyncReport:
        return sync(services.uow(), billing, services.clock, full=full, people=services.people,
                    default_channel=services.settings.billing_channel)  # fmt: skip

    try:
        return run()
    except ConflictError:  # a webhook's job opened the same subscription's alert first: update that one
        return run()


def _count_scan(seconds: float, report: ScanReport) -> None:
    instruments = metrics()
    instruments.scan_seconds.observe(seconds)
    instruments.scan_claims.labels("alert").inc(report.alerts)
    instruments.scan_claims.labels("reminder").inc(report.reminders)


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
    scheduler.add_job(jobs.purge_if_leading, IntervalTrigger(seconds=PURGE_EVERY_SECONDS), id="purge")
    if services.installed is not None:
        every_refresh = IntervalTrigger(seconds=REFRESH_EVERY_SECONDS)
        now = dt.datetime.now(dt.UTC)
        scheduler.add_job(jobs.refresh_tokens_if_leading, every_refresh, id="refresh-tokens", next_run_time=now)
    if services.billing is not None:
        every_sync = IntervalTrigger(seconds=settings.stripe_sync_interval_seconds)
        now = dt.datetime.now(dt.UTC)
        scheduler.add_job(jobs.sync_billing_if_leading, every_sync, id="stripe-sync", next_run_time=now)
    scheduler.start()
    log.info("scheduler started: daily scan at %s %s", at.strftime("%H:%M"), settings.timezone)
    return scheduler
