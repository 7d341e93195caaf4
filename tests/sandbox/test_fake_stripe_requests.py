"""The fake Stripe's request semantics: payments and declines, idempotency, faults, webhooks."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import stripe
from werkzeug.wrappers import Request, Response

from sandbox.fake_stripe.fake_stripe import FakeStripe
from sandbox.server import ServerThread


def open_invoice(fake: FakeStripe, last4: str = "4242", **card: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    customer = fake.seed.customer()
    pm = fake.seed.card(customer["id"], last4=last4, **card)
    sub = fake.seed.subscription(customer["id"], 4200, status="past_due")
    return fake.seed.invoice(sub), pm


def test_paying_an_invoice_charges_once_and_makes_the_subscription_active(
    stripe_fake: FakeStripe, sdk: stripe.StripeClient
) -> None:
    invoice, pm = open_invoice(stripe_fake)

    paid = sdk.v1.invoices.pay(invoice["id"], {"payment_method": pm["id"]}, {"idempotency_key": "settle-1"})

    assert (paid.status, paid.amount_paid, paid.amount_remaining) == ("paid", 4200, 0)
    assert [(p.invoice, p.amount, p.idempotency_key) for p in stripe_fake.payments] == [
        (invoice["id"], 4200, "settle-1")
    ]
    assert stripe_fake.get(invoice["subscription"])["status"] == "active"
    assert {"invoice.paid", "invoice.payment_succeeded"} <= {e["type"] for e in stripe_fake.events()}


@pytest.mark.parametrize(
    ("last4", "code", "decline_code"),
    [("9995", "card_declined", "insufficient_funds"), ("0069", "expired_card", "expired_card"),
     ("0127", "incorrect_cvc", "incorrect_cvc"), ("6975", "card_declined", "card_velocity_exceeded"),
     ("0019", "card_declined", "fraudulent"), ("0002", "card_declined", "generic_decline")],
)  # fmt: skip
def test_test_cards_decline_with_stripes_codes_and_the_invoice_stays_open(
    stripe_fake: FakeStripe, sdk: stripe.StripeClient, last4: str, code: str, decline_code: str
) -> None:
    invoice, pm = open_invoice(stripe_fake, last4)

    with pytest.raises(stripe.CardError) as declined:
        sdk.v1.invoices.pay(invoice["id"], {"payment_method": pm["id"]}, {"idempotency_key": "k"})

    assert (declined.value.http_status, declined.value.code) == (402, code)
    assert declined.value.error.decline_code == decline_code  # type: ignore[union-attr]
    assert stripe_fake.get(invoice["id"])["status"] == "open"
    assert stripe_fake.get(invoice["id"])["attempt_count"] == 2
    assert stripe_fake.events()[-1]["type"] == "invoice.payment_failed"
    assert stripe_fake.payments == []


def test_a_card_chooses_any_decline_code_by_metadata(stripe_fake: FakeStripe, sdk: stripe.StripeClient) -> None:
    invoice, pm = open_invoice(stripe_fake, metadata={"fake_decline": "do_not_honor"})
    with pytest.raises(stripe.CardError) as declined:
        sdk.v1.invoices.pay(invoice["id"], {"payment_method": pm["id"]})
    assert declined.value.error.decline_code == "do_not_honor"  # type: ignore[union-attr]


def test_a_card_needing_3d_secure_asks_for_action_and_leaves_the_invoice_open(
    stripe_fake: FakeStripe, sdk: stripe.StripeClient
) -> None:
    invoice, pm = open_invoice(stripe_fake, "3184")
    with pytest.raises(stripe.CardError) as declined:
        sdk.v1.invoices.pay(invoice["id"], {"payment_method": pm["id"]})
    assert declined.value.code == "invoice_payment_intent_requires_action"
    assert declined.value.error.payment_intent.status == "requires_action"  # type: ignore[union-attr]
    assert stripe_fake.get(invoice["id"])["status"] == "open"
    assert stripe_fake.events()[-1]["type"] == "invoice.payment_action_required"


def test_the_same_key_and_parameters_replay_the_first_answer(stripe_fake: FakeStripe, sdk: stripe.StripeClient) -> None:
    invoice, pm = open_invoice(stripe_fake, "9995")
    for _ in range(2):
        with pytest.raises(stripe.CardError):
            sdk.v1.invoices.pay(invoice["id"], {"payment_method": pm["id"]}, {"idempotency_key": "same"})

    first, second = stripe_fake.requests_to("invoices.pay")
    assert (first.replayed, second.replayed) == (False, True)
    assert stripe_fake.get(invoice["id"])["attempt_count"] == 2  # one attempt, not two


def test_the_same_key_with_other_parameters_is_an_idempotency_error(
    stripe_fake: FakeStripe, sdk: stripe.StripeClient
) -> None:
    invoice, pm = open_invoice(stripe_fake)
    other = stripe_fake.seed.card(invoice["customer"])
    sdk.v1.invoices.pay(invoice["id"], {"payment_method": pm["id"]}, {"idempotency_key": "k1"})
    with pytest.raises(stripe.IdempotencyError):
        sdk.v1.invoices.pay(invoice["id"], {"payment_method": other["id"]}, {"idempotency_key": "k1"})
    assert len(stripe_fake.payments) == 1


def test_a_concurrent_request_with_the_same_key_gets_409(stripe_fake: FakeStripe, sdk: stripe.StripeClient) -> None:
    invoice, pm = open_invoice(stripe_fake)
    stripe_fake.latency = 0.5
    outcomes: list[int] = []

    def pay() -> None:
        try:
            sdk.v1.invoices.pay(invoice["id"], {"payment_method": pm["id"]}, {"idempotency_key": "race"})
            outcomes.append(200)
        except stripe.StripeError as error:
            outcomes.append(error.http_status or 0)

    threads = [threading.Thread(target=pay) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == [200, 409]
    assert len(stripe_fake.payments) == 1


def test_faults_before_the_work_change_nothing(stripe_fake: FakeStripe, sdk: stripe.StripeClient) -> None:
    invoice, pm = open_invoice(stripe_fake)
    stripe_fake.fail_next(1, "http_500", endpoint="invoices.pay", should_retry=True)
    stripe_fake.fail_next(1, "http_429", endpoint="invoices.pay", retry_after=2)
    stripe_fake.fail_next(1, "http_409", endpoint="invoices.pay")

    for error in (stripe.APIError, stripe.RateLimitError, stripe.StripeError):
        with pytest.raises(error):
            sdk.v1.invoices.pay(invoice["id"], {"payment_method": pm["id"]}, {"idempotency_key": "k"})
    sdk.v1.invoices.pay(invoice["id"], {"payment_method": pm["id"]}, {"idempotency_key": "k"})

    log = stripe_fake.requests_to("invoices.pay")
    assert [(r.status, r.fault, r.replayed) for r in log] == [
        (500, "http_500", False), (429, "http_429", False), (409, "http_409", False), (200, None, False)]  # fmt: skip
    assert len(stripe_fake.payments) == 1


def test_a_lost_answer_does_the_work_and_a_retry_under_the_key_replays_it(
    stripe_fake: FakeStripe, sdk: stripe.StripeClient
) -> None:
    invoice, pm = open_invoice(stripe_fake)
    stripe_fake.fail_next(1, "lost", endpoint="invoices.pay")

    with pytest.raises(stripe.APIConnectionError):
        sdk.v1.invoices.pay(invoice["id"], {"payment_method": pm["id"]}, {"idempotency_key": "lost"})
    assert stripe_fake.get(invoice["id"])["status"] == "paid"
    again = sdk.v1.invoices.pay(invoice["id"], {"payment_method": pm["id"]}, {"idempotency_key": "lost"})

    assert again.status == "paid"
    assert [(r.status, r.replayed) for r in stripe_fake.requests_to("invoices.pay")] == [(None, False), (200, True)]
    assert len(stripe_fake.payments) == 1


def test_a_timeout_fault_holds_the_connection_and_does_nothing(stripe_fake: FakeStripe) -> None:
    invoice, pm = open_invoice(stripe_fake)
    impatient = stripe.StripeClient(stripe_fake.api_key, base_addresses={"api": stripe_fake.url},
                                    http_client=stripe.RequestsClient(timeout=0.3))  # fmt: skip
    stripe_fake.fail_next(1, "timeout", endpoint="invoices.pay", delay=1.0)
    with pytest.raises(stripe.APIConnectionError):
        impatient.v1.invoices.pay(invoice["id"], {"payment_method": pm["id"]})
    assert stripe_fake.get(invoice["id"])["status"] == "open"


class Receiver:
    """An app stand-in that records the webhooks it gets."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, str]] = []
        self.server = ServerThread(self, "127.0.0.1", 0)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.received.append((request.get_data(), request.headers.get("Stripe-Signature", "")))
        return Response("", 200)(environ, start_response)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}/stripe/webhook"

    def event_ids(self) -> list[str]:
        return [json.loads(body)["id"] for body, _ in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    app = Receiver()
    app.server.start()
    yield app
    app.server.stop()


def test_webhooks_are_signed_so_the_sdk_verifies_them(stripe_fake: FakeStripe, receiver: Receiver) -> None:
    stripe_fake.add_webhook(receiver.url)
    customer = stripe_fake.seed.customer()
    stripe_fake.webhooks.wait_idle()

    body, signature = receiver.received[0]
    event = stripe.Webhook.construct_event(body, signature, stripe_fake.webhooks.secret, 300)
    assert (event.type, event.data.object["id"]) == ("customer.created", customer["id"])
    assert stripe_fake.webhooks.deliveries[0].status == 200


def test_webhooks_can_be_duplicated_and_delivered_in_reverse(stripe_fake: FakeStripe, receiver: Receiver) -> None:
    stripe_fake.add_webhook(receiver.url)
    stripe_fake.webhooks.duplicate(3)
    stripe_fake.webhooks.hold()
    first, second = stripe_fake.seed.customer(), stripe_fake.seed.customer()
    assert receiver.received == []

    stripe_fake.webhooks.release("reverse")
    stripe_fake.webhooks.wait_idle()

    ids = [e["id"] for e in stripe_fake.events("customer.created")]
    assert receiver.event_ids() == [ids[1]] * 3 + [ids[0]] * 3
    assert first["id"] != second["id"]
