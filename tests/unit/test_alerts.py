import datetime as dt
from dataclasses import replace

import pytest

from domain.alerts import AlertView, ReminderPolicy, deliver, scan
from domain.ports import DeliveryFailed
from domain.records import Claimed
from domain.settlement import settle
from payments.sandbox import MemoryLedger, SandboxGateway
from tests.fakes import FakeClock, FakeUnitOfWork
from tests.unit.builders import ADMIN, seed, shown


class RecordingNotifier:
    """A fake Slack for the Notifier port: keeps what it was asked to post."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, AlertView]] = []
        self.updates: list[tuple[str, str, AlertView]] = []
        self.replies: list[tuple[str, str, int]] = []
        self.fail = 0

    def _maybe_fail(self) -> None:
        if self.fail:
            self.fail -= 1
            raise DeliveryFailed("slack down")

    def post_alert(self, channel, view):
        self._maybe_fail()
        self.posts.append((channel, view))
        return f"100.{len(self.posts):06d}"

    def update_alert(self, channel, ts, view):
        self._maybe_fail()
        self.updates.append((channel, ts, view))

    def post_reminder(self, channel, thread_ts, view, stage):
        self._maybe_fail()
        self.replies.append((thread_ts, view.subscription_id, stage))
        return f"200.{len(self.replies):06d}"


@pytest.fixture
def uow():
    u = FakeUnitOfWork()
    seed(u)
    return u


@pytest.fixture
def clock():
    return FakeClock(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC))


@pytest.mark.parametrize(
    ("days", "stage"),
    [(0, 0), (1, 1), (2, 1), (3, 3), (6, 3), (7, 7), (13, 7), (14, 14), (20, 14), (21, 21), (35, 35)],
)
def test_reminder_stages_follow_1_3_7_14_then_every_7_days(days, stage):
    assert ReminderPolicy().stage_for(days) == stage


def _undelivered(uow):
    with uow:
        return uow.alerts.undelivered(100)


def _take(uow, clock):
    with uow:
        uow.alerts.take_claims(clock.now())
        uow.commit()


def test_scan_alerts_each_past_due_subscription_once(uow, clock):
    report = scan(uow, clock, ReminderPolicy(), "C0BILLING")
    assert (report.alerts, report.reminders, report.digests) == (2, 0, {})
    assert _undelivered(uow) == []  # claims, not alerts, until the deliverer takes them
    again = scan(uow, clock, ReminderPolicy(), "C0BILLING")
    assert (again.alerts, again.reminders) == (0, 0)
    notifier = RecordingNotifier()
    assert deliver(uow, clock, notifier).taken == Claimed(2, 0, {})
    assert sorted(v.subscription_id for _, v in notifier.posts) == ["sub_e3", "sub_f"]
    assert scan(uow, clock, ReminderPolicy(), "C0BILLING").alerts == 0


def test_a_subscription_settled_before_delivery_is_never_alerted(uow, clock):
    assert scan(uow, clock, ReminderPolicy(), "C0BILLING").alerts == 2
    settle(uow, SandboxGateway(MemoryLedger()), clock, ADMIN, "sub_e3", "card_2", confirmed=shown(uow, "sub_e3"))
    notifier = RecordingNotifier()
    assert deliver(uow, clock, notifier).taken.alerts == 1
    assert [v.subscription_id for _, v in notifier.posts] == ["sub_f"]


def test_alerts_go_to_the_accounts_own_channel_or_the_default(uow, clock):
    from dataclasses import replace

    with uow:
        uow.accounts.save(replace(uow.accounts.get("acc_fabrikam"), channel="C0FABRIKAM"))
        uow.commit()
    scan(uow, clock, ReminderPolicy(), "C0BILLING")
    _take(uow, clock)
    assert {a.subscription_id: a.channel for a in _undelivered(uow)} == {
        "sub_e3": "C0BILLING", "sub_f": "C0FABRIKAM",
    }  # fmt: skip


def test_a_dry_run_claims_nothing_but_describes_the_alerts(uow, clock):
    report = scan(uow, clock, ReminderPolicy(), "C0BILLING", dry_run=True)
    assert {v.product for v in report.views.values()} == {"Microsoft 365 E3", "Teams Essentials"}
    assert sorted(a.subscription_id for a in report.shown_alerts) == ["sub_e3", "sub_f"]
    assert _undelivered(uow) == []
    assert scan(uow, clock, ReminderPolicy(), "C0BILLING").alerts == 2


def test_reminders_follow_in_the_thread_and_update_the_alert(uow, clock):
    notifier = RecordingNotifier()
    scan(uow, clock, ReminderPolicy(), "C0BILLING")
    deliver(uow, clock, notifier)
    assert len(notifier.posts) == 2
    clock.advance(days=2)  # sub_e3: 5 -> 7 days (stage 7); sub_f: 1 -> 3 days (stage 3)
    assert scan(uow, clock, ReminderPolicy(), "C0BILLING").reminders == 2
    deliver(uow, clock, notifier)
    assert sorted(stage for _, _, stage in notifier.replies) == [3, 7]
    assert {view.days_past_due for _, _, view in notifier.updates} == {3, 7}
    assert scan(uow, clock, ReminderPolicy(), "C0BILLING").reminders == 0


def test_undelivered_alerts_stay_in_the_outbox_until_slack_answers(uow, clock):
    notifier = RecordingNotifier()
    notifier.fail = 1
    scan(uow, clock, ReminderPolicy(), "C0BILLING")
    first = deliver(uow, clock, notifier)
    assert (first.posted, first.failed) == (1, 1)
    assert deliver(uow, clock, notifier).posted == 0  # set aside for a minute (one delivery interval)
    clock.advance(minutes=1)
    second = deliver(uow, clock, notifier)
    assert (second.posted, second.failed) == (1, 0)
    assert deliver(uow, clock, notifier).posted == 0
    assert sorted(v.subscription_id for _, v in notifier.posts) == ["sub_e3", "sub_f"]


def test_the_refresh_after_a_settlement_updates_its_alert_and_leaves_the_outbox_to_the_scheduler(uow, clock):
    notifier = RecordingNotifier()
    scan(uow, clock, ReminderPolicy(), "C0BILLING")
    deliver(uow, clock, notifier)
    with uow:  # the other alert changed too (e.g. by a billing event): the scheduler's to deliver
        other = uow.alerts.open_for("sub_f")
        assert other is not None and other.ts is not None
        uow.alerts.save(replace(other, version=other.version + 1))
        uow.commit()
    settle(uow, SandboxGateway(MemoryLedger()), clock, ADMIN, "sub_e3", "card_2", confirmed=shown(uow, "sub_e3"))
    report = deliver(uow, clock, notifier, updates_only=True, subscription_id="sub_e3")
    assert report.updated == 1 and [v.subscription_id for _, _, v in notifier.updates] == ["sub_e3"]
    with uow:
        assert [a.subscription_id for a in uow.alerts.undelivered(10)] == ["sub_f"]


def test_settling_updates_the_alert_to_show_who_paid(uow, clock):
    notifier = RecordingNotifier()
    scan(uow, clock, ReminderPolicy(), "C0BILLING")
    deliver(uow, clock, notifier)
    settle(uow, SandboxGateway(MemoryLedger()), clock, ADMIN, "sub_e3", "card_2", confirmed=shown(uow, "sub_e3"))
    deliver(uow, clock, notifier)
    (_, ts, view), = notifier.updates
    assert ts == "100.000001" or ts == "100.000002"
    assert view.settled is not None and view.settled.actor == ADMIN
    assert view.settled.card_last4 == "4444" and str(view.settled.amount) == "129.99 USD"
