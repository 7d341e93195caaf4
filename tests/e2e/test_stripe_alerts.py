"""Alerts straight from Stripe's events, through the real `settlebot serve` (no scheduler: nothing
but the webhook posts), the fake Stripe and the fake Slack over HTTP."""

from __future__ import annotations

import json
import time
from typing import Any

from sandbox.fake_slack import FakeSlack
from sandbox.fake_stripe.fake_stripe import FakeStripe
from tests.e2e.conftest import POSTED_WITHIN
from tests.e2e.harness import BILLING_CHANNEL, AppProcess, wait_until


def posts(fake: FakeSlack) -> list[Any]:
    return [c for c in fake.calls_to("chat.postMessage", ok=True) if c.params.get("channel") == BILLING_CHANNEL]


def updates(fake: FakeSlack) -> list[Any]:
    return fake.calls_to("chat.update", ok=True)


def shown(fake: FakeSlack) -> str:
    [message] = fake.messages(BILLING_CHANNEL)
    return json.dumps(message, ensure_ascii=False)


def test_a_failed_payment_posts_the_alert_at_once_and_stripes_retry_paying_it_updates_it_in_place(
    fake_stripe: FakeStripe, fake_slack: FakeSlack, one_invoice: dict[str, Any], stripe_app: AppProcess
) -> None:
    invoice = one_invoice["invoices"][0]["id"]
    started = time.monotonic()

    fake_stripe.seed.automatic_attempt(invoice, succeeds=False)  # invoice.payment_failed, a retry in 3 days

    wait_until(lambda: posts(fake_slack), timeout=POSTED_WITHIN)
    print(f"alert posted {time.monotonic() - started:.2f} s after invoice.payment_failed")
    retry = fake_stripe.get(invoice)["next_payment_attempt"]
    assert "Stripe's automatic payment attempts: 2" in shown(fake_slack)
    assert f"<!date^{retry}^" in shown(fake_slack) and "$42.50" in shown(fake_slack)

    fake_stripe.seed.automatic_attempt(invoice, succeeds=True)  # Stripe's own retry pays it

    wait_until(lambda: "Paid by Stripe's automatic retry" in shown(fake_slack), timeout=POSTED_WITHIN)
    assert len(posts(fake_slack)) == 1
    assert [u.params["ts"] for u in updates(fake_slack)] == [fake_slack.messages(BILLING_CHANNEL)[0]["ts"]]
    assert "actions" not in shown(fake_slack)  # no Settle button any more


def test_a_voided_invoice_closes_the_alert_with_the_reason(
    fake_stripe: FakeStripe, fake_slack: FakeSlack, one_invoice: dict[str, Any], stripe_app: AppProcess
) -> None:
    invoice = one_invoice["invoices"][0]["id"]
    fake_stripe.seed.automatic_attempt(invoice, succeeds=False)
    wait_until(lambda: posts(fake_slack), timeout=POSTED_WITHIN)

    _client(fake_stripe).v1.invoices.void_invoice(invoice)  # in the dashboard: a request, not Stripe's own

    wait_until(lambda: "voided in Stripe" in shown(fake_slack), timeout=POSTED_WITHIN)
    assert len(posts(fake_slack)) == 1 and len(updates(fake_slack)) == 1


def test_paid_in_the_dashboard_says_paid_in_stripe(
    fake_stripe: FakeStripe, fake_slack: FakeSlack, one_invoice: dict[str, Any], stripe_app: AppProcess
) -> None:
    invoice = one_invoice["invoices"][0]["id"]
    fake_stripe.seed.automatic_attempt(invoice, succeeds=False)
    wait_until(lambda: posts(fake_slack), timeout=POSTED_WITHIN)

    _client(fake_stripe).v1.invoices.pay(invoice, {"paid_out_of_band": True})

    wait_until(lambda: "Paid in Stripe" in shown(fake_slack), timeout=POSTED_WITHIN)


def test_each_webhook_five_times_in_reverse_order_makes_one_post_then_one_update(
    fake_stripe: FakeStripe, fake_slack: FakeSlack, one_invoice: dict[str, Any], stripe_app: AppProcess
) -> None:
    invoice = one_invoice["invoices"][0]["id"]
    fake_stripe.webhooks.duplicate(5)
    fake_stripe.webhooks.hold()
    fake_stripe.seed.automatic_attempt(invoice, succeeds=False)
    fake_stripe.seed.automatic_attempt(invoice, succeeds=False)  # two failures: a later one, delivered first
    fake_stripe.webhooks.release("reverse")
    fake_stripe.webhooks.wait_idle(30)
    wait_until(lambda: posts(fake_slack), timeout=POSTED_WITHIN)
    wait_until(lambda: not _busy(stripe_app), timeout=POSTED_WITHIN)
    assert "Stripe's automatic payment attempts: 3" in shown(fake_slack)
    updated = len(updates(fake_slack))  # the second failure may come after the first post: at most one

    fake_stripe.webhooks.hold()
    fake_stripe.seed.automatic_attempt(invoice, succeeds=True)  # invoice.paid, .payment_succeeded, subscription
    fake_stripe.webhooks.release("reverse")
    fake_stripe.webhooks.wait_idle(30)
    wait_until(lambda: "Paid by Stripe's automatic retry" in shown(fake_slack), timeout=POSTED_WITHIN)
    wait_until(lambda: not _busy(stripe_app), timeout=POSTED_WITHIN)

    assert {d.status for d in fake_stripe.webhooks.deliveries} == {200}
    assert len(posts(fake_slack)) == 1 and updated <= 1
    assert len(updates(fake_slack)) == updated + 1


def _busy(app: AppProcess) -> bool:
    """Whether a Stripe event is still being handled (each one logs a line when done)."""
    time.sleep(1.0)
    handled = app.log.count("stripe event evt_")
    time.sleep(0.5)
    return app.log.count("stripe event evt_") != handled


def _client(fake: FakeStripe) -> Any:
    import stripe

    return stripe.StripeClient(fake.api_key, base_addresses={"api": fake.url})
