"""A Save charges exactly what the modal showed; reconciliation never charges what is no longer owed."""

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from domain.errors import BalanceChanged
from domain.model import Invoice, InvoiceStatus
from domain.money import Money
from domain.reconciliation import reconcile
from domain.records import Outcome
from domain.settlement import SettlementResult, settle, subscription_of_key
from domain.settlement_commit import record_outcome
from payments.sandbox import SandboxGateway
from tests.fakes import FakeUnitOfWork
from tests.unit.builders import OWNER, TODAY, seed, shown

GRACE = dt.timedelta(seconds=60)


def usd(text: str) -> Money:
    return Money(Decimal(text), "USD")


class Payers:
    """A fake of the notifier's payer port: what each payer was told."""

    def __init__(self) -> None:
        self.told: list[SettlementResult] = []

    def tell_payer(self, result: SettlementResult) -> None:
        self.told.append(result)


class Unanswered(SandboxGateway):
    """The process died before the processor ever saw the key."""

    def charge(self, **kwargs):
        raise SystemExit("killed before the charge")


class DiesAfterCharge(SandboxGateway):
    def charge(self, **kwargs):
        super().charge(**kwargs)
        raise SystemExit("killed between charge and commit")


def add_invoice(uow: FakeUnitOfWork, invoice_id: str, amount: str) -> None:
    with uow:
        uow.invoices.save(Invoice(invoice_id, "sub_e3", usd(amount), TODAY - dt.timedelta(days=1)))
        uow.commit()


def change_invoice(uow: FakeUnitOfWork, invoice_id: str, **changes: object) -> None:
    with uow:
        uow.invoices.save(replace(uow.invoices.get(invoice_id), **changes))
        uow.commit()


def invoice_status(uow: FakeUnitOfWork, invoice_id: str) -> InvoiceStatus:
    with uow:
        return uow.invoices.get(invoice_id).status


def attempts(uow: FakeUnitOfWork) -> list:
    with uow:
        return uow.attempts.for_subscription("sub_e3")


def crash_before_the_processor_saw_it(uow, clock, ledger) -> None:
    with pytest.raises(SystemExit):
        settle(uow, Unanswered(ledger), clock, OWNER, "sub_e3", "card_1", confirmed=shown(uow))


def test_a_save_charges_nothing_when_an_invoice_was_added_after_the_modal_showed_the_balance(uow, clock, ledger):
    confirmed = shown(uow)  # the modal opened at $129.99
    add_invoice(uow, "inv_new", "500.00")
    with pytest.raises(BalanceChanged) as refused:
        settle(uow, SandboxGateway(ledger), clock, OWNER, "sub_e3", "card_1", confirmed=confirmed)
    assert (refused.value.params["old"], refused.value.params["new"]) == (usd("129.99"), usd("629.99"))
    assert ledger.entries() == [] and attempts(uow) == []
    again = settle(uow, SandboxGateway(ledger), clock, OWNER, "sub_e3", "card_1", confirmed=shown(uow))
    assert again.outcome is Outcome.SUCCEEDED
    assert [e.amount for e in ledger.entries()] == [usd("629.99")]


@pytest.mark.parametrize(
    "change",
    [
        {"status": InvoiceStatus.PAID},  # paid elsewhere
        {"amount": usd("70.00")},  # corrected
    ],
)
def test_a_save_charges_nothing_when_an_invoice_it_showed_changed(uow, clock, ledger, change):
    confirmed = shown(uow)
    change_invoice(uow, "inv_1", **change)
    with pytest.raises(BalanceChanged):
        settle(uow, SandboxGateway(ledger), clock, OWNER, "sub_e3", "card_1", confirmed=confirmed)
    assert ledger.entries() == [] and attempts(uow) == []


def test_the_same_total_over_other_invoices_is_not_what_was_confirmed(uow, clock, ledger):
    confirmed = shown(uow)
    change_invoice(uow, "inv_1", amount=usd("57.99"))
    change_invoice(uow, "inv_2", amount=usd("72.00"))
    with pytest.raises(BalanceChanged) as refused:
        settle(uow, SandboxGateway(ledger), clock, OWNER, "sub_e3", "card_1", confirmed=confirmed)
    assert refused.value.params["old"] == refused.value.params["new"] == usd("129.99")
    assert ledger.entries() == []


def test_reconcile_completes_a_charged_key_at_once_whatever_the_grace(uow, clock, ledger):
    with pytest.raises(SystemExit):
        settle(uow, DiesAfterCharge(ledger), clock, OWNER, "sub_e3", "card_1", confirmed=shown(uow))
    payers = Payers()
    done = reconcile(uow, SandboxGateway(ledger), clock, GRACE, payers)  # 0 s old, grace 60 s
    assert [a.outcome for a in done] == [Outcome.SUCCEEDED] and len(ledger.entries()) == 1
    assert [r.attempt.actor for r in payers.told] == [OWNER]
    assert invoice_status(uow, "inv_1") is InvoiceStatus.PAID


