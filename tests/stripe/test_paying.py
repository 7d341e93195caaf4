"""Paying an invoice through the layer: outcomes, declines, retries under settlebot's key."""

from __future__ import annotations

import pytest
import stripe

from payments.stripe.config import StripeConfig, make_client
from payments.stripe.errors import StripeRejected
from payments.stripe.models import Declined, NotPayable, Paid, RequiresAction, Unreachable
from payments.stripe.paying import pay_invoice
from sandbox.fake_stripe.fake_stripe import FakeStripe
from tests.stripe.conftest import past_due


def test_a_good_card_pays_the_invoice(fake: FakeStripe, client: stripe.StripeClient) -> None:
    account = past_due(fake)
    invoice = account["invoices"][0]

    outcome = pay_invoice(client, invoice["id"], account["card"]["id"], "settle-1-inv-1")

    assert isinstance(outcome, Paid) and outcome.invoice.status == "paid"
    assert [(p.invoice, p.idempotency_key) for p in fake.payments] == [(invoice["id"], "settle-1-inv-1")]


@pytest.mark.parametrize(
    ("last4", "code", "decline_code"),
    [("9995", "card_declined", "insufficient_funds"), ("0069", "expired_card", "expired_card"),
     ("0127", "incorrect_cvc", "incorrect_cvc"), ("0019", "card_declined", "fraudulent")],
)  # fmt: skip
def test_declines_are_mapped_with_stripes_codes(
    fake: FakeStripe, client: stripe.StripeClient, last4: str, code: str, decline_code: str
) -> None:
    account = past_due(fake, last4=last4)

    outcome = pay_invoice(client, account["invoices"][0]["id"], account["card"]["id"], "k")

    assert isinstance(outcome, Declined)
    assert (outcome.code, outcome.decline_code) == (code, decline_code)
    assert fake.payments == []


def test_3d_secure_gives_the_invoices_hosted_page(fake: FakeStripe, client: stripe.StripeClient) -> None:
    account = past_due(fake, last4="3184")
    invoice = account["invoices"][0]

    outcome = pay_invoice(client, invoice["id"], account["card"]["id"], "k")

    assert outcome == RequiresAction(invoice["id"], invoice["hosted_invoice_url"])


def test_a_lost_answer_is_asked_again_under_the_same_key_and_pays_once(
    fake: FakeStripe, client: stripe.StripeClient
) -> None:
    account = past_due(fake)
    fake.fail_next(1, "lost", endpoint="invoices.pay")

    outcome = pay_invoice(client, account["invoices"][0]["id"], account["card"]["id"], "settle-7")

    assert isinstance(outcome, Paid)
    log = fake.requests_to("invoices.pay")
    assert [(r.idempotency_key, r.status, r.replayed) for r in log] == [("settle-7", None, False),
                                                                        ("settle-7", 200, True)]  # fmt: skip
    assert len(fake.payments) == 1


def test_server_errors_and_conflicts_are_retried_under_the_same_key(
    fake: FakeStripe, client: stripe.StripeClient
) -> None:
    account = past_due(fake)
    fake.fail_next(1, "http_500", endpoint="invoices.pay")
    fake.fail_next(1, "http_409", endpoint="invoices.pay")

    outcome = pay_invoice(client, account["invoices"][0]["id"], account["card"]["id"], "settle-8")

    assert isinstance(outcome, Paid)
    assert {r.idempotency_key for r in fake.requests_to("invoices.pay")} == {"settle-8"}
    assert len(fake.payments) == 1


def test_rate_limiting_is_unreachable_and_a_later_ask_pays(fake: FakeStripe, client: stripe.StripeClient) -> None:
    account = past_due(fake)
    fake.fail_next(1, "http_429", endpoint="invoices.pay", retry_after=3)
    invoice, card = account["invoices"][0]["id"], account["card"]["id"]

    assert pay_invoice(client, invoice, card, "k9") == Unreachable(invoice, "rate_limited")
    assert isinstance(pay_invoice(client, invoice, card, "k9"), Paid)
    assert len(fake.payments) == 1


def test_stripe_down_after_retries_is_unreachable_and_nothing_is_paid(fake: FakeStripe, config: StripeConfig) -> None:
    account = past_due(fake)
    fake.fail_next(3, "http_500", endpoint="invoices.pay")
    client = make_client(config)

    outcome = pay_invoice(client, account["invoices"][0]["id"], account["card"]["id"], "k")

    assert outcome == Unreachable(account["invoices"][0]["id"], "http_500")
    assert len(fake.requests_to("invoices.pay")) == 3 and fake.payments == []


def test_an_invoice_paid_meanwhile_is_not_payable_and_shows_its_state(
    fake: FakeStripe, client: stripe.StripeClient
) -> None:
    account = past_due(fake)
    invoice = account["invoices"][0]
    fake.seed.automatic_attempt(invoice["id"], succeeds=True)

    outcome = pay_invoice(client, invoice["id"], account["card"]["id"], "k")

    assert isinstance(outcome, NotPayable) and outcome.invoice.status == "paid"
    assert len(fake.payments) == 0


def test_a_card_of_another_customer_is_rejected(fake: FakeStripe, client: stripe.StripeClient) -> None:
    account, other = past_due(fake), past_due(fake)
    with pytest.raises(StripeRejected):
        pay_invoice(client, account["invoices"][0]["id"], other["card"]["id"], "k")
