"""Digests: one message for a channel that many alerts reach in one scan, and what follows it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from domain.alert_views import AlertView, DigestView
from domain.alerts import ReminderPolicy, deliver, scan
from domain.model import Account, Admin, Card, Invoice, Role, Subscription
from domain.money import Money
from domain.settlement import settle
from handlers import ids
from handlers.blocks.digest import digest_message
from payments.sandbox import MemoryLedger, SandboxGateway
from tests.fakes import FakeClock, FakeUnitOfWork
from tests.unit.builders import shown
from tests.unit.test_blocks_data import blocks_of, message_payload, texts, tr

CROWDED, QUIET, DEFAULT = "C0CROWDED", "C0QUIET", "C0BILLING"
ADMIN = "U0ADMIN01"
TODAY = dt.date(2026, 11, 25)


class RecordingNotifier:
    """Keeps what it was asked to post, as a fake Slack would show it."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, str]] = []  # (channel, subscription id)
        self.digests: list[tuple[str, DigestView]] = []
        self.updates: list[str] = []
        self.thread: list[tuple[str, str, str]] = []  # (thread ts, subscription id, what)

    def post_alert(self, channel: str, view: AlertView) -> str:
        self.posts.append((channel, view.subscription_id))
        return f"100.{len(self.posts):06d}"

    def update_alert(self, channel: str, ts: str, view: AlertView) -> None:
        self.updates.append(view.subscription_id)

    def post_reminder(self, channel: str, thread_ts: str, view: AlertView, stage: int) -> str:
        self.thread.append((thread_ts, view.subscription_id, f"reminder {stage}"))
        return f"300.{len(self.thread):06d}"

    def post_digest(self, channel: str, digest: DigestView) -> str:
        self.digests.append((channel, digest))
        return f"200.{len(self.digests):06d}"

    def post_in_thread(self, channel: str, thread_ts: str, view: AlertView) -> str:
        self.thread.append((thread_ts, view.subscription_id, "settled" if view.settled else "open"))
        return f"300.{len(self.thread):06d}"


def seed(uow: FakeUnitOfWork, crowded: int, quiet: int = 2) -> None:
    """``crowded`` past-due subscriptions in one channel (sub_c00 owes least), ``quiet`` in another."""
    with uow:
        for account, channel, n in (("acc_c", CROWDED, crowded), ("acc_q", QUIET, quiet)):
            uow.accounts.save(Account(account, f"Account {account}", "USD", channel))
            uow.accounts.replace_admins(account, [Admin(account, ADMIN, Role.BILLING_ADMIN)])
            uow.cards.save(Card(f"card_{account}", account, "visa", "4242", 8, 2030, ADMIN, "tok_visa"))
            for i in range(n):
                sub = f"sub_{account[-1]}{i:02d}"
                uow.subscriptions.save(Subscription(sub, account, f"Product {i}", f"card_{account}"))
                amount = Money(Decimal(100 + i), "USD")
                uow.invoices.save(Invoice(f"inv_{sub}", sub, amount, TODAY - dt.timedelta(days=2)))
        uow.commit()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC))


def test_a_crowded_channel_gets_one_digest_instead_of_an_alert_each(clock: FakeClock) -> None:
    uow, notifier = FakeUnitOfWork(), RecordingNotifier()
    seed(uow, crowded=25)
    assert scan(uow, clock, ReminderPolicy(), DEFAULT, digest_threshold=20).alerts == 27
    delivered = deliver(uow, clock, notifier)
    assert delivered.taken.digests == {CROWDED: 25} and delivered.taken.alerts == 27
    ((channel, digest),) = notifier.digests
    assert channel == CROWDED and digest.total == 25 and digest.rest == 20
    assert [v.subscription_id for v in digest.top] == ["sub_c24", "sub_c23", "sub_c22", "sub_c21", "sub_c20"]
    assert sorted(notifier.posts) == [(QUIET, "sub_q00"), (QUIET, "sub_q01")]
    assert (delivered.digests, delivered.posted, delivered.failed) == (1, 2, 0)


