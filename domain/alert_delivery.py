"""Bringing Slack up to date with the alerts outbox: channels in parallel, each one in order.

A run first takes the scans' claims (they become alerts and reminders in one transaction).

Slack limits posting per channel (about one message a second), so each channel is a lane
worked by one thread, in order, while the lanes overlap (``domain.delivery_lanes``). Only the
calling thread touches the unit of work: lanes hand back each message's ts and it is committed
as soon as that thread is free (with whatever else has arrived meanwhile), so a message posted
is recorded before the run ends and never posted twice by the next run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from domain.alert_views import (
    DIGEST_PREFIX,
    AlertView,
    DigestView,
    Notifier,
    awaiting_digest,
    describe_digest,
    describe_each,
    in_digest,
    message_ts,
)
from domain.delivery_lanes import DeliveryReport, Recorder, Send, run_lanes
from domain.errors import DomainError
from domain.failures import FailureLog
from domain.model import Account
from domain.ports import Clock, UnitOfWork
from domain.records import Alert, Reminder
from domain.set_aside import Backoff, SetAside

DELIVERY_WORKERS = 32  # channels posted to at the same time


def deliver(
    uow: UnitOfWork, clock: Clock, notifier: Notifier, *, limit: int = 500,
    updates_only: bool = False, workers: int = DELIVERY_WORKERS, failures: FailureLog | None = None,
    backoff: Backoff | None = None, subscription_id: str | None = None, reader: UnitOfWork | None = None,
) -> DeliveryReport:  # fmt: skip
    """Take the scans' claims, post new alerts (or their channel's digest), update changed
    ones, then post reminders.

    What fails fails alone: an alert whose records cannot be read, or whose message Slack
    refuses, is logged once in ``failures`` and set aside (``domain.set_aside``: tried again
    after ``backoff``, in a later run), and the others are delivered; a batch of ``limit``
    takes what was never set aside first, so however many keep failing, the others go out.
    ``updates_only`` takes nothing, edits what is already posted and posts nothing new (the
    scheduler alone posts), so a serving process can refresh an alert right after a settlement;
    with ``subscription_id`` as well, only that subscription's alerts (the rest of the outbox is
    the scheduler's). ``reader`` (a read-only unit of work), when given, reads what is due and
    how it looks (on SQLite it does not take the write lock); what was posted is recorded
    through ``uow`` either way.
    """
    today, now = clock.today(), clock.now()
    report, aside = DeliveryReport(), SetAside(backoff or Backoff(), now)
    failures = failures or FailureLog()
    if not updates_only:
        with uow:
            report.taken = uow.alerts.take_claims(now)
            uow.commit()
    source = reader or uow
    with source:
        pending = [a for a in source.alerts.undelivered(limit, now, subscription_id) if _due(a, updates_only)]
        digests = _digests(source, pending, today, failures, report, aside)
        singles = [a for a in pending if not awaiting_digest(a)]
        views = _views(source, singles, today, failures, report, aside)
    sends = [_digest_send(notifier, d, members) for d, members in digests if members]
    sends += [_alert_send(notifier, a, views[a.id]) for a in singles if a.id in views]
    run_lanes(uow, sends, report, workers, failures, aside)
    if not updates_only:
        reminders = _reminder_sends(uow, notifier, limit, now, today, failures, report, aside)
        run_lanes(uow, reminders, report, workers, failures, aside)
    aside.save(uow)
    return report


def _views(
    uow: UnitOfWork, alerts: list[Alert], today: dt.date, failures: FailureLog, report: DeliveryReport,
    aside: SetAside,
) -> dict[str, AlertView]:  # fmt: skip
    views, failed = describe_each(uow, [a.id for a in alerts], today)
    for alert_id, error in failed.items():
        failures.failed("alert", alert_id, error)
    aside.add([a for a in alerts if a.id in failed])
    report.failed += len(failed)
    return views


def _digests(
    uow: UnitOfWork, pending: list[Alert], today: dt.date, failures: FailureLog, report: DeliveryReport,
    aside: SetAside,
) -> list[tuple[DigestView, list[Alert]]]:  # fmt: skip
    """Each channel's digest, one per workspace (a channel id is a workspace's, and the default
    channel every workspace's: a digest never shows one workspace's alerts in another); a
    channel whose digests cannot be built has its alerts set aside."""
    digests = []
    for channel in sorted({a.channel for a in pending if awaiting_digest(a)}):
        try:
            digests.extend(_digests_of(uow, channel, today, failures))
        except DomainError as error:
            failures.failed("digest", channel, error)
            aside.add([a for a in pending if awaiting_digest(a) and a.channel == channel])
            report.failed += 1
    return digests


def _due(alert: Alert, updates_only: bool) -> bool:
    return not updates_only or (alert.ts is not None and not awaiting_digest(alert))


def _digests_of(
    uow: UnitOfWork, channel: str, today: dt.date, failures: FailureLog
) -> list[tuple[DigestView, list[Alert]]]:
    groups = _by_workspace(uow, uow.alerts.awaiting_digest(channel))
    return [(describe_digest(uow, channel, members, today, failures), members) for members in groups]


def _by_workspace(uow: UnitOfWork, alerts: list[Alert]) -> list[list[Alert]]:
    """The alerts grouped by their account's workspace; one whose subscription or account cannot
    be found goes alone (it is never shown beside another workspace's)."""
    account_of = {}
    for subscription_id in {a.subscription_id for a in alerts}:
        subscription = uow.subscriptions.get(subscription_id)
        if subscription is not None:
            account_of[subscription_id] = subscription.account_id
    accounts = uow.accounts.get_many(set(account_of.values()))
    groups: dict[object, list[Alert]] = {}
    for alert in alerts:
        account = accounts.get(account_of.get(alert.subscription_id, ""))
        key = _workspace(account) if account is not None else ("alone", alert.id)
        groups.setdefault(key, []).append(alert)
    return list(groups.values())


def _digest_send(notifier: Notifier, digest: DigestView, members: list[Alert]) -> Send:
    def record(recorder: Recorder, ts: str) -> None:
        recorder.uow.alerts.mark_posted([m.id for m in members], ts)

    def call() -> str:
        return DIGEST_PREFIX + notifier.post_digest(digest.channel, digest)

    return Send(digest.channel, digest.workspace, call, record, "digests", ("digest", digest.channel), tuple(members))


def _alert_send(notifier: Notifier, alert: Alert, view: AlertView) -> Send:
    def call() -> str:
        if alert.ts is None:
            return notifier.post_alert(alert.channel, view)
        thread = message_ts(alert)
        if in_digest(alert):  # the digest is a snapshot: a settlement is told in its thread
            if view.settled is not None and thread is not None:
                notifier.post_in_thread(alert.channel, thread, view)
            return alert.ts
        notifier.update_alert(alert.channel, alert.ts, view)
        return alert.ts

    def record(recorder: Recorder, ts: str) -> None:
        recorder.delivered(alert.id, ts, alert.version)

    kind = "posted" if alert.ts is None else "updated"
    return Send(alert.channel, _workspace(view.account), call, record, kind, ("alert", alert.id), (alert,))


def _reminder_sends(
    uow: UnitOfWork, notifier: Notifier, limit: int, now: dt.datetime, today: dt.date, failures: FailureLog,
    report: DeliveryReport, aside: SetAside,
) -> list[Send]:  # fmt: skip
    """A reply for each reminder due; one whose alert cannot be described is set aside."""
    with uow:
        replies = uow.alerts.undelivered_reminders(limit, now)
        parents = uow.alerts.get_many({r.alert_id for r in replies})
        views, failed = describe_each(uow, parents, today)
    for alert_id, error in failed.items():
        failures.failed("alert", alert_id, error)
    report.failed += len(failed)
    aside.add([r for r in replies if r.alert_id in failed])
    sends = []
    for reminder in replies:
        parent = parents.get(reminder.alert_id)
        thread = message_ts(parent) if parent is not None else None
        if parent is not None and thread is not None and reminder.alert_id in views:
            sends.append(_reply_send(notifier, parent, thread, reminder, views[reminder.alert_id]))
    return sends


def _reply_send(notifier: Notifier, parent: Alert, thread: str, reminder: Reminder, view: AlertView) -> Send:
    def record(recorder: Recorder, ts: str) -> None:
        recorder.uow.alerts.save_reminder(replace(reminder, ts=ts, failures=0, retry_at=None))

    def call() -> str:
        return notifier.post_reminder(parent.channel, thread, view, reminder.stage)

    return Send(parent.channel, _workspace(view.account), call, record, "replies", ("reminder", reminder.id),
                 (reminder,))  # fmt: skip


def _workspace(account: Account) -> tuple[str | None, str | None]:
    return account.team_id, account.enterprise_id
