"""What settlebot paid through Stripe, invoice by invoice, from its own records (domain.charges), and
the check against the invoices read back from Stripe, with fakes."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from domain.billing import CardGone
from domain.billing_mirror import card_id_for
from domain.billing_sync import link_customer, sync
from domain.charges import checked, invoice_charges
from domain.money import Money
from domain.records import Outcome, SettlementAttempt
from tests.fakes import FakeClock, FakeUnitOfWork
from tests.unit.billing_fakes import FakeReader, invoice

NOW = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)
CARD = card_id_for("pm_cus_A")
INVOICES = ("in_cus_A_0", "in_cus_A_1", "in_cus_A_2")


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture
def reader(uow: FakeUnitOfWork) -> FakeReader:
    """A linked customer with three open invoices of $42.00 and a Visa ending 4242, synced."""
    stripe, clock = FakeReader(), FakeClock(NOW)
    stripe.customer_with_billing("cus_A", invoices=3)
    link_customer(uow, stripe, clock, "cus_A", "C0ALERTS")
    sync(uow, stripe, clock)
    return stripe


def attempted(uow: FakeUnitOfWork, outcome: Outcome, *, paid: tuple[str, ...] | None = None,
              code: str | None = None, minutes: int = 0) -> SettlementAttempt:  # fmt: skip
    """An attempt by U0ANA on all three invoices, with its outcome, recorded."""
    made = SettlementAttempt(
        f"att_{outcome.value}_{minutes}", "sub_cus_A", "cus_A", CARD, "U0ANA", usd("126.00"), INVOICES,
        f"settle:sub_cus_A:i:{minutes}", outcome, NOW + dt.timedelta(minutes=minutes), decline_code=code,
        invoice_amounts=(usd("42.00"),) * 3, paid_invoice_ids=paid,
    )  # fmt: skip
    with uow:
        uow.attempts.add(made)
        uow.commit()
    return made


def shown(uow: FakeUnitOfWork) -> list[tuple[str, str, str | None]]:
    return [(c.invoice_id, c.outcome, c.decline_code) for c in invoice_charges(uow)]


def test_a_paid_attempt_lists_each_invoice_it_paid_with_its_amount_card_and_who(uow, reader) -> None:
    attempt = attempted(uow, Outcome.SUCCEEDED)

    charges = invoice_charges(uow)

    assert [(c.invoice_id, c.amount, c.outcome) for c in charges] == [(i, usd("42.00"), "paid") for i in INVOICES]
    assert {(c.card, c.attempt.actor, c.attempt.idempotency_key) for c in charges} == {
        ("visa 4242", "U0ANA", attempt.idempotency_key)}  # fmt: skip


def test_a_partial_attempt_shows_what_was_paid_what_stopped_it_and_what_was_not_asked(uow, reader) -> None:
    attempted(uow, Outcome.PARTIAL, paid=INVOICES[:1], code="insufficient_funds")

    assert shown(uow) == [(INVOICES[0], "paid", None), (INVOICES[1], "not_paid", "insufficient_funds"),
                          (INVOICES[2], "not_asked", None)]  # fmt: skip


@pytest.mark.parametrize(("outcome", "code"), [(Outcome.DECLINED, "fraud_suspected"),
                                               (Outcome.ACTION_REQUIRED, "authentication_required")])  # fmt: skip
def test_an_attempt_that_paid_nothing_shows_its_outcome_on_the_first_invoice(uow, reader, outcome, code) -> None:
    attempted(uow, outcome, code=code)

    assert shown(uow) == [(INVOICES[0], outcome.value, code), (INVOICES[1], "not_asked", None),
                          (INVOICES[2], "not_asked", None)]  # fmt: skip


def test_a_pending_attempt_shows_every_invoice_pending_and_attempts_are_listed_oldest_first(uow, reader) -> None:
    attempted(uow, Outcome.PENDING, minutes=5)
    attempted(uow, Outcome.DECLINED, code="expired_card", minutes=1)

    assert [c.outcome for c in invoice_charges(uow)] == ["declined", "not_asked", "not_asked"] + ["pending"] * 3


def test_a_card_gone_from_settlebots_copy_is_listed_by_its_id_only(uow, reader) -> None:
    attempted(uow, Outcome.SUCCEEDED)
    reader.put(CardGone("pm_cus_A"), "payment_method.detached")
    sync(uow, reader, FakeClock(NOW))

    assert {(c.card, c.attempt.card_id) for c in invoice_charges(uow)} == {(None, CARD)}


def test_the_check_agrees_when_stripe_holds_what_settlebot_paid_as_paid_and_reads_each_invoice_once(
    uow, reader
) -> None:  # fmt: skip
    attempted(uow, Outcome.PARTIAL, paid=INVOICES[:1], code="insufficient_funds")
    attempted(uow, Outcome.SUCCEEDED, minutes=1)
    for invoice_id in INVOICES:
        reader.put(invoice(invoice_id, "cus_A", "sub_cus_A", status="paid"))
    reader.calls.clear()

    charges = checked(invoice_charges(uow), reader)

    assert [c.remote.differs for c in charges if c.remote] == [False] * 6
    assert {(c.remote.status, c.remote.amount_due) for c in charges if c.remote} == {("paid", usd("42.00"))}
    assert reader.calls == {"invoice": 3}


def test_the_check_flags_a_payment_stripe_does_not_hold_paid_or_holds_for_another_amount(uow, reader) -> None:
    attempted(uow, Outcome.SUCCEEDED)
    reader.put(invoice(INVOICES[1], "cus_A", "sub_cus_A", status="paid", amount="40.00"))
    reader.put(invoice(INVOICES[2], "cus_A", "sub_cus_A", status="paid"))  # the first: still open in Stripe

    charges = checked(invoice_charges(uow), reader)

    assert [(c.remote.status, c.remote.differs) for c in charges if c.remote] == [
        ("open", True), ("paid", True), ("paid", False)]  # fmt: skip


def test_the_check_flags_a_pending_attempt_whose_invoice_stripe_holds_paid_but_not_a_declined_one(
    uow, reader
) -> None:  # fmt: skip
    attempted(uow, Outcome.DECLINED, code="insufficient_funds")
    attempted(uow, Outcome.PENDING, minutes=1)
    reader.put(invoice(INVOICES[0], "cus_A", "sub_cus_A", status="paid"))  # paid since: by the pending one

    charges = checked(invoice_charges(uow), reader)

    assert [(c.outcome, c.remote.differs) for c in charges if c.remote and c.invoice_id == INVOICES[0]] == [
        ("declined", False), ("pending", True)]  # fmt: skip


def test_the_check_flags_an_invoice_stripe_no_longer_has(uow, reader) -> None:
    attempted(uow, Outcome.SUCCEEDED)
    del reader.invoices[INVOICES[0]]

    first = checked(invoice_charges(uow), reader)[0]

    assert first.remote == replace(first.remote, status="missing", amount_due=None, differs=True)
