"""Bringing Slack up to date with the alerts outbox: channels in parallel, each one in order.

A run first takes the scans' claims (they become alerts and reminders in one transaction).

Slack limits posting per channel (about one message a second), so each channel is a lane
worked by one thread, in order, while the lanes overlap. Only the calling thread touches
the unit of work: lanes hand back each message's ts and it is committed at once, so a
message posted is recorded before the run ends and never posted twice by the next run.
"""

from __future__ import annotations

import collections
import datetime as dt
import queue
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

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
from domain.errors import DomainError
from domain.failures import FailureLog
from domain.model import Account
from domain.ports import Clock, UnitOfWork
from domain.records import Alert, Claimed, Reminder
from domain.set_aside import Backoff, SetAside

DELIVERY_WORKERS = 32  # channels posted to at the same time


@dataclass(slots=True)
class DeliveryReport:
    posted: int = 0
    updated: int = 0
    replies: int = 0
    failed: int = 0
    digests: int = 0  # digest messages posted
    taken: Claimed = field(default_factory=Claimed)  # what the scans' claims became (and their digests)


@dataclass(frozen=True, slots=True)
class _Send:
    """One Slack call in a channel's lane, and how to record its outcome (on the caller's thread)."""

    channel: str
    workspace: tuple[str | None, str | None]  # its account's (team, Grid org): a channel id is a workspace's
    call: Callable[[], str]  # returns the ts to record
    record: Callable[[str], None]
    kind: str  # the DeliveryReport counter it adds to
    what: tuple[str, str]  # the record it delivers, for the failure log: kind and id
    records: tuple[Alert | Reminder, ...]  # set aside if it fails


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
    sends = [_digest_send(uow, notifier, d, members) for d, members in digests if members]
    sends += [_alert_send(uow, notifier, a, views[a.id]) for a in singles if a.id in views]
    _run(sends, report, workers, failures, aside)
    if not updates_only:
        reminders = _reminder_sends(uow, notifier, limit, now, today, failures, report, aside)
        _run(reminders, report, workers, failures, aside)
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


def _digest_send(uow: UnitOfWork, notifier: Notifier, digest: DigestView, members: list[Alert]) -> _Send:
    def record(ts: str) -> None:
        with uow:
            uow.alerts.mark_posted([m.id for m in members], ts)
            uow.commit()

    def call() -> str:
        return DIGEST_PREFIX + notifier.post_digest(digest.channel, digest)

    return _Send(digest.channel, digest.workspace, call, record, "digests", ("digest", digest.channel), tuple(members))


def _alert_send(uow: UnitOfWork, notifier: Notifier, alert: Alert, view: AlertView) -> _Send:
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

    def record(ts: str) -> None:
        with uow:
            current = uow.alerts.get(alert.id)
            if current is not None:
                done = max(current.delivered_version, alert.version)
                uow.alerts.save(replace(current, ts=ts, delivered_version=done, failures=0, retry_at=None))
                uow.commit()

    kind = "posted" if alert.ts is None else "updated"
    return _Send(alert.channel, _workspace(view.account), call, record, kind, ("alert", alert.id), (alert,))


def _reminder_sends(
    uow: UnitOfWork, notifier: Notifier, limit: int, now: dt.datetime, today: dt.date, failures: FailureLog,
    report: DeliveryReport, aside: SetAside,
) -> list[_Send]:  # fmt: skip
    """A reply for each reminder due; one whose alert cannot be described is set aside."""
    with uow:
        replies = uow.alerts.undelivered_reminders(limit, now)
        parents = {r.alert_id: uow.alerts.get(r.alert_id) for r in replies}
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
            sends.append(_reply_send(uow, notifier, parent, thread, reminder, views[reminder.alert_id]))
    return sends


def _reply_send(
    uow: UnitOfWork, notifier: Notifier, parent: Alert, thread: str, reminder: Reminder, view: AlertView
) -> _Send:
    def record(ts: str) -> None:
        with uow:
            uow.alerts.save_reminder(replace(reminder, ts=ts, failures=0, retry_at=None))
            uow.commit()

    def call() -> str:
        return notifier.post_reminder(parent.channel, thread, view, reminder.stage)

    return _Send(parent.channel, _workspace(view.account), call, record, "replies", ("reminder", reminder.id),
                 (reminder,))  # fmt: skip


def _workspace(account: Account) -> tuple[str | None, str | None]:
    return account.team_id, account.enterprise_id


_Done = tuple[_Send, str | Exception] | None  # the ts to record, or why it failed; None: a lane has finished
_Lane = collections.deque[_Send]


def _run(sends: list[_Send], report: DeliveryReport, workers: int, failures: FailureLog, aside: SetAside) -> None:
    """Work the lanes (a channel of one workspace each, in order) side by side; record every
    outcome here, as it arrives.

    The lanes take turns on a shared queue: a worker posts one message of a lane, then puts the
    lane back at the end of the queue, so many lanes (a thousand workspaces' channels) share the
    workers without any lane holding one while it waits for its channel's next turn, and a slow
    lane (a workspace timing out) delays only itself.
    """
    lanes: dict[tuple[str | None, str | None, str], _Lane] = {}
    for send in sends:
        lanes.setdefault((*send.workspace, send.channel), collections.deque()).append(send)
    if not lanes:
        return
    work: queue.SimpleQueue[_Lane | None] = queue.SimpleQueue()
    for lane in lanes.values():
        work.put(lane)
    done: queue.SimpleQueue[_Done] = queue.SimpleQueue()
    stop = threading.Event()
    threads = max(1, min(workers, len(lanes)))
    with ThreadPoolExecutor(threads, thread_name_prefix="deliver") as pool:
        futures = [pool.submit(_worker, work, done, stop) for _ in range(threads)]
        try:
            _collect(done, len(lanes), report, failures, aside)
        except BaseException:
            stop.set()  # nothing more is posted once outcomes can no longer be recorded
            raise
        finally:
            for _ in futures:
                work.put(None)
    for future in futures:
        future.result()  # a bug in a worker itself surfaces here


def _worker(work: queue.SimpleQueue[_Lane | None], done: queue.SimpleQueue[_Done], stop: threading.Event) -> None:
    """Post the next message of each lane taken; a message that fails (Slack refusing it, or its
    builder) fails alone, and its lane goes on."""
    while (lane := work.get()) is not None:
        send = lane.popleft()
        if stop.is_set():
            continue
        try:
            done.put((send, send.call()))
        except Exception as error:  # set aside for the next run; _collect logs it once
            done.put((send, error))
        if lane:
            work.put(lane)
        else:
            done.put(None)


def _collect(
    done: queue.SimpleQueue[_Done], lanes: int, report: DeliveryReport, failures: FailureLog, aside: SetAside
) -> None:
    finished = 0
    while finished < lanes:
        item = done.get()
        if item is None:
            finished += 1
            continue
        send, outcome = item
        if isinstance(outcome, Exception):
            report.failed += 1
            failures.failed(*send.what, outcome)
            aside.add(send.records)
            continue
        send.record(outcome)
        failures.succeeded(*send.what)
        setattr(report, send.kind, getattr(report, send.kind) + 1)
