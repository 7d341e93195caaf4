"""Stripe as settlebot's payment gateway, against the fake Stripe over HTTP: invoices paid oldest
due first under settlebot's per-invoice keys, partial outcomes, declines mapped, 3-D Secure, a
lost answer asked again, a pending payment found again, never paid twice."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import stripe

from domain.errors import InvalidInput
from domain.money import Money
from domain.ports import ChargeLine, ChargeStatus, GatewayUnreachable
from payments.stripe.gateway import StripeGateway
from sandbox.fake_stripe.fake_stripe import FakeStripe
from tests.stripe.conftest import past_due

KEY = "settle:0123456789abcdef0123456789abcdef:sub_x:stamp:1"


@pytest.fixture
def gateway(client: stripe.StripeClient) -> StripeGateway:
    return StripeGateway(client)


def lines_of(account: dict[str, Any], oldest_first: bool = True) -> tuple[ChargeLine, ...]:
    invoices = sorted(account["invoices"], key=lambda i: i["due_date"], reverse=not oldest_first)
    return tuple(ChargeLine(i["id"], Money(Decimal(i["amount_remaining"]) / 100, "USD")) for i in invoices)


def test_each_invoice_is_paid_oldest_due_first_under_settlebots_own_key(
    fake: FakeStripe, gateway: StripeGateway
) -> None:
    account = past_due(fake, invoices=2, amount=4250)
    lines = lines_of(account)

    result = gateway.pay(idempotency_key=KEY, token=account["card"]["id"], lines=lines)

    assert result.status is ChargeStatus.SUCCEEDED
    assert [(p.invoice, p.idempotency_key, p.amount) for p in fake.payments] == [
        (line.invoice_id, f"{KEY}:{line.invoice_id}", 4250) for line in lines]  # fmt: skip
    assert [r.idempotency_key for r in fake.requests_to("invoices.pay")] == [f"{KEY}:{x.invoice_id}" for x in lines]
    assert result.paid_invoice_ids(()) == tuple(x.invoice_id for x in lines)


def test_the_card_becomes_the_subscriptions_default_payment_method(fake: FakeStripe, gateway: StripeGateway) -> None:
    account = past_due(fake)
    other = fake.seed.card(account["customer"]["id"], last4="4444")

    gateway.make_default(idempotency_key=f"{KEY}:default", subscription_id=account["subscription"]["id"],
                         token=other["id"])  # fmt: skip

    assert fake.get(account["subscription"]["id"])["default_payment_method"] == other["id"]
    assert fake.requests_to("subscriptions.update")[0].idempotency_key == f"{KEY}:default"


def test_first_invoice_paid_and_second_declined_is_a_partial_outcome(fake: FakeStripe, gateway: StripeGateway) -> None:
    account = past_due(fake, invoices=2, amount=4250)
    first, second = lines_of(account)
    fake.seed.invoice_metadata(second.invoice_id, fake_decline="insufficient_funds")

    result = gateway.pay(idempotency_key=KEY, token=account["card"]["id"], lines=(first, second))

    assert result.status is ChargeStatus.PARTIAL and result.decline_code == "insufficient_funds"
    assert result.paid_invoice_ids(()) == (first.invoice_id,)
    assert [p.invoice for p in fake.payments] == [first.invoice_id]
    assert fake.get(second.invoice_id)["status"] == "open"


def test_a_decline_on_the_first_invoice_stops_before_the_next(fake: FakeStripe, gateway: StripeGateway) -> None:
    account = past_due(fake, invoices=2, last4="9995")

    result = gateway.pay(idempotency_key=KEY, token=account["card"]["id"], lines=lines_of(account))

    assert (result.status, result.decline_code) == (ChargeStatus.DECLINED, "insufficient_funds")
    assert len(fake.requests_to("invoices.pay")) == 1 and fake.payments == []


@pytest.mark.parametrize(
    ("decline", "reason"),
    [("insufficient_funds", "insufficient_funds"), ("expired_card", "expired_card"),
     ("incorrect_cvc", "incorrect_cvc"), ("card_velocity_exceeded", "velocity_limit"),
     ("do_not_honor", "do_not_honor"), ("fraudulent", "fraud_suspected"), ("stolen_card", "fraud_suspected"),
     ("generic_decline", "generic_decline")],
)  # fmt: skip
def test_stripes_declines_become_settlebots_reasons(
    fake: FakeStripe, gateway: StripeGateway, decline: str, reason: str
) -> None:
    account = past_due(fake, metadata={"fake_decline": decline})

    result = gateway.pay(idempotency_key=KEY, token=account["card"]["id"], lines=lines_of(account))

    assert (result.status, result.decline_code) == (ChargeStatus.DECLINED, reason)


def test_3d_secure_requires_action_with_the_invoices_hosted_page(fake: FakeStripe, gateway: StripeGateway) -> None:
    account = past_due(fake, last4="3184")
    invoice = account["invoices"][0]

    result = gateway.pay(idempotency_key=KEY, token=account["card"]["id"], lines=lines_of(account))

    assert result.status is ChargeStatus.REQUIRES_ACTION
    assert (result.decline_code, result.action_url) == ("authentication_required", invoice["hosted_invoice_url"])


def test_a_lost_answer_is_asked_again_under_the_same_key_and_pays_once(
    fake: FakeStripe, gateway: StripeGateway
) -> None:
    account = past_due(fake, invoices=2)
    fake.fail_next(1, "lost", endpoint="invoices.pay")

    result = gateway.pay(idempotency_key=KEY, token=account["card"]["id"], lines=lines_of(account))

    assert result.status is ChargeStatus.SUCCEEDED
    assert len(fake.payments) == 2
    first_key = fake.requests_to("invoices.pay")[0].idempotency_key
    assert [r.idempotency_key for r in fake.requests_to("invoices.pay")][:2] == [first_key, first_key]


def test_rate_limiting_is_unreachable_and_pays_nothing(fake: FakeStripe, gateway: StripeGateway) -> None:
    account = past_due(fake)
    fake.fail_next(1, "http_429", endpoint="invoices.pay")

    with pytest.raises(GatewayUnreachable):
        gateway.pay(idempotency_key=KEY, token=account["card"]["id"], lines=lines_of(account))
    assert fake.payments == []


def test_an_invoice_changed_in_stripe_since_confirmed_is_not_paid(fake: FakeStripe, gateway: StripeGateway) -> None:
    account = past_due(fake, amount=4250)
    line = lines_of(account)[0]
    changed = ChargeLine(line.invoice_id, Money(Decimal("40.00"), "USD"))  # confirmed for 40.00, owes 42.50

    result = gateway.pay(idempotency_key=KEY, token=account["card"]["id"], lines=(changed,))

    assert (result.status, result.decline_code) == (ChargeStatus.DECLINED, "invoice_changed")
    assert fake.requests_to("invoices.pay") == [] and fake.payments == []


def test_a_payment_made_before_a_crash_is_found_again_and_never_paid_twice(
    fake: FakeStripe, gateway: StripeGateway
) -> None:
    account = past_due(fake, invoices=2)
    lines, card = lines_of(account), account["card"]["id"]
    gateway.pay(idempotency_key=KEY, token=card, lines=lines)  # the answer died with the process

    found = gateway.find_payment(KEY, lines, token=card)

    assert found is not None and found.status is ChargeStatus.SUCCEEDED
    assert found.paid_invoice_ids(()) == tuple(x.invoice_id for x in lines)
    assert len(fake.payments) == 2
    assert all(r.replayed for r in fake.requests_to("invoices.pay")[2:])


def test_a_payment_never_made_is_not_found(fake: FakeStripe, gateway: StripeGateway) -> None:
    account = past_due(fake)

    assert gateway.find_payment(KEY, lines_of(account), token=account["card"]["id"]) is None
    assert fake.requests_to("invoices.pay") == [] and fake.payments == []


def test_an_invoice_paid_by_someone_else_is_not_taken_for_this_payment(
    fake: FakeStripe, gateway: StripeGateway
) -> None:
    account = past_due(fake)
    fake.seed.automatic_attempt(account["invoices"][0]["id"], succeeds=True)  # Stripe's own retry paid it

    found = gateway.find_payment(KEY, lines_of(account), token=account["card"]["id"])

    assert found is not None and found.status is ChargeStatus.DECLINED
    assert found.paid_invoice_ids(()) == () and fake.payments == []


def test_the_expiry_is_changed_in_stripe(fake: FakeStripe, gateway: StripeGateway) -> None:
    account = past_due(fake)

    gateway.update_expiry(idempotency_key="expiry-1", token=account["card"]["id"], exp_month=11, exp_year=2031)

    assert {k: fake.get(account["card"]["id"])["card"][k] for k in ("exp_month", "exp_year")} == {
        "exp_month": 11, "exp_year": 2031}  # fmt: skip


def test_card_numbers_never_reach_settlebot_with_stripe(gateway: StripeGateway) -> None:
    with pytest.raises(InvalidInput):
        gateway.tokenize(number="4242424242424242", exp_month=1, exp_year=2030, cvc="123")
