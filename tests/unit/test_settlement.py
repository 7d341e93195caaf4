from decimal import Decimal

import pytest

from domain.errors import AlreadySettled, CardExpired, InvalidInput, NotAllowed, NotFound, SettlementInProgress
from domain.model import InvoiceStatus, SubscriptionStatus
from domain.money import Money
from domain.reconciliation import reconcile
from domain.records import Outcome
from domain.settlement import Option, change_card_expiry, prepare_settlement, settle
from payments.sandbox import MemoryLedger, SandboxGateway
from tests.fakes import FakeUnitOfWork
from tests.unit.builders import ADMIN, OTHER, OWNER, READER, STRANGER, TODAY, seed, shown


@pytest.fixture
def gateway(ledger: MemoryLedger) -> SandboxGateway:
    return SandboxGateway(ledger)


def test_owner_of_the_card_may_change_expiry_pick_or_add(uow):
    plan = prepare_settlement(uow, OWNER, "sub_e3", TODAY)
    assert plan.options == {Option.CHANGE_EXPIRY, Option.PICK_CARD, Option.ADD_CARD}
    assert plan.balance.amount == Money(Decimal("129.99"), "USD")
    assert plan.days_past_due == 5
    assert plan.default_card is not None and plan.default_card.card.id == "card_1"


def test_non_owner_may_only_pick_or_add(uow):
    plan = prepare_settlement(uow, ADMIN, "sub_e3", TODAY)
    assert plan.options == {Option.PICK_CARD, Option.ADD_CARD}


def test_reader_sees_the_plan_but_may_not_settle(uow):
    plan = prepare_settlement(uow, READER, "sub_e3", TODAY)
    assert plan.options == frozenset() and not plan.may_settle


@pytest.mark.parametrize("actor", [STRANGER, OTHER])
def test_outsiders_learn_nothing_of_the_subscription(uow, actor):
    with pytest.raises(NotFound):
        prepare_settlement(uow, actor, "sub_e3", TODAY)


def test_settling_charges_the_whole_balance_and_reactivates(uow, gateway, clock, ledger):
    result = settle(uow, gateway, clock, ADMIN, "sub_e3", "card_2", confirmed=shown(uow, "sub_e3"))
    assert result.outcome is Outcome.SUCCEEDED
    assert [e.amount for e in ledger.entries()] == [Money(Decimal("129.99"), "USD")]
    with uow:
        invoices = uow.invoices.for_subscriptions(["sub_e3"])["sub_e3"]
        sub = uow.subscriptions.get("sub_e3")
        payment = uow.payments.last_for("sub_e3")
    assert {i.status for i in invoices} == {InvoiceStatus.PAID}
    assert sub.status is SubscriptionStatus.ACTIVE and sub.payment_method_id == "card_2"
    assert payment.amount == Money(Decimal("129.99"), "USD") and payment.actor == ADMIN


def test_settling_twice_charges_once(uow, gateway, clock, ledger):
    settle(uow, gateway, clock, ADMIN, "sub_e3", "card_2", confirmed=shown(uow, "sub_e3"))
    with pytest.raises(AlreadySettled) as err:
        settle(uow, gateway, clock, OWNER, "sub_e3", "card_1", confirmed=shown(uow, "sub_e3"))
    assert len(ledger.entries()) == 1
    assert err.value.params["actor"] == ADMIN


def test_a_declined_card_leaves_the_balance_open_and_is_audited(gateway, clock, ledger):
    uow = FakeUnitOfWork()
    seed(uow, card_token="tok_chargeDeclinedInsufficientFunds")
    result = settle(uow, gateway, clock, OWNER, "sub_e3", "card_1", confirmed=shown(uow, "sub_e3"))
    assert result.outcome is Outcome.DECLINED
    assert result.attempt.decline_code == "insufficient_funds"
    with uow:
        assert all(i.status is InvoiceStatus.OPEN for i in uow.invoices.for_subscriptions(["sub_e3"])["sub_e3"])
        audit = uow.attempts.for_subscription("sub_e3")
    assert [a.outcome for a in audit] == [Outcome.DECLINED]
    retry = settle(uow, gateway, clock, OWNER, "sub_e3", "card_2", confirmed=shown(uow, "sub_e3"))
    assert retry.outcome is Outcome.SUCCEEDED
    assert retry.attempt.idempotency_key != result.attempt.idempotency_key