def test_reconcile_leaves_a_key_the_processor_never_saw_alone_during_the_grace(uow, clock, ledger):
    crash_before_the_processor_saw_it(uow, clock, ledger)
    assert reconcile(uow, SandboxGateway(ledger), clock, GRACE) == []
    assert ledger.entries() == [] and [a.outcome for a in attempts(uow)] == [Outcome.PENDING]
    clock.advance(seconds=61)
    assert [a.outcome for a in reconcile(uow, SandboxGateway(ledger), clock, GRACE)] == [Outcome.SUCCEEDED]
    assert [e.amount for e in ledger.entries()] == [usd("129.99")]


def test_reconcile_charges_again_only_the_invoices_the_attempt_was_made_for(uow, clock, ledger):
    crash_before_the_processor_saw_it(uow, clock, ledger)
    add_invoice(uow, "inv_new", "500.00")  # imported meanwhile: not part of this attempt
    reconcile(uow, SandboxGateway(ledger), clock)
    assert [e.amount for e in ledger.entries()] == [usd("129.99")]
    assert invoice_status(uow, "inv_new") is InvoiceStatus.OPEN


@pytest.mark.parametrize("change", [{"status": InvoiceStatus.PAID}, {"amount": usd("70.00")}])
def test_reconcile_supersedes_an_uncharged_attempt_whose_invoices_changed_and_tells_the_payer(
    uow, clock, ledger, change
):
    crash_before_the_processor_saw_it(uow, clock, ledger)
    change_invoice(uow, "inv_1", **change)
    payers = Payers()
    done = reconcile(uow, SandboxGateway(ledger), clock, dt.timedelta(0), payers)
    assert [a.outcome for a in done] == [Outcome.SUPERSEDED]
    assert ledger.entries() == []
    assert [(r.attempt.actor, r.attempt.outcome) for r in payers.told] == [(OWNER, Outcome.SUPERSEDED)]
    with uow:
        assert uow.attempts.pending() == [] and uow.payments.last_for("sub_e3") is None
    assert reconcile(uow, SandboxGateway(ledger), clock) == []


def test_a_charge_whose_invoice_changed_meanwhile_is_recorded_but_pays_only_unchanged_invoices(uow, clock, ledger):
    with pytest.raises(SystemExit):
        settle(uow, DiesAfterCharge(ledger), clock, OWNER, "sub_e3", "card_1", confirmed=shown(uow))
    change_invoice(uow, "inv_2", amount=usd("60.00"))  # corrected after the charge
    reconcile(uow, SandboxGateway(ledger), clock)
    with uow:
        payment = uow.payments.last_for("sub_e3")
    assert payment is not None and payment.amount == usd("129.99")  # what really moved
    assert invoice_status(uow, "inv_1") is InvoiceStatus.PAID
    assert invoice_status(uow, "inv_2") is InvoiceStatus.OPEN  # never paid for another amount


def test_a_late_save_and_a_reconciliation_record_one_outcome(uow, clock, ledger):
    with pytest.raises(SystemExit):
        settle(uow, DiesAfterCharge(ledger), clock, OWNER, "sub_e3", "card_1", confirmed=shown(uow))
    (pending,) = attempts(uow)
    charge = SandboxGateway(ledger).find_charge(pending.idempotency_key)
    assert record_outcome(uow, clock, pending, charge)[1] is True
    assert record_outcome(uow, clock, pending, charge)[1] is False  # the other one finds it final
    with uow:
        assert len([p for p in uow.work.payments if p.attempt_id == pending.id]) == 1


def test_idempotency_keys_differ_between_installations_for_the_same_balance(clock, ledger):
    keys = []
    for installation in ("a" * 32, "b" * 32):
        uow = FakeUnitOfWork(installation)
        seed(uow)
        settle(uow, SandboxGateway(ledger), clock, OWNER, "sub_e3", "card_1", confirmed=shown(uow))
        keys.append(attempts(uow)[0].idempotency_key)
    assert keys[0] != keys[1] and all(k.startswith(f"settle:{c * 32}:") for k, c in zip(keys, "ab", strict=True))
    assert len(ledger.entries()) == 2  # a shared processor account charged each installation's own


@pytest.mark.parametrize(
    ("key", "subscription"),
    [
        ("settle:" + "c" * 32 + ":sub_e3:" + "d" * 32 + ":2", "sub_e3"),
        ("settle:sub_e3:0123456789abcdef:1", "sub_e3"),  # made before installation ids: still read
        ("settle:" + "c" * 32 + ":acme:sub:1:" + "d" * 32 + ":1", "acme:sub:1"),
        ("refund:x:y:z", None),
    ],
)
def test_the_subscription_of_a_key_is_read_from_old_and_new_keys(key, subscription):
    assert subscription_of_key(key) == subscription
