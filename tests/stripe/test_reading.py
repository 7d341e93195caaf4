"""Reading a customer's billing and the events list through the layer."""

from __future__ import annotations

from decimal import Decimal

import stripe

from domain.money import Money
from payments.stripe import reading
from payments.stripe.amounts import to_money, to_stripe
from sandbox.fake_stripe.fake_stripe import FakeStripe
from tests.stripe.conftest import past_due


def test_open_invoices_are_read_across_pages_100_at_a_time_oldest_due_first(
    fake: FakeStripe, client: stripe.StripeClient
) -> None:
    account = past_due(fake, invoices=230)
    paid = account["invoices"][5]
    fake.seed.automatic_attempt(paid["id"], succeeds=True)

    found = reading.open_invoices(client, account["customer"]["id"])

    assert len(found) == 229 and paid["id"] not in {i.id for i in found}
    assert [i.due_date for i in found] == sorted(i.due_date or 0 for i in found)
    assert found[0].remaining == Money(Decimal("42.00"), "USD")
    requests = fake.requests_to("invoices.list")
    assert len(requests) == 3 and {r.params["limit"] for r in requests} == {"100"}


def test_subscriptions_and_cards_are_read_as_the_layers_models(fake: FakeStripe, client: stripe.StripeClient) -> None:
    account = past_due(fake, brand="amex", last4="0005", exp_month=2, exp_year=2031, email="ana@example.com",
                       metadata={"settlebot_owner": "U0ANA"})  # fmt: skip

    (sub,) = reading.subscriptions(client, account["customer"]["id"])
    (card,) = reading.cards(client, account["customer"]["id"])

    assert (sub.id, sub.status, sub.latest_invoice) == (account["subscription"]["id"], "past_due",
                                                        account["invoices"][0]["id"])  # fmt: skip
    assert (card.brand, card.last4, card.exp_month, card.exp_year) == ("amex", "0005", 2, 2031)
    assert (card.email, card.metadata["settlebot_owner"]) == ("ana@example.com", "U0ANA")


def test_events_since_an_id_are_the_newer_ones_oldest_first(fake: FakeStripe, client: stripe.StripeClient) -> None:
    past_due(fake)
    everything = list(reading.events_since(client, None))
    cursor = everything[-1].id
    for _ in range(150):
        fake.seed.customer()

    newer = list(reading.events_since(client, cursor))

    assert [e.id for e in newer] == [e["id"] for e in fake.events()][len(everything) :]
    assert len(newer) == 150 and newer[0].type == "customer.created"
    assert len(fake.requests_to("events.list")) <= 1 + 2 + 1  # the full read, then two pages (and no more)


def test_stripe_amounts_follow_stripes_currency_rules() -> None:
    assert to_money(12999, "usd") == Money(Decimal("129.99"), "USD")
    assert to_money(500, "jpy") == Money(Decimal(500), "JPY")
    assert to_money(1500, "kwd") == Money(Decimal("1.500"), "KWD")
    assert to_money(10000, "isk") == Money(Decimal(100), "ISK")
    assert to_stripe(Money(Decimal("129.99"), "USD")) == 12999