def test_an_expired_card_is_refused_before_any_charge(gateway, clock, ledger):
    uow = FakeUnitOfWork()
    seed(uow, exp=(10, 2026))
    with pytest.raises(CardExpired) as err:
        settle(uow, gateway, clock, OWNER, "sub_e3", "card_1", confirmed=shown(uow, "sub_e3"))
    assert err.value.params["is_owner"] is True
    assert ledger.entries() == []
    with uow:
        assert [a.outcome for a in uow.attempts.for_subscription("sub_e3")] == [Outcome.REFUSED]


def test_owner_fixes_an_expired_card_then_settles(gateway, clock):
    uow = FakeUnitOfWork()
    seed(uow, exp=(10, 2026))
    card = change_card_expiry(uow, OWNER, "card_1", 12, 2029, TODAY)
    assert (card.exp_month, card.exp_year) == (12, 2029)
    result = settle(uow, gateway, clock, OWNER, "sub_e3", "card_1", confirmed=shown(uow, "sub_e3"))
    assert result.outcome is Outcome.SUCCEEDED


def test_only_the_owner_may_change_a_cards_expiry(uow):
    with pytest.raises(NotAllowed):
        change_card_expiry(uow, ADMIN, "card_1", 12, 2029, TODAY)
    with pytest.raises(NotFound):
        change_card_expiry(uow, OTHER, "card_1", 12, 2029, TODAY)


@pytest.mark.parametrize(("month", "year"), [(0, 2027), (13, 2027), (10, 2026), (1, 1999)])
def test_expiry_must_be_a_real_month_not_in_the_past(uow, month, year):
    with pytest.raises(InvalidInput):
        change_card_expiry(uow, OWNER, "card_1", month, year, TODAY)


def test_a_reader_cannot_settle(uow, gateway, clock, ledger):
    with pytest.raises(NotAllowed):
        settle(uow, gateway, clock, READER, "sub_e3", "card_1", confirmed=shown(uow, "sub_e3"))
    assert ledger.entries() == []


def test_a_card_of_another_account_is_refused(uow, gateway, clock, ledger):
    with pytest.raises(NotFound):
        settle(uow, gateway, clock, OWNER, "sub_e3", "card_f", confirmed=shown(uow, "sub_e3"))
    assert ledger.entries() == []


def test_a_pending_attempt_blocks_a_second_claim(uow, gateway, clock):
    class Crash(SandboxGateway):
        def charge(self, **kwargs):
            raise TimeoutError("gateway timed out")

    with pytest.raises(TimeoutError):
        settle(uow, Crash(MemoryLedger()), clock, OWNER, "sub_e3", "card_1", confirmed=shown(uow, "sub_e3"))
    with pytest.raises(SettlementInProgress):
        settle(uow, gateway, clock, ADMIN, "sub_e3", "card_2", confirmed=shown(uow, "sub_e3"))


def test_reconcile_completes_a_charge_made_before_a_crash_without_charging_again(uow, clock, ledger):
    class DiesAfterCharge(SandboxGateway):
        def charge(self, **kwargs):
            super().charge(**kwargs)
            raise SystemExit("killed between charge and commit")

    with pytest.raises(SystemExit):
        settle(uow, DiesAfterCharge(ledger), clock, OWNER, "sub_e3", "card_1", confirmed=shown(uow, "sub_e3"))
    done = reconcile(uow, SandboxGateway(ledger), clock)
    assert [a.outcome for a in done] == [Outcome.SUCCEEDED]
    assert len(ledger.entries()) == 1
    with uow:
        assert uow.subscriptions.get("sub_e3").status is SubscriptionStatus.ACTIVE
        assert uow.attempts.pending() == []


def test_reconcile_charges_a_key_the_gateway_never_saw_exactly_once(uow, clock, ledger):
    class Unreachable(SandboxGateway):
        def charge(self, **kwargs):
            raise ConnectionError("no route")

    with pytest.raises(ConnectionError):
        settle(uow, Unreachable(ledger), clock, OWNER, "sub_e3", "card_1", confirmed=shown(uow, "sub_e3"))
    reconcile(uow, SandboxGateway(ledger), clock)
    reconcile(uow, SandboxGateway(ledger), clock)
    assert len(ledger.entries()) == 1
