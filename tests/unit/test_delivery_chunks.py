"""The deliverer reads its alerts' views a chunk of channels at a time and posts the first chunks
while the next are read: every alert still goes out once, a view that cannot be read holds up
only its alert, and a record that fails stops the run before the chunks not yet read."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from decimal import Decimal

import pytest

from domain import alert_delivery
from domain.alert_views import AlertView
from domain.alerts import ReminderPolicy, deliver, scan
from domain.delivery_lanes import DeliveryReport, Recorder, Send, run_lanes
from domain.failures import FailureLog
from domain.model import Account, Admin, Card, Invoice, Role, Subscription
from domain.money import Money
from domain.records import Alert
from domain.set_aside import Backoff, SetAside
from tests.fakes import FakeClock, FakeUnitOfWork

NOW = dt.datetime(2026, 11, 25, 9, tzinfo=dt.UTC)
ADMIN = "U0ADMIN01"


class SlowSlack:
    """A fake Slack for the Notifier port that takes ``delay`` per message and counts each
    subscription's posts; ``first`` is set once a message is posted."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay, self.first, self._lock = delay, threading.Event(), threading.Lock()
        self.posts: Counter[str] = Counter()

    def post_alert(self, channel: str, view: AlertView) -> str:
        time.sleep(self.delay)
        with self._lock:
            self.posts[view.subscription_id] += 1
            ts = f"100.{sum(self.posts.values()):06d}"
        self.first.set()
        return ts


def seed(uow: FakeUnitOfWork, workspaces: int, alerts_each: int) -> None:
    """``workspaces`` accounts, each in its own workspace and channel, ``alerts_each`` past due."""
    with uow:
        for w in range(workspaces):
            account = f"acc_{w:02d}"
            uow.accounts.save(Account(account, account, "USD", f"C0CH{w:02d}", team_id=f"T0TEAM{w:02d}"))
            uow.accounts.replace_admins(account, [Admin(account, ADMIN, Role.BILLING_ADMIN)])
            uow.cards.save(Card(f"card_{account}", account, "visa", "4242", 8, 2030, ADMIN, "tok_visa"))
            for i in range(alerts_each):
                sub = f"sub_{w:02d}_{i}"
                uow.subscriptions.save(Subscription(sub, account, f"Product {i}", f"card_{account}"))
                uow.invoices.save(
                    Invoice(f"inv_{sub}", sub, Money(Decimal(10 + i), "USD"), NOW.date() - dt.timedelta(2))
                )
        uow.commit()


@pytest.fixture
def chunks_of_two_channels(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(alert_delivery, "VIEW_CHUNK", 4)  # 2 alerts a channel: 2 channels a chunk


def _scanned(workspaces: int, alerts_each: int = 2) -> tuple[FakeUnitOfWork, FakeClock]:
    uow, clock = FakeUnitOfWork(), FakeClock(NOW)
    seed(uow, workspaces, alerts_each)
    scan(uow, clock, ReminderPolicy(), "C0BILLING")
    return uow, clock


def _reads(uow: FakeUnitOfWork, before: Iterable[str] = (), wait: threading.Event | None = None) -> list[set[str]]:
    """Each read of alerts by id, as the subscriptions read (after them, whether ``wait`` was
    set when it was waited for); one reading any of ``before`` first waits (up to 2 s) for it."""
    reads: list[set[str]] = []
    read, gated = uow.alerts.get_many, set(before)

    def get_many(alert_ids: Iterable[str]) -> dict[str, Alert]:
        found = read(alert_ids)
        subscriptions = {a.subscription_id for a in found.values()}
        if not subscriptions:
            return found
        reads.append(subscriptions)
        if wait is not None and subscriptions & gated:
            reads.append({f"waited: {wait.wait(2)}"})
            time.sleep(0.2)  # the worker hands its outcome back
        return found

    uow.alerts.get_many = get_many  # type: ignore[method-assign]
    return reads


def test_posting_starts_before_the_last_chunk_of_views_is_read(chunks_of_two_channels: None) -> None:
    uow, clock = _scanned(6)
    slack = SlowSlack()
    last = {"sub_05_0", "sub_05_1"}
    reads = _reads(uow, last, slack.first)
    report = deliver(uow, clock, slack)
    assert report.posted == 12 and set(slack.posts.values()) == {1}
    assert reads[-2:] == [{"sub_04_0", "sub_04_1"} | last, {"waited: True"}]  # a message was out already


def test_lanes_added_while_others_are_posted_all_go_out_once(chunks_of_two_channels: None) -> None:
    uow, clock = _scanned(12, alerts_each=2)
    slack = SlowSlack(delay=0.01)
    report = deliver(uow, clock, slack, workers=3)
    assert (report.posted, report.failed) == (24, 0)
    assert slack.posts == Counter({f"sub_{w:02d}_{i}": 1 for w in range(12) for i in range(2)})
    with uow:
        assert all(a.ts is not None and not a.needs_delivery for a in uow.alerts.get_many(_ids(uow)).values())
    again = deliver(uow, clock, slack)
    assert (again.posted, again.updated, again.failed) == (0, 0, 0) and sum(slack.posts.values()) == 24


def _ids(uow: FakeUnitOfWork) -> list[str]:
    return list(uow.work.alerts)


def test_a_view_that_fails_in_a_later_chunk_sets_aside_only_its_alert(chunks_of_two_channels: None) -> None:
    uow, clock = _scanned(6, alerts_each=1)
    with uow:  # acc_05's alert has a subscription of its own, with a card of its own
        uow.cards.save(Card("card_alone", "acc_05", "visa", "4242", 8, 2030, ADMIN, "tok_visa"))
        uow.subscriptions.save(Subscription("sub_05_0", "acc_05", "Product 0", "card_alone"))
        uow.commit()
    uow.unreadable.add("card_alone")
    slack = SlowSlack()
    report = deliver(uow, clock, slack)
    assert (report.posted, report.failed) == (5, 1)
    assert set(slack.posts) == {f"sub_{w:02d}_0" for w in range(5)}
    assert deliver(uow, clock, slack).failed == 0  # set aside: not tried again at once
    uow.unreadable.clear()
    clock.advance(minutes=1)
    assert deliver(uow, clock, slack).posted == 1 and set(slack.posts.values()) == {1}


def test_a_record_that_fails_stops_posting_and_the_chunks_not_yet_read(chunks_of_two_channels: None) -> None:
    uow, clock = _scanned(8)
    slack = SlowSlack()
    reads = _reads(uow, {"sub_02_0"}, slack.first)  # the second chunk is read once a message is out

    def broken(delivered: Iterable[tuple[str, str, int]]) -> None:
        raise RuntimeError("the database went away")

    uow.alerts.mark_delivered = broken  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="went away"):
        deliver(uow, clock, slack)
    read = set().union(*reads)
    assert {"sub_00_0", "sub_01_1"} <= read and not read & {"sub_04_0", "sub_07_1"}  # the last chunks: never read
    assert sum(slack.posts.values()) < 16 and set(slack.posts.values()) == {1}


