"""The sync through the Stripe reader against the fake Stripe (settlebot's side in memory)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import stripe

from domain.billing_mirror import card_id_for
from domain.billing_sync import link_customer, sync
from domain.model import InvoiceStatus
from domain.money import Money
from payments.stripe import parsing
from payments.stripe.sync_reader import StripeReader, event_ref
from sandbox.fake_stripe.fake_stripe import FakeStripe
from tests.fakes import FakeClock, FakeUnitOfWork
from tests.stripe.conftest import past_due

NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def test_a_linked_customer_is_synced_from_stripe_with_its_cards_subscription_and_open_invoices(
    fake: FakeStripe, client: stripe.StripeClient
) -> None:
    account = past_due(fake, invoices=2, metadata={"settlebot_owner": "U0ANA"}, exp_month=3, exp_year=2031)
    past_due(fake)  # another customer, not linked
    uow, clock, reader = FakeUnitOfWork(), FakeClock(NOW), StripeReader(client, dt.UTC)
    cid = account["customer"]["id"]

    link_customer(uow, reader, clock, cid, "C0ALERTS")
    sync(uow, reader, clock)

    t = uow.committed
    assert set(t.accounts) == {cid} and t.accounts[cid].currency == "USD"
    assert {i.id for i in t.invoices.values()} == {i["id"] for i in account["invoices"]}
    first = t.invoices[account["invoices"][0]["id"]]
    assert (first.amount, first.due_date) == (Money(Decimal("42.00"), "USD"), dt.date(2023, 11, 14))
    (kept,) = t.cards.values()
    assert (kept.token, kept.id, kept.owner_slack_user_id, kept.exp_month) == (
        account["card"]["id"], card_id_for(account["card"]["id"]), "U0ANA", 3)  # fmt: skip
    assert t.subscriptions[account["subscription"]["id"]].billing_status == "past_due"


def test_an_incremental_sync_after_n_changes_makes_requests_in_proportion_to_n(
    fake: FakeStripe, client: stripe.StripeClient
) -> None:
    account = past_due(fake, invoices=3)
    uow, clock, reader = FakeUnitOfWork(), FakeClock(NOW), StripeReader(client, dt.UTC)
    link_customer(uow, reader, clock, account["customer"]["id"], "C0ALERTS")
    sync(uow, reader, clock)
    for _ in range(150):  # unrelated changes in the account
        fake.seed.customer()
    fake.seed.automatic_attempt(account["invoices"][1]["id"], succeeds=True)
    fake.reset_log()

    report = sync(uow, reader, clock)

    assert report.mode == "incremental"
    assert uow.committed.invoices[account["invoices"][1]["id"]].status is InvoiceStatus.PAID
    assert [r.endpoint for r in fake.requests] == ["events.list"] * 2  # 151+ events, 100 a page


def test_a_detached_cards_event_names_the_customer_it_left_and_other_types_are_ignored(
    fake: FakeStripe, client: stripe.StripeClient
) -> None:
    account = past_due(fake)
    client.v1.payment_methods.detach(account["card"]["id"])
    detached = parsing.event(fake.events("payment_method.detached")[0])
    created = parsing.event(fake.events("customer.created")[0])

    ref = event_ref(detached)

    assert ref is not None and (ref.kind, ref.object_id, ref.customer) == (
        "card", account["card"]["id"], account["customer"]["id"])  # fmt: skip
    assert event_ref(created) is None
