"""The scheduled jobs: the daily past-due scan, the outbox delivery and reconciliation."""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.bootstrap import Services
from domain.alerts import DeliveryReport, Notifier, ScanReport, deliver, scan
from domain.settlement import reconcile

log = logging.getLogger(__name__)


class Jobs:
    def __init__(self, services: Services, notifier: Notifier) -> None:
        self.services = services
        self.notifier = notifier

    def scan_and_deliver(self) -> tuple[ScanReport, DeliveryReport]:
        s = self.services
        report = scan(s.uow(), s.clock, s.settings.reminder_policy, s.settings.billing_channel)
        log.info("scan: %d new alerts, %d reminders", len(report.new_alerts), len(report.reminders))
        return report, self.deliver()

    def deliver(self) -> DeliveryReport:
        s = self.services
        total = DeliveryReport()
        while True:  # drain the outbox in batches; stop when a batch delivers nothing new
            batch = deliver(s.uow(), s.clock, self.notifier, limit=200)
            for name in ("posted", "updated", "replies", "failed"):
                setattr(total, name, getattr(total, name) + getattr(batch, name))
            if batch.posted + batch.updated + batch.replies == 0 or batch.failed:
                break
        if total.posted or total.updated or total.replies or total.failed:
            log.info("delivery: %s", total)
        return total

    def reconcile(self) -> None:
        s = self.services
        done = reconcile(s.uow(), s.gateway, s.clock)
        if done:
            log.info("reconciled %d pending settlements", len(done))
            self.deliver()


def start_scheduler(services: Services, jobs: Jobs) -> BackgroundScheduler:
    """Daily scan at ALERT_TIME in TIMEZONE and once at start-up; outbox and reconcile on intervals."""
    settings = services.settings
    scheduler = BackgroundScheduler(
        timezone=settings.zone,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
    )
    at = settings.alert_time
    scheduler.add_job(jobs.scan_and_deliver, CronTrigger(hour=at.hour, minute=at.minute,
                      timezone=settings.zone), id="daily-scan")  # fmt: skip
    scheduler.add_job(jobs.scan_and_deliver, id="startup-scan")  # runs once, now
    scheduler.add_job(jobs.deliver, IntervalTrigger(seconds=settings.delivery_interval_seconds), id="outbox")
    scheduler.add_job(jobs.reconcile, IntervalTrigger(seconds=settings.reconcile_interval_seconds), id="reconcile")
    scheduler.start()
    log.info("scheduler started: daily scan at %s %s", at.strftime("%H:%M"), settings.timezone)
    return scheduler