def _send(name: str, channel: str, posted: Counter[str], recorded: list[str]) -> Send:
    def call() -> str:
        posted[name] += 1
        time.sleep(0.005)
        return f"1.{name}"

    def record(recorder: Recorder, ts: str) -> None:
        recorded.append(ts)

    return Send(channel, ("T0ACME001", None), call, record, "posted", ("alert", name), ())


def test_lanes_taken_while_others_run_are_each_posted_once_in_order() -> None:
    uow, posted, recorded, report = FakeUnitOfWork(), Counter[str](), [], DeliveryReport()

    def later() -> Iterator[list[Send]]:
        for c in range(1, 6):
            yield [_send(f"c{c}_{i}", f"C{c}", posted, recorded) for i in range(3)]

    first = [_send(f"c0_{i}", "C0", posted, recorded) for i in range(3)]
    run_lanes(uow, first, report, 2, FailureLog(), SetAside(Backoff(), NOW), later())
    assert report.posted == 18 and set(posted.values()) == {1} and len(posted) == 18
    for c in range(6):
        assert [ts for ts in recorded if ts.startswith(f"1.c{c}_")] == [f"1.c{c}_{i}" for i in range(3)]


def test_a_batch_that_cannot_be_read_is_raised_once_the_lanes_already_there_are_recorded() -> None:
    uow, posted, recorded, report = FakeUnitOfWork(), Counter[str](), [], DeliveryReport()

    def later() -> Iterator[list[Send]]:
        yield [_send("c1_0", "C1", posted, recorded)]
        raise RuntimeError("the database went away")

    first = [_send(f"c0_{i}", "C0", posted, recorded) for i in range(3)]
    with pytest.raises(RuntimeError, match="went away"):
        run_lanes(uow, first, report, 2, FailureLog(), SetAside(Backoff(), NOW), later())
    assert sorted(recorded) == ["1.c0_0", "1.c0_1", "1.c0_2", "1.c1_0"] and report.posted == 4


def test_a_later_batch_never_adds_to_a_lane_already_queued() -> None:
    uow, posted, recorded, report = FakeUnitOfWork(), Counter[str](), [], DeliveryReport()
    first = [_send("c0_0", "C0", posted, recorded)]
    with pytest.raises(ValueError, match="already queued"):
        run_lanes(
            uow, first, report, 2, FailureLog(), SetAside(Backoff(), NOW), [[_send("c0_1", "C0", posted, recorded)]]
        )
    assert recorded == ["1.c0_0"] and "c0_1" not in posted
