"""Settling through a processor that pays invoice by invoice: oldest due first, per-invoice keys
derived from the attempt's, partial outcomes recorded truthfully, 3-D Secure, the card made the
subscription's default, the expiry changed at the processor, reconciliation never paying twice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from domain.errors import ProcessorUnavailable
from domain.model import Invoice, InvoiceStatus, SubscriptionStatus
from domain.money import Money
from domain.reconciliation import reconcile
from domain.records import Outcome
from domain.settlement import change_card_expiry, settle
from tests.fakes import FakeClock, FakeUnitOfWork
from tests.unit.builders import OWNER, TODAY, seed, shown
from tests.unit.paying_fakes import DiesAfterPaying, InvoiceProcessor


def usd(text: str) -> Money:
    return Money(Decimal(text), "USD")


@pytest.fixture
def uow() -> FakeUnitOfWork:
    u = FakeUnitOfWork()
    seed(u, card_token="pm_visa")
    with u:  # an invoice whose id sorts first but falls due last
        u.invoices.save(Invoice("inv_0", "sub_e3", usd("10.00"), TODAY - dt.timedelta(days=1)))
        u.commit()
    return u


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC))


def statuses(uow: FakeUnitOfWork) -> dict[str, InvoiceStatus]:
    with uow:
        return {i.id: i.status for i in uow.invoices.for_subscriptions(["sub_e3"])["sub_e3"]}


def test_each_invoice_is_paid_oldest_due_first_under_a_key_derived_from_the_attempts(uow, clock) -> None:
    processor = InvoiceProcessor()

    result = settle(uow, processor, clock, OWNER, "sub_e3", "card_1", confirmed=shown(uow))

    key = result.attempt.idempotency_key
    assert processor.calls == [f"{key}:inv_1", f"{key}:inv_2", f"{key}:inv_0"]  # due -5, -2, -1 days
    assert result.outcome is Outcome.SUCCEEDED and result.attempt.paid_amount() == usd("139.99")
    assert set(statuses(uow).values()) == {InvoiceStatus.PAID}


def test_after_everything_is_paid_the_card_becomes_the_subscriptions_default_at_the_processor(uow, clock) -> None:
    processor = InvoiceProcessor()

    settle(uow, processor, clock, OWNER, "sub_e3", "card_2", confirmed=shown(uow))

    assert processor.defaults == {"sub_e3": "tok_mastercard"}
    with uow:
        assert uow.subscriptions.get("sub_e3").payment_method_id == "card_2"


def test_first_invoice_paid_and_the_next_declined_is_recorded_as_a_partial_payment(uow, clock) -> None:
    processor = InvoiceProcessor(declines={"inv_2": "insufficient_funds"})
    with uow:
        uow.subscriptions.set_status(["sub_e3"], SubscriptionStatus.PAST_DUE)
        uow.commit()

    result = settle(uow, processor, clock, OWNER, "sub_e3", "card_2", confirmed=shown(uow))

    attempt = result.attempt
    assert (attempt.outcome, attempt.decline_code, attempt.paid_invoice_ids) == (
        Outcome.PARTIAL, "insufficient_funds", ("inv_1",))  # fmt: skip
    assert (attempt.paid_amount(), attempt.unpaid_amount()) == (usd("72.00"), usd("67.99"))
    assert statuses(uow) == {"inv_1": InvoiceStatus.PAID, "inv_2": InvoiceStatus.OPEN, "inv_0": InvoiceStatus.OPEN}
    assert len(processor.calls) == 2  # stopped at the decline: inv_0 was not tried
    with uow:
        assert uow.payments.last_for("sub_e3").amount == usd("72.00")
        subscription = uow.subscriptions.get("sub_e3")
    assert (subscription.status, subscription.payment_method_id) == (SubscriptionStatus.PAST_DUE, "card_1")
    assert processor.defaults == {}  # a card that declined is not made the default


def test_a_payment_the_bank_wants_confirmed_records_the_invoice_page_and_pays_nothing(uow, clock) -> None:
    processor = InvoiceProcessor(declines={"inv_1": "authentication_required"})

    result = settle(uow, processor, clock, OWNER, "sub_e3", "card_1", confirmed=shown(uow))

    assert (result.outcome, result.attempt.action_url) == (Outcome.ACTION_REQUIRED, "https://pay.example/inv_1")
    assert processor.payments == [] and set(statuses(uow).values()) == {InvoiceStatus.OPEN}


def test_a_crash_after_paying_is_completed_from_the_processors_record_without_paying_again(uow, clock) -> None:
    processor = DiesAfterPaying(declines={"inv_0": "do_not_honor"})
    with pytest.raises(SystemExit):
        settle(uow, processor, clock, OWNER, "sub_e3", "card_1", confirmed=shown(uow))
    calls = len(processor.calls)

    done = reconcile(uow, processor, clock)

    assert [(a.outcome, a.paid_invoice_ids, a.decline_code) for a in done] == [
        (Outcome.PARTIAL, ("inv_1", "inv_2"), "do_not_honor")]  # fmt: skip
    assert len(processor.calls) == calls and len(processor.payments) == 2
    assert statuses(uow)["inv_0"] is InvoiceStatus.OPEN and statuses(uow)["inv_1"] is InvoiceStatus.PAID


def test_the_owner_changes_the_expiry_at_the_processor_then_in_settlebots_copy(uow) -> None:
    processor = InvoiceProcessor()

    card = change_card_expiry(uow, OWNER, "card_1", 12, 2031, TODAY, processor)

    assert processor.expiries == {"pm_visa": (12, 2031)}
    assert (card.exp_month, card.exp_year) == (12, 2031)


def test_an_expiry_change_the_processor_did_not_answer_changes_nothing(uow) -> None:
    processor = InvoiceProcessor()
    processor.down = True

    with pytest.raises(ProcessorUnavailable):
        change_card_expiry(uow, OWNER, "card_1", 12, 2031, TODAY, processor)
    with uow:
        assert (uow.cards.get("card_1").exp_month, uow.cards.events("card_1")) == (8, [])
