"""The fake Stripe's objects, lists and events, read through the official SDK."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import stripe

from sandbox.fake_stripe import shapes
from sandbox.fake_stripe.fake_stripe import FakeStripe

FIXTURES = Path("/work/shared/stripe-api/fixtures3.json")


def test_every_shape_has_exactly_the_fields_of_stripes_published_fixture() -> None:
    if not FIXTURES.exists():
        pytest.skip("Stripe's fixtures are not on this machine")
    published = json.loads(FIXTURES.read_text())["resources"]
    for kind in shapes.kinds():
        assert set(shapes.new(kind)) == set(published[kind]), kind


def test_a_wrong_or_missing_key_is_refused_with_401(stripe_fake: FakeStripe) -> None:
    wrong = stripe.StripeClient("sk_test_not_the_right_key_123", base_addresses={"api": stripe_fake.url})
    with pytest.raises(stripe.AuthenticationError) as refused:
        wrong.v1.customers.list()
    assert refused.value.http_status == 401
    assert "not_the_right_key" not in str(refused.value)


def test_basic_auth_with_the_key_as_user_is_accepted(stripe_fake: FakeStripe) -> None:
    import base64
    import urllib.request

    token = base64.b64encode(f"{stripe_fake.api_key}:".encode()).decode()
    request = urllib.request.Request(f"{stripe_fake.url}/v1/customers", headers={"Authorization": f"Basic {token}"})
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert json.load(answer)["object"] == "list"


def test_lists_page_by_starting_after_with_has_more(stripe_fake: FakeStripe, sdk: stripe.StripeClient) -> None:
    made = [stripe_fake.seed.customer(email=f"c{i}@example.com")["id"] for i in range(7)]

    first = sdk.v1.customers.list({"limit": 3})
    seen = [c.id for c in first.auto_paging_iter()]

    assert first.has_more is True
    assert seen == list(reversed(made))  # newest first, every one once
    assert len(stripe_fake.requests_to("customers.list")) == 3


def test_filtered_lists_page_both_ways_from_a_cursor_the_filter_leaves_out(
    stripe_fake: FakeStripe, sdk: stripe.StripeClient
) -> None:
    made = [stripe_fake.seed.customer(email=f"c{i % 2}@example.com")["id"] for i in range(9)]
    even = [cid for i, cid in enumerate(made) if i % 2 == 0]

    older = sdk.v1.customers.list({"limit": 2, "email": "c0@example.com", "starting_after": made[5]})
    newer = sdk.v1.customers.list({"limit": 2, "email": "c0@example.com", "ending_before": made[3]})
    every = list(sdk.v1.customers.list({"limit": 2, "email": "c0@example.com"}).auto_paging_iter())

    assert [c.id for c in older.data] == [even[2], even[1]] and older.has_more
    assert [c.id for c in newer.data] == [even[3], even[2]] and newer.has_more  # the two just newer
    assert [c.id for c in every] == list(reversed(even))


def test_a_limit_above_100_is_refused(stripe_fake: FakeStripe, sdk: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as refused:
        sdk.v1.customers.list({"limit": 101})
    assert refused.value.param == "limit"


def test_an_unknown_id_is_a_404_resource_missing(sdk: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as refused:
        sdk.v1.invoices.retrieve("in_nothing")
    assert (refused.value.http_status, refused.value.code) == (404, "resource_missing")


def test_a_customers_subscriptions_invoices_and_cards_are_listed_with_their_fields(
    stripe_fake: FakeStripe, sdk: stripe.StripeClient
) -> None:
    customer = stripe_fake.seed.customer(email="ap@example.com", settlebot_channel="C0ALERTS01")
    card = stripe_fake.seed.card(customer["id"], brand="mastercard", last4="4444", exp_month=3, exp_year=2031,
                                 email="ana@example.com", metadata={"settlebot_owner": "U0ANA"})  # fmt: skip
    sub = stripe_fake.seed.subscription(customer["id"], 12999, "eur", status="past_due")
    invoice = stripe_fake.seed.invoice(sub, due_date=1_700_000_000, attempt_count=2, next_payment_attempt=1_700_300_000)

    subs = sdk.v1.subscriptions.list({"customer": customer["id"], "expand": ["data.latest_invoice"]})
    cards = sdk.v1.payment_methods.list({"customer": customer["id"], "type": "card"})
    invoices = sdk.v1.invoices.list({"customer": customer["id"], "status": "open"})

    assert subs.data[0].latest_invoice.id == invoice["id"]  # type: ignore[union-attr]
    assert subs.data[0].status == "past_due"
    assert (cards.data[0].id, cards.data[0].card.last4, cards.data[0].card.exp_month) == (card["id"], "4444", 3)  # type: ignore[union-attr]
    assert cards.data[0].metadata["settlebot_owner"] == "U0ANA"
    found = invoices.data[0]
    assert (found.amount_due, found.amount_remaining, found.currency, found.attempt_count) == (12999, 12999, "eur", 2)
    assert found.next_payment_attempt == 1_700_300_000
    assert found.hosted_invoice_url and found.hosted_invoice_url.startswith(stripe_fake.url)
    assert sdk.v1.customers.retrieve(customer["id"]).metadata["settlebot_channel"] == "C0ALERTS01"


def test_events_are_listed_newest_first_and_from_a_cursor_in_both_directions(
    stripe_fake: FakeStripe, sdk: stripe.StripeClient
) -> None:
    for i in range(5):
        stripe_fake.seed.customer(email=f"e{i}@example.com")
    ids = [e["id"] for e in stripe_fake.events("customer.created")]

    newest = sdk.v1.events.list({"limit": 2})
    older = sdk.v1.events.list({"limit": 10, "starting_after": ids[2]})
    newer = list(sdk.v1.events.list({"limit": 1, "ending_before": ids[1]}).auto_paging_iter())

    assert [e.id for e in newest.data] == [ids[4], ids[3]] and newest.has_more
    assert [e.id for e in older.data] == [ids[1], ids[0]] and not older.has_more
    assert [e.id for e in newer] == ids[2:]  # the SDK hands pages toward the present oldest first


def test_events_are_filtered_by_types(stripe_fake: FakeStripe, sdk: stripe.StripeClient) -> None:
    customer = stripe_fake.seed.customer()
    stripe_fake.seed.card(customer["id"])

    found = sdk.v1.events.list({"types": ["payment_method.attached", "invoice.paid"]})

    assert [e.type for e in found.data] == ["payment_method.attached"]
    assert found.data[0].data.object["customer"] == customer["id"]


def test_updating_a_cards_expiry_reaches_the_card_and_announces_it(
    stripe_fake: FakeStripe, sdk: stripe.StripeClient
) -> None:
    customer = stripe_fake.seed.customer()
    card = stripe_fake.seed.card(customer["id"], exp_month=1, exp_year=2030)

    sdk.v1.payment_methods.update(card["id"], {"card": {"exp_month": 9, "exp_year": 2032}})

    assert (stripe_fake.get(card["id"])["card"]["exp_month"], stripe_fake.get(card["id"])["card"]["exp_year"]) == (
        9,
        2032,
    )
    update = stripe_fake.events("payment_method.updated")[-1]
    assert update["data"]["previous_attributes"]["card"]["exp_month"] == 1


def test_an_expiry_in_the_past_is_refused(stripe_fake: FakeStripe, sdk: stripe.StripeClient) -> None:
    card = stripe_fake.seed.card(stripe_fake.seed.customer()["id"])
    with pytest.raises(stripe.CardError) as refused:
        sdk.v1.payment_methods.update(card["id"], {"card": {"exp_month": 1, "exp_year": 2020}})
    assert refused.value.code == "invalid_expiry_year"


def test_a_subscriptions_default_card_must_be_the_customers(stripe_fake: FakeStripe, sdk: stripe.StripeClient) -> None:
    customer, other = stripe_fake.seed.customer(), stripe_fake.seed.customer()
    sub = stripe_fake.seed.subscription(customer["id"], 500)
    own, foreign = stripe_fake.seed.card(customer["id"]), stripe_fake.seed.card(other["id"])

    assert (
        sdk.v1.subscriptions.update(sub["id"], {"default_payment_method": own["id"]}).default_payment_method
        == own["id"]
    )
    with pytest.raises(stripe.InvalidRequestError):
        sdk.v1.subscriptions.update(sub["id"], {"default_payment_method": foreign["id"]})


def test_a_completed_setup_checkout_attaches_a_card_and_announces_it(
    stripe_fake: FakeStripe, sdk: stripe.StripeClient
) -> None:
    customer = stripe_fake.seed.customer()
    session = sdk.v1.checkout.sessions.create({
        "mode": "setup", "customer": customer["id"], "success_url": "https://example.com/done",
        "metadata": {"settlebot_user": "U0ANA"},
    })  # fmt: skip

    card = stripe_fake.complete_checkout(session.id, last4="1881", exp_month=4, exp_year=2033)

    done = sdk.v1.checkout.sessions.retrieve(session.id, {"expand": ["setup_intent"]})
    assert done.status == "complete" and done.metadata["settlebot_user"] == "U0ANA"
    assert done.setup_intent.payment_method == card["id"]  # type: ignore[union-attr]
    assert [c.id for c in sdk.v1.payment_methods.list({"customer": customer["id"], "type": "card"})] == [card["id"]]
    types = [e["type"] for e in stripe_fake.events()]
    assert types[-3:] == ["payment_method.attached", "setup_intent.succeeded", "checkout.session.completed"]
    assert session.url and session.url.startswith(stripe_fake.url)
