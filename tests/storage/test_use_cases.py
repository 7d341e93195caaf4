"""The domain's use cases end to end on each backend: the SQL ones must match the fake."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal

from domain.alerts import AlertView, ReminderPolicy, deliver, scan
from domain.model import InvoiceStatus, SubscriptionStatus
from domain.money import Money
from domain.ports import UnitOfWork
from domain.reconciliation import reconcile
from domain.records import Outcome
from domain.settlement import settle
from payments.sandbox import MemoryLedger, SandboxGateway
from tests.fakes import FakeClock
from tests.unit.builders import ADMIN, OWNER, seed, shown

START = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


class Notifier:
    def __init__(self) -> None:
        self.posts: list[str] = []
        self.updates: list[tuple[str, bool]] = []
        self.replies: list[tuple[str, int]] = []

    def post_alert(self, channel: str, view: AlertView) -> str:
        self.posts.append(view.subscription_id)
        return f"100.{len(self.posts):06d}"

    def update_alert(self, channel: str, ts: str, view: AlertView) -> None:
        self.updates.append((view.subscription_id, view.settled is not None))

    def post_reminder(self, channel: str, thread_ts: str, view: AlertView, stage: int) -> str:
        self.replies.append((view.subscription_id, stage))
        return f"200.{len(self.replies):06d}"


def test_settling_pays_the_open_invoices_and_records_the_payment(uow: UnitOfWork) -> None:
    seed(uow)  # type: ignore[arg-type]
    clock, ledger = FakeClock(START), MemoryLedger()
    result = settle(uow, SandboxGateway(ledger), clock, ADMIN, "sub_e3", "card_2", confirmed=shown(uow, "sub_e3"))
    assert result.outcome is Outcome.SUCCEEDED
    with uow:
        invoices = uow.invoices.for_subscriptions(["sub_e3"])["sub_e3"]
        payment = uow.payments.last_for("sub_e3")
        subscription = uow.subscriptions.get("sub_e3")
        assert uow.attempts.pending() == []
    assert {i.status for i in invoices} == {InvoiceStatus.PAID}
    assert payment is not None and payment.amount == Money(Decimal("129.99"), "USD")
    assert subscription is not None and subscription.payment_method_id == "card_2"
    assert [e.amount for e in ledger.entries()] == [Money(Decimal("129.99"), "USD")]


def test_scan_claims_each_past_due_subscription_once(uow: UnitOfWork) -> None:
    seed(uow)  # type: ignore[arg-type]
    clock = FakeClock(START)
    first = scan(uow, clock, ReminderPolicy(), "C0DEFAULT")
    again = scan(uow, clock, ReminderPolicy(), "C0DEFAULT")
    assert (first.alerts, again.alerts, again.reminders) == (2, 0, 0)
    with uow:
        assert uow.alerts.take_claims(clock.now()).alerts == 2
        assert sorted(a.subscription_id for a in uow.alerts.undelivered(100)) == ["sub_e3", "sub_f"]
        statuses = {s.id: s.status for s in uow.subscriptions.for_accounts(["acc_contoso"])}
    assert statuses == {"sub_e3": SubscriptionStatus.PAST_DUE, "sub_bp": SubscriptionStatus.ACTIVE}


def test_alerts_are_posted_reminded_and_updated_once_settled(uow: UnitOfWork) -> None:
    seed(uow)  # type: ignore[arg-type]
    clock, slack = FakeClock(START), Notifier()
    scan(uow, clock, ReminderPolicy(), "C0DEFAULT")
    deliver(uow, clock, slack)
    clock.advance(days=3)
    assert scan(uow, clock, ReminderPolicy(), "C0DEFAULT").reminders == 2
    settle(uow, SandboxGateway(MemoryLedger()), clock, OWNER, "sub_e3", "card_1", confirmed=shown(uow, "sub_e3"))
    report = deliver(uow, clock, slack)  # sub_e3 was settled since the scan: no reminder for it
    assert sorted(slack.posts) == ["sub_e3", "sub_f"]
    assert slack.replies == [("sub_f", 3)]
    assert (report.taken.reminders, report.posted, report.replies) == (1, 0, 1)
    assert ("sub_e3", True) in slack.updates
    with uow:
        assert uow.alerts.undelivered(10) == [] and uow.alerts.undelivered_reminders(10) == []


def test_reconcile_finishes_an_attempt_left_pending(uow: UnitOfWork) -> None:
    seed(uow)  # type: ignore[arg-type]
    clock, ledger = FakeClock(START), MemoryLedger()

    class Unreachable(SandboxGateway):
        def charge(self, *, idempotency_key: str, token: str, amount: Money):  # type: ignore[no-untyped-def]
            raise ConnectionError("gateway unreachable")

    with contextlib.suppress(ConnectionError):
        settle(uow, Unreachable(ledger), clock, OWNER, "sub_e3", "card_1", confirmed=shown(uow, "sub_e3"))
    done = reconcile(uow, SandboxGateway(ledger), clock)
    assert [a.outcome for a in done] == [Outcome.SUCCEEDED]
    assert len(ledger.entries()) == 1
    with uow:
        assert uow.attempts.pending() == []
