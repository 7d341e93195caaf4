"""Alerts and reminders that fail for good never fill the deliverer's batches: each is set
aside and tried again later and later (up to once an hour), and everything else goes out
on the next run however many are stuck."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from domain.alerts import ReminderPolicy, deliver, scan
from domain.model import Account, Invoice, Subscription
from domain.money import Money
from domain.ports import DeliveryFailed
from domain.set_aside import Backoff
from tests.fakes import FakeClock, FakeUnitOfWork
from tests.unit.test_alerts import RecordingNotifier
from tests.unit.test_digest import RecordingNotifier as DigestNotifier
from tests.unit.test_digest import seed as seed_digest

LIMIT = 5  # the batch; more alerts than this are stuck
STUCK = 8
GONE, OK = "C0GONE", "C0OK"
POLICY = ReminderPolicy((1, 3, 7, 14), 7)


class ChannelsNotifier(RecordingNotifier):
    """A fake Slack on which the channels in ``gone`` no longer exist; counts every try."""

    def __init__(self) -> None:
        super().__init__()
        self.gone: set[str] = set()
        self.tried: list[str] = []  # subscription ids

    def _check(self, channel: str, subscription_id: str) -> None:
        self.tried.append(subscription_id)
        if channel in self.gone:
            raise DeliveryFailed(f"chat_postMessage to {channel}: channel_not_found")

    def post_alert(self, channel, view):
        self._check(channel, view.subscription_id)
        return super().post_alert(channel, view)

    def update_alert(self, channel, ts, view):
        self._check(channel, view.subscription_id)
        super().update_alert(channel, ts, view)

    def post_reminder(self, channel, thread_ts, view, stage):
        self._check(channel, view.subscription_id)
        return super().post_reminder(channel, thread_ts, view, stage)


@pytest.fixture
def clock():
    return FakeClock(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC))


def _past_due(uow: FakeUnitOfWork, account_id: str, channel: str, subs: list[str], today: dt.date) -> None:
    with uow:
        uow.accounts.save(Account(account_id, account_id, "USD", channel))
        for sub in subs:
            uow.subscriptions.save(Subscription(sub, account_id, f"Product {sub}", None))
            amount = Money(Decimal("10.00"), "USD")
            uow.invoices.save(Invoice(f"inv_{sub}", sub, amount, today - dt.timedelta(days=2)))
        uow.commit()


def _stuck(n: int = STUCK) -> list[str]:
    return [f"sub_stuck_{i}" for i in range(n)]


def _posted(notifier: ChannelsNotifier) -> list[str]:
    return sorted(view.subscription_id for _, view in notifier.posts)


def test_more_stuck_alerts_than_a_batch_holds_never_keep_newer_alerts_from_going_out(clock):
    uow, notifier = FakeUnitOfWork(), ChannelsNotifier()
    notifier.gone.add(GONE)
    _past_due(uow, "acc_gone", GONE, _stuck(), clock.today())
    scan(uow, clock, POLICY, OK)
    assert deliver(uow, clock, notifier, limit=LIMIT).failed == LIMIT
    assert deliver(uow, clock, notifier, limit=LIMIT).failed == STUCK - LIMIT  # the rest, set aside too
    clock.advance(seconds=30)
    _past_due(uow, "acc_ok", OK, ["sub_new_1", "sub_new_2"], clock.today())
    scan(uow, clock, POLICY, OK)
    report = deliver(uow, clock, notifier, limit=LIMIT)  # the next run
    assert (report.posted, report.failed) == (2, 0)
    assert _posted(notifier) == ["sub_new_1", "sub_new_2"]


def test_stuck_alerts_due_again_come_after_every_new_alert_in_a_batch(clock):
    uow, notifier = FakeUnitOfWork(), ChannelsNotifier()
    notifier.gone.add(GONE)
    _past_due(uow, "acc_gone", GONE, _stuck(), clock.today())
    scan(uow, clock, POLICY, OK)
    deliver(uow, clock, notifier, limit=STUCK)
    clock.advance(hours=2)  # every stuck alert is due again
    new = [f"sub_new_{i}" for i in range(LIMIT - 1)]
    _past_due(uow, "acc_ok", OK, new, clock.today())
    scan(uow, clock, POLICY, OK)
    report = deliver(uow, clock, notifier, limit=LIMIT)
    assert (report.posted, report.failed) == (LIMIT - 1, 1)  # all new ones, then one stuck retried
    assert _posted(notifier) == new


def test_a_stuck_alert_is_retried_after_one_two_four_minutes_then_at_most_hourly(clock):
    uow, notifier = FakeUnitOfWork(), ChannelsNotifier()
    notifier.gone.add(GONE)
    _past_due(uow, "acc_gone", GONE, ["sub_stuck"], clock.today())
    scan(uow, clock, POLICY, OK)
    tries = []
    for _ in range(24 * 60):  # a day, a run every minute
        deliver(uow, clock, notifier)
        tries.append(notifier.tried.count("sub_stuck"))
        clock.advance(minutes=1)
    first_tries = [minute for minute in range(1, len(tries)) if tries[minute] > tries[minute - 1]]
    assert first_tries[:6] == [1, 3, 7, 15, 31, 63]
    assert {b - a for a, b in itertools.pairwise(first_tries[5:])} == {60}  # hourly from then on
    notifier.gone.clear()  # the channel is back
    clock.advance(hours=1)
    assert deliver(uow, clock, notifier).posted == 1
    with uow:
        alert = uow.alerts.open_for("sub_stuck")
    assert alert is not None and (alert.failures, alert.retry_at) == (0, None)


def test_reminders_of_stuck_alerts_never_keep_the_others_from_going_out(clock):
    uow, notifier = FakeUnitOfWork(), ChannelsNotifier()
    _past_due(uow, "acc_gone", GONE, _stuck(), clock.today())
    _past_due(uow, "acc_ok", OK, ["sub_zz_ok"], clock.today())  # its reminder is the newest in id order
    scan(uow, clock, POLICY, OK)
    assert deliver(uow, clock, notifier, limit=STUCK + 1).posted == STUCK + 1
    notifier.gone.add(GONE)  # archived after the alerts were posted
    clock.advance(days=1)
    scan(uow, clock, POLICY, OK)  # day 3: a reminder for every alert, and its message updated
    first = deliver(uow, clock, notifier, limit=LIMIT)
    assert (first.replies, first.failed) == (0, 2 * LIMIT)  # five updates and five reminders
    clock.advance(seconds=30)
    second = deliver(uow, clock, notifier, limit=LIMIT)
    assert (second.updated, second.replies, second.failed) == (1, 1, 2 * (STUCK - LIMIT))
    assert [sub for _, sub, _ in notifier.replies] == ["sub_zz_ok"]


def test_the_wait_doubles_from_the_first_up_to_the_most():
    backoff = Backoff(dt.timedelta(seconds=60), dt.timedelta(hours=1))
    assert [backoff.wait(n).total_seconds() for n in range(1, 9)] == [60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert backoff.wait(10**9) == dt.timedelta(hours=1)
    assert Backoff(dt.timedelta(hours=2), dt.timedelta(hours=1)).wait(1) == dt.timedelta(hours=1)


class RefusingDigests(DigestNotifier):
    """A fake Slack that refuses digests while ``down``."""

    down = True

    def post_digest(self, channel, digest):
        if self.down:
            raise DeliveryFailed(f"chat_postMessage to {channel}: invalid_blocks")
        return super().post_digest(channel, digest)


def test_a_digest_slack_refuses_sets_aside_its_alerts_and_never_holds_up_a_quieter_channel(clock):
    uow, notifier = FakeUnitOfWork(), RefusingDigests()
    seed_digest(uow, crowded=25, quiet=0)
    scan(uow, clock, POLICY, OK, digest_threshold=20)
    assert deliver(uow, clock, notifier, limit=LIMIT).failed == 1
    for _ in range(4):  # the other twenty members, a batch at a time
        deliver(uow, clock, notifier, limit=LIMIT)
    _past_due(uow, "acc_ok", OK, ["sub_new"], clock.today())
    scan(uow, clock, POLICY, OK, digest_threshold=20)
    assert (deliver(uow, clock, notifier, limit=LIMIT).posted, notifier.posts) == (1, [(OK, "sub_new")])
    notifier.down = False
    clock.advance(minutes=1)
    report = deliver(uow, clock, notifier, limit=LIMIT)
    assert report.digests == 1 and notifier.digests[0][1].total == 25
