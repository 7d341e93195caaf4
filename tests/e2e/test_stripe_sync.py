"""Stripe as the system of record, through the real `settlebot` (CLI and `serve`) and the fake Stripe
over HTTP: link, sync, balances; webhooks duplicated and reordered; forged and stale webhooks."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from domain.model import InvoiceStatus
from payments.stripe.sync_reader import WEBHOOK_EVENTS
from sandbox.fake_stripe.fake_stripe import TEST_WEBHOOK_SECRET, FakeStripe
from sandbox.fake_stripe.webhooks import post, sign
from storage.models import StripeEventRow
from tests.e2e.harness import BILLING_CHANNEL, AppProcess, Inspector, cli, cli_json, wait_until
from tests.stripe.conftest import past_due


@pytest.fixture
def linked(stripe_env: dict[str, str], fake_stripe: FakeStripe) -> dict[str, Any]:
    """A past-due Stripe customer with two open invoices, linked and synced by the command line."""
    account = past_due(fake_stripe, invoices=2, amount=4250)
    past_due(fake_stripe)  # a customer settlebot does not serve
    customer = account["customer"]["id"]
    cli(stripe_env, "link", customer, "--channel", BILLING_CHANNEL)
    cli(stripe_env, "admins", "add", "--account", customer, "--user", "U0ANA", "--role", "billing_admin")
    cli(stripe_env, "sync")
    return account


def invoice_status(db: Inspector, invoice_id: str) -> InvoiceStatus | None:
    with db.uow() as uow:
        found = uow.invoices.get(invoice_id)
    return None if found is None else found.status


def events_recorded(db: Inspector) -> int:
    with db.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(StripeEventRow)).scalar_one())


def test_linked_and_synced_stripe_customers_open_invoices_show_in_balances(
    stripe_env: dict[str, str], fake_stripe: FakeStripe, linked: dict[str, Any]
) -> None:
    customer = linked["customer"]["id"]

    rows = [r for r in cli_json(stripe_env, "balances") if r["account_id"].startswith("cus_")]

    assert [(r["account_id"], r["subscription_id"], r["amount"], r["currency"]) for r in rows] == [
        (customer, linked["subscription"]["id"], "85.00", "USD")]  # fmt: skip
    assert rows[0]["days_past_due"] > 0
    admins = cli(stripe_env, "admins", "list", "--account", customer).stdout
    assert admins.strip() == "U0ANA billing_admin"
    assert linked["card"]["id"] not in json.dumps(rows)  # the payment method id is only a token


def test_an_incremental_sync_after_n_changes_reads_only_the_events_list(
    stripe_env: dict[str, str], fake_stripe: FakeStripe, linked: dict[str, Any], db: Inspector
) -> None:
    for _ in range(120):
        fake_stripe.seed.customer()
    paid = linked["invoices"][0]["id"]
    fake_stripe.seed.automatic_attempt(paid, succeeds=True)
    fake_stripe.reset_log()

    out = cli(stripe_env, "sync").stdout

    assert out.startswith("incremental sync")
    assert [r.endpoint for r in fake_stripe.requests] == ["events.list", "events.list"]  # 120+ changes, 100 a page
    assert invoice_status(db, paid) is InvoiceStatus.PAID


def test_webhooks_delivered_five_times_in_reverse_order_are_handled_once_with_the_right_final_state(
    stripe_env: dict[str, str], fake_stripe: FakeStripe, linked: dict[str, Any], db: Inspector
) -> None:
    first, second = (i["id"] for i in linked["invoices"])
    with AppProcess(stripe_env) as app:
        fake_stripe.add_webhook(app.url + "/stripe/webhook")
        fake_stripe.webhooks.duplicate(5)
        fake_stripe.webhooks.hold()
        before = len(fake_stripe.events())
        fake_stripe.seed.automatic_attempt(first, succeeds=False)  # invoice.payment_failed
        fake_stripe.seed.automatic_attempt(first, succeeds=True)  # invoice.paid, .payment_succeeded, subscription
        _void(fake_stripe, second)  # invoice.voided
        handled = [e for e in fake_stripe.events()[before:] if e["type"] in WEBHOOK_EVENTS]
        fake_stripe.reset_log()
        fake_stripe.webhooks.release("reverse")
        fake_stripe.webhooks.wait_idle(30)

        wait_until(lambda: len(fake_stripe.requests) >= len(handled), timeout=30)
        wait_until(lambda: invoice_status(db, first) is InvoiceStatus.PAID, timeout=30)
        wait_until(lambda: invoice_status(db, second) is InvoiceStatus.VOID, timeout=30)
        time.sleep(1.0)  # an event handled twice would read its object again by now
        deliveries = fake_stripe.webhooks.deliveries
    assert "Traceback" not in app.log, app.log
    assert {d.status for d in deliveries} == {200} and len(deliveries) == 5 * len({d.event_id for d in deliveries})
    assert len(handled) >= 4 and events_recorded(db) == len(handled)  # failed, paid, succeeded, voided
    reads = [r.endpoint for r in fake_stripe.requests]
    assert sorted(reads) == sorted(_read_for(e["type"]) for e in handled)  # one read again per event, once


def _read_for(event_type: str) -> str:
    return "subscriptions.retrieve" if event_type.startswith("customer.subscription.") else "invoices.retrieve"


def _void(fake: FakeStripe, invoice_id: str) -> None:
    import stripe

    stripe.StripeClient(fake.api_key, base_addresses={"api": fake.url}).v1.invoices.void_invoice(invoice_id)


@pytest.mark.parametrize("forgery", ["wrong secret", "five minutes old", "no signature"])
def test_a_forged_or_stale_webhook_is_refused_with_400_and_changes_nothing(
    stripe_env: dict[str, str], fake_stripe: FakeStripe, linked: dict[str, Any], db: Inspector, forgery: str
) -> None:
    invoice = linked["invoices"][0]["id"]
    fake_stripe.seed.automatic_attempt(invoice, succeeds=True)
    event = fake_stripe.events("invoice.paid")[-1]
    payload = json.dumps(event)
    signature = {
        "wrong secret": sign(payload, "whsec_someone_else_000000000000"),
        "five minutes old": sign(payload, TEST_WEBHOOK_SECRET, int(time.time()) - 301),
        "no signature": "",
    }[forgery]
    with AppProcess(stripe_env) as app:
        status = post(app.url + "/stripe/webhook", payload, signature)
        other = json.dumps({**event, "id": "evt_other_type", "type": "charge.refunded"})
        good = post(app.url + "/stripe/webhook", other, sign(other, TEST_WEBHOOK_SECRET))
        time.sleep(0.5)

    assert status == 400 and good == 200
    assert invoice_status(db, invoice) is InvoiceStatus.OPEN and events_recorded(db) == 0
    assert "refused a Stripe webhook (400)" in app.log


def test_amounts_are_decimal_money_of_the_accounts_currency(linked: dict[str, Any], db: Inspector) -> None:
    with db.uow() as uow:
        found = uow.invoices.get(linked["invoices"][0]["id"])
    assert found is not None and found.amount.amount == Decimal("42.50") and found.amount.currency == "USD"