def test_at_the_threshold_every_alert_is_posted_on_its_own(clock: FakeClock) -> None:
    uow, notifier = FakeUnitOfWork(), RecordingNotifier()
    seed(uow, crowded=20)
    scan(uow, clock, ReminderPolicy(), DEFAULT, digest_threshold=20)
    assert deliver(uow, clock, notifier).taken.digests == {}
    assert notifier.digests == [] and len(notifier.posts) == 22


def test_digested_alerts_are_delivered_once_and_keep_one_row_each(clock: FakeClock) -> None:
    uow, notifier = FakeUnitOfWork(), RecordingNotifier()
    seed(uow, crowded=25)
    scan(uow, clock, ReminderPolicy(), DEFAULT, digest_threshold=20)
    deliver(uow, clock, notifier)
    again = deliver(uow, clock, notifier)
    assert (again.digests, again.posted, again.updated) == (0, 0, 0) and len(notifier.digests) == 1
    with uow:
        members = [a for a in uow.committed.alerts.values() if a.channel == CROWDED]
    assert len(members) == 25 and {a.ts for a in members} == {"digest:200.000001"}
    assert all(not a.needs_delivery for a in members)


def test_reminders_and_settlements_of_digested_alerts_go_to_the_digests_thread(clock: FakeClock) -> None:
    uow, notifier = FakeUnitOfWork(), RecordingNotifier()
    seed(uow, crowded=25)
    scan(uow, clock, ReminderPolicy(), DEFAULT, digest_threshold=20)
    deliver(uow, clock, notifier)
    settle(uow, SandboxGateway(MemoryLedger()), clock, ADMIN, "sub_c03", "card_acc_c", confirmed=shown(uow, "sub_c03"))
    deliver(uow, clock, notifier)
    assert notifier.thread == [("200.000001", "sub_c03", "settled")] and notifier.updates == []
    clock.advance(days=1)  # 2 -> 3 days past due: a reminder for every open one
    assert scan(uow, clock, ReminderPolicy(), DEFAULT, digest_threshold=20).reminders == 26
    deliver(uow, clock, notifier)
    replies = [t for t in notifier.thread if t[2] == "reminder 3"]
    in_digest_thread = {ts for ts, sub, _ in replies if sub.startswith("sub_c")}
    assert len(replies) == 26 and in_digest_thread == {"200.000001"}
    assert notifier.digests[1:] == [] and sorted(notifier.updates) == ["sub_q00", "sub_q01"]


def test_an_update_only_delivery_never_posts_a_pending_digest(clock: FakeClock) -> None:
    uow, notifier = FakeUnitOfWork(), RecordingNotifier()
    seed(uow, crowded=25)
    scan(uow, clock, ReminderPolicy(), DEFAULT, digest_threshold=20)
    with uow:  # the digest's members are alerts now, not yet posted
        assert uow.alerts.take_claims(clock.now()).digests == {CROWDED: 25}
        uow.commit()
    assert deliver(uow, clock, notifier, updates_only=True).digests == 0
    assert notifier.digests == [] and notifier.posts == []


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_the_digest_names_the_largest_with_buttons_and_counts_the_rest(clock: FakeClock, locale: str) -> None:
    uow, notifier = FakeUnitOfWork(), RecordingNotifier()
    seed(uow, crowded=25)
    scan(uow, clock, ReminderPolicy(), DEFAULT, digest_threshold=20)
    deliver(uow, clock, notifier)
    payload = message_payload(digest_message(notifier.digests[0][1], tr(locale)))
    body = texts(payload)
    assert "25" in blocks_of(payload, "header")[0]["text"]["text"]
    buttons = [b["accessory"] for b in blocks_of(payload, "section")]
    assert [b["value"] for b in buttons] == ["sub_c24", "sub_c23", "sub_c22", "sub_c21", "sub_c20"]
    assert all(b["action_id"] == ids.SETTLE_OPEN for b in buttons)
    assert "20" in body and "/settle" in body and "Product 24" in body and "Product 3" not in body
