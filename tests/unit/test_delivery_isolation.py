"""One alert that cannot be delivered never stops the others: it is set aside, logged once
with its id, and tried again on the next run."""

import datetime as dt
import logging
from dataclasses import replace

import pytest

from domain.alerts import ReminderPolicy, deliver, scan
from domain.failures import FailureLog
from domain.ports import DeliveryFailed
from tests.fakes import FakeClock, FakeUnitOfWork
from tests.unit.builders import seed
from tests.unit.test_alerts import RecordingNotifier

GONE = "C0GONE"  # a channel Slack no longer knows (archived, deleted)


class PickyNotifier(RecordingNotifier):
    """A fake Slack that refuses every message to GONE (channel_not_found) and, when told,
    breaks while building one subscription's message."""

    def __init__(self) -> None:
        super().__init__()
        self.tried: list[str] = []  # subscription ids, each time a message was attempted
        self.broken: set[str] = set()

    def _refuse(self, channel, view):
        self.tried.append(view.subscription_id)
        if view.subscription_id in self.broken:
            raise KeyError("a bug in one message's builder")
        if channel == GONE:
            raise DeliveryFailed(f"chat_postMessage to {channel}: channel_not_found")

    def post_alert(self, channel, view):
        self._refuse(channel, view)
        return super().post_alert(channel, view)

    def post_reminder(self, channel, thread_ts, view, stage):
        self._refuse(channel, view)
        return super().post_reminder(channel, thread_ts, view, stage)


@pytest.fixture
def uow():
    u = FakeUnitOfWork()
    seed(u)
    return u


@pytest.fixture
def clock():
    return FakeClock(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC))


def _change_account(uow, account_id, **changes):
    with uow:
        uow.accounts.save(replace(uow.accounts.get(account_id), **changes))
        uow.commit()


def _posted(notifier):
    return sorted(view.subscription_id for _, view in notifier.posts)


def test_an_alert_whose_channel_is_gone_fails_alone_and_is_retried_next_run(uow, clock):
    _change_account(uow, "acc_fabrikam", channel=GONE)
    scan(uow, clock, ReminderPolicy(), "C0BILLING")
    notifier = PickyNotifier()
    first = deliver(uow, clock, notifier)
    assert (first.posted, first.failed) == (1, 1)
    assert _posted(notifier) == ["sub_e3"]
    assert deliver(uow, clock, notifier).failed == 0  # set aside: not tried again at once
    clock.advance(minutes=1)
    second = deliver(uow, clock, notifier)
    assert (second.posted, second.failed) == (0, 1)
    assert notifier.tried.count("sub_f") == 2  # tried again on the next run after its wait
    _change_account(uow, "acc_fabrikam", channel="C0FABRIKAM")  # not the fix: the alert keeps its channel
    clock.advance(minutes=2)
    assert deliver(uow, clock, notifier).failed == 1


def test_an_account_whose_currency_no_longer_matches_its_invoices_holds_up_only_its_alert(uow, clock):
    scan(uow, clock, ReminderPolicy(), "C0BILLING")
    _change_account(uow, "acc_fabrikam", currency="USD")  # its invoice is in EUR
    notifier = PickyNotifier()
    report = deliver(uow, clock, notifier)
    assert (report.posted, report.failed) == (1, 1)
    assert _posted(notifier) == ["sub_e3"]
    _change_account(uow, "acc_fabrikam", currency="EUR")
    clock.advance(minutes=1)
    assert deliver(uow, clock, notifier).posted == 1
    assert _posted(notifier) == ["sub_e3", "sub_f"]


def test_a_card_row_that_fails_to_map_holds_up_only_its_alert(uow, clock):
    scan(uow, clock, ReminderPolicy(), "C0BILLING")
    uow.unreadable.add("card_f")
    notifier = PickyNotifier()
    report = deliver(uow, clock, notifier)
    assert (report.posted, report.failed) == (1, 1)
    assert _posted(notifier) == ["sub_e3"]


def test_a_message_that_breaks_while_being_built_fails_alone(uow, clock):
    scan(uow, clock, ReminderPolicy(), "C0BILLING")
    notifier = PickyNotifier()
    notifier.broken.add("sub_e3")
    report = deliver(uow, clock, notifier, workers=1)  # one thread: both lanes in turn
    assert (report.posted, report.failed) == (1, 1)
    assert _posted(notifier) == ["sub_f"]


def test_reminders_still_go_out_when_another_alert_cannot_be_read(uow, clock):
    scan(uow, clock, ReminderPolicy(), "C0BILLING")
    notifier = PickyNotifier()
    deliver(uow, clock, notifier)
    clock.advance(days=2)
    scan(uow, clock, ReminderPolicy(), "C0BILLING")
    _change_account(uow, "acc_fabrikam", currency="USD")
    report = deliver(uow, clock, notifier)
    assert [(sub, stage) for _, sub, stage in notifier.replies] == [("sub_e3", 7)]
    assert report.replies == 1 and report.failed == 2  # fabrikam's alert update and its reminder


def _about(caplog, record_id, level):
    return [r for r in caplog.records if record_id in r.getMessage() and r.levelno == level]


def test_a_failing_alert_is_logged_once_with_its_id_then_quietly_and_its_recovery_once(uow, clock, caplog):
    caplog.set_level(logging.DEBUG, logger="domain.failures")
    scan(uow, clock, ReminderPolicy(), "C0BILLING")
    _change_account(uow, "acc_fabrikam", currency="USD")
    failures, notifier = FailureLog(), PickyNotifier()
    for _ in range(3):
        deliver(uow, clock, notifier, failures=failures)
        clock.advance(hours=1)
    (alert_id,) = [a for (kind, a) in failures.failing() if kind == "alert"]
    assert len(_about(caplog, alert_id, logging.WARNING)) == 1
    assert len(_about(caplog, alert_id, logging.DEBUG)) == 2
    assert "currency_mismatch" in _about(caplog, alert_id, logging.WARNING)[0].getMessage()
    _change_account(uow, "acc_fabrikam", currency="EUR")
    deliver(uow, clock, notifier, failures=failures)
    clock.advance(hours=1)
    deliver(uow, clock, notifier, failures=failures)
    assert len(_about(caplog, alert_id, logging.INFO)) == 1
    assert failures.failing() == {}


def test_an_unexpected_failure_is_logged_once_at_error_with_its_traceback(uow, clock, caplog):
    caplog.set_level(logging.DEBUG, logger="domain.failures")
    scan(uow, clock, ReminderPolicy(), "C0BILLING")
    failures, notifier = FailureLog(), PickyNotifier()
    notifier.broken.add("sub_e3")
    deliver(uow, clock, notifier, failures=failures)
    clock.advance(hours=1)
    deliver(uow, clock, notifier, failures=failures)
    assert notifier.tried.count("sub_e3") == 2
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is not None
    assert "KeyError" in errors[0].getMessage()


def test_a_new_reason_for_the_same_record_is_logged_again_and_memory_is_bounded(caplog):
    caplog.set_level(logging.DEBUG, logger="domain.failures")
    failures = FailureLog(remembered=2)
    failures.failed("alert", "a1", DeliveryFailed("channel_not_found"))
    failures.failed("alert", "a1", DeliveryFailed("invalid_blocks"))
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 2
    failures.failed("alert", "a2", DeliveryFailed("x"))
    failures.failed("alert", "a3", DeliveryFailed("x"))
    assert set(failures.failing()) == {("alert", "a2"), ("alert", "a3")}
