"""Alerts from the sync, through the real `settlebot` (the scheduler of `serve`, and the command line),
the fake Stripe and the fake Slack over HTTP: with no webhook delivered, the sync alone posts and
updates the alert; an event both delivered and read by the sync changes it once."""

from __future__ import annotations

import json
from typing import Any

import pytest
import stripe

from payments.stripe.sync_reader import WEBHOOK_EVENTS
from sandbox.fake_slack import FakeSlack
from sandbox.fake_stripe.fake_stripe import FakeStripe
from tests.e2e.conftest import POSTED_WITHIN
from tests.e2e.harness import BILLING_CHANNEL, AppProcess, cli, wait_until
from tests.stripe.conftest import past_due

STRIPE_CHANNEL = "C0STRIPE01"  # the Stripe customer's: the demo accounts' alerts go to BILLING_CHANNEL
SYNC_EVERY = 10  # STRIPE_SYNC_INTERVAL_SECONDS (its least)
SYNCED_WITHIN = SYNC_EVERY + POSTED_WITHIN


def posts(fake: FakeSlack, channel: str = STRIPE_CHANNEL) -> list[Any]:
    return [c for c in fake.calls_to("chat.postMessage", ok=True) if c.params.get("channel") == channel]


def updates(fake: FakeSlack, channel: str = STRIPE_CHANNEL) -> list[Any]:
    return [c for c in fake.calls_to("chat.update", ok=True) if c.params.get("channel") == channel]


def shown(fake: FakeSlack, channel: str = STRIPE_CHANNEL) -> str:
    [message] = fake.messages(channel)
    return json.dumps(message, ensure_ascii=False)


def dashboard(fake: FakeStripe) -> Any:
    """Requests as someone in Stripe's dashboard makes them (not Stripe's own work)."""
    return stripe.StripeClient(fake.api_key, base_addresses={"api": fake.url})


@pytest.fixture
def channel(fake_slack: FakeSlack) -> str:
    fake_slack.add_channel(STRIPE_CHANNEL, "stripe-billing")
    return STRIPE_CHANNEL


def test_with_no_webhook_the_schedulers_sync_alone_posts_the_alert_and_updates_it_when_paid_in_stripe(
    stripe_env: dict[str, str], fake_stripe: FakeStripe, fake_slack: FakeSlack, channel: str
) -> None:  # fmt: skip
    env = {**stripe_env, "STRIPE_SYNC_INTERVAL_SECONDS": str(SYNC_EVERY)}
    with AppProcess(env, "serve", "--port", "0") as app:  # the scheduler runs; no webhook endpoint is added
        wait_until(lambda: "stripe sync (full)" in app.log, timeout=30, interval=0.5)  # the day's scan ran before
        account = past_due(fake_stripe, invoices=1, amount=4250)  # past due since 2023, one failed attempt
        cli(env, "link", account["customer"]["id"], "--channel", channel)

        wait_until(lambda: posts(fake_slack), timeout=SYNCED_WITHIN, interval=0.5)  # read whole, then the scan
        assert "$42.50" in shown(fake_slack) and "Settle" in shown(fake_slack)
        dashboard(fake_stripe).v1.invoices.pay(account["invoices"][0]["id"], {"paid_out_of_band": True})

        wait_until(lambda: "Paid in Stripe" in shown(fake_slack), timeout=SYNCED_WITHIN, interval=0.5)
    assert "Traceback" not in app.log, app.log
    assert fake_stripe.webhooks.deliveries == []
    assert len(posts(fake_slack)) == 1 and len(updates(fake_slack)) == 1
    assert "actions" not in shown(fake_slack)  # no Settle button any more


def test_settlebot_sync_posts_the_alert_of_a_failure_in_stripes_events_and_updates_it_when_stripes_retry_pays(
    stripe_env: dict[str, str], fake_stripe: FakeStripe, fake_slack: FakeSlack, channel: str
) -> None:  # fmt: skip
    account = past_due(fake_stripe, invoices=1, amount=4250)
    invoice = account["invoices"][0]["id"]
    cli(stripe_env, "link", account["customer"]["id"], "--channel", channel)
    first = cli(stripe_env, "sync").stdout  # read whole: left to the scan, which this command does not run
    assert "0 alerts changed" in first and posts(fake_slack) == []

    fake_stripe.seed.automatic_attempt(invoice, succeeds=False)  # invoice.payment_failed, a retry in 3 days
    failure = cli(stripe_env, "sync").stdout

    assert "1 alerts changed" in failure and "posted 1" in failure
    retry = fake_stripe.get(invoice)["next_payment_attempt"]
    assert "Stripe's automatic payment attempts: 2" in shown(fake_slack) and f"<!date^{retry}^" in shown(fake_slack)

    fake_stripe.seed.automatic_attempt(invoice, succeeds=True)  # Stripe's own retry pays it
    payment = cli(stripe_env, "sync").stdout

    assert "updated 1" in payment and "Paid by Stripe's automatic retry" in shown(fake_slack)
    assert len(posts(fake_slack)) == 1 and len(updates(fake_slack)) == 1


def test_an_event_both_delivered_by_its_webhook_and_read_by_the_sync_changes_the_alert_once(
    stripe_env: dict[str, str], fake_stripe: FakeStripe, fake_slack: FakeSlack, one_invoice: dict[str, Any],
    stripe_app: AppProcess,
) -> None:  # fmt: skip
    invoice = one_invoice["invoices"][0]["id"]
    before = len(fake_stripe.events())
    fake_stripe.seed.automatic_attempt(invoice, succeeds=False)
    wait_until(lambda: posts(fake_slack, BILLING_CHANNEL), timeout=POSTED_WITHIN)  # the webhook's job posted it
    hooked = [e["id"] for e in fake_stripe.events()[before:] if e["type"] in WEBHOOK_EVENTS]
    wait_until(lambda: all(f"stripe event {e}" in stripe_app.log for e in hooked), timeout=POSTED_WITHIN)

    after_webhook = cli(stripe_env, "sync").stdout  # reads the same invoice.payment_failed

    fake_stripe.webhooks.hold()
    fake_stripe.seed.automatic_attempt(invoice, succeeds=True)  # invoice.paid, .payment_succeeded, subscription
    before_webhook = cli(stripe_env, "sync").stdout  # the sync first this time
    paid_events = {e["id"] for e in fake_stripe.events() if e["type"] in ("invoice.paid", "invoice.payment_succeeded")}
    fake_stripe.webhooks.release()
    fake_stripe.webhooks.wait_idle(30)

    assert "0 alerts changed" in after_webhook and "1 alerts changed" in before_webhook
    assert {d.status for d in fake_stripe.webhooks.deliveries} == {200}
    assert not any(f"stripe event {event_id}" in stripe_app.log for event_id in paid_events)  # no job for them
    assert "Paid by Stripe's automatic retry" in shown(fake_slack, BILLING_CHANNEL)
    assert len(posts(fake_slack, BILLING_CHANNEL)) == 1 and len(updates(fake_slack, BILLING_CHANNEL)) == 1
