"""Settling through Stripe with the real `settlebot serve` and the fake Stripe and Slack over HTTP:
sync -> alert -> click -> modal with Stripe's cards -> Save -> invoices.pay once per invoice under
settlebot's keys -> default card -> alert and receipt; a decline; a partial outcome; 3-D Secure;
the card owner's expiry fix reaching Stripe."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from domain.billing_mirror import card_id_for
from domain.model import InvoiceStatus
from handlers import ids
from handlers.i18n import translator
from sandbox.driver import SlackDriver
from sandbox.fake_slack import FakeSlack
from sandbox.fake_stripe.fake_stripe import FakeStripe
from sandbox.signing import SlackRequester
from tests.e2e.harness import BILLING_CHANNEL, SIGNING_SECRET, AppProcess, Inspector, cli, wait_until
from tests.e2e.test_settle_flow import BA, GA, open_modal_from_alert

EN = translator("en")


def customer_with_cards(fake: FakeStripe, *, owned_card: dict[str, Any] | None = None,
                        other_card: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    """A past-due customer: a card GA owns (the subscription's default), another card, two open invoices."""
    customer = fake.seed.customer(email="ap@example.com", name="Northwind")
    owned = fake.seed.card(customer["id"], metadata={"settlebot_owner": GA}, **(owned_card or {}))
    other = fake.seed.card(customer["id"], **{"last4": "4444", "brand": "mastercard", **(other_card or {})})
    sub = fake.seed.subscription(customer["id"], 4250, status="past_due", default_payment_method=owned["id"])
    invoices = [fake.seed.invoice(sub, due_date=1_700_000_000 + i * 86400) for i in range(2)]
    return {"customer": customer, "owned": owned, "other": other, "subscription": sub, "invoices": invoices}


def linked_and_alerted(env: dict[str, str], made: dict[str, Any]) -> None:
    customer = made["customer"]["id"]
    cli(env, "link", customer, "--channel", BILLING_CHANNEL)
    cli(env, "admins", "add", "--account", customer, "--user", GA, "--role", "global_admin")
    cli(env, "admins", "add", "--account", customer, "--user", BA, "--role", "billing_admin")
    cli(env, "sync")
    cli(env, "scan")


@pytest.fixture
def served(stripe_env: dict[str, str], fake_slack: FakeSlack) -> Iterator[tuple[AppProcess, SlackDriver]]:
    with AppProcess(stripe_env) as app:
        yield app, SlackDriver(fake_slack, SlackRequester(app.url, SIGNING_SECRET))
        assert "Traceback" not in app.log, app.log


def view_with(slack: SlackDriver, view_id: str, text: str) -> dict[str, Any] | None:
    view = slack.fake.view(view_id)
    return view if view and text in json.dumps(view.get("blocks", []), ensure_ascii=False) else None


def invoice_status(db: Inspector, invoice_id: str) -> InvoiceStatus | None:
    with db.uow() as uow:
        found = uow.invoices.get(invoice_id)
    return None if found is None else found.status


def attempt_key(db: Inspector, subscription_id: str) -> str:
    with db.uow() as uow:
        (attempt,) = uow.attempts.for_subscription(subscription_id)
    return attempt.idempotency_key


def save_with(slack: SlackDriver, user: str, subscription_id: str, card: dict[str, Any], **answers: str) -> str:
    modal = open_modal_from_alert(slack, user, subscription_id)
    response = slack.submit(user, modal["id"], {ids.PAY_WITH_ACTION: card_id_for(card["id"]), **answers})
    assert response.status == 200 and response.json()["response_action"] == "update", response.body
    return str(modal["id"])


def test_save_pays_each_invoice_once_under_settlebots_keys_and_makes_the_card_the_default(
    stripe_env: dict[str, str], fake_stripe: FakeStripe, db: Inspector, served: tuple[AppProcess, SlackDriver]
) -> None:
    made = customer_with_cards(fake_stripe)
    linked_and_alerted(stripe_env, made)
    _, slack = served
    sub = made["subscription"]["id"]
    modal = open_modal_from_alert(slack, BA, sub)
    shown = json.dumps(modal["blocks"], ensure_ascii=False)
    assert "4242" in shown and "4444" in shown and "$85.00" in shown
    assert EN("sandbox.before") not in shown  # Stripe: no sandbox notice

    response = slack.submit(BA, modal["id"], {ids.PAY_WITH_ACTION: card_id_for(made["other"]["id"])})

    assert response.json()["response_action"] == "update"
    result = wait_until(lambda: view_with(slack, modal["id"], "Paid"), timeout=20)
    assert "$85.00" in json.dumps(result["blocks"]) and EN("sandbox.after") not in json.dumps(result["blocks"])
    key = attempt_key(db, sub)
    oldest_first = [i["id"] for i in made["invoices"]]
    assert [(r.idempotency_key, r.status) for r in fake_stripe.requests_to("invoices.pay")] == [
        (f"{key}:{i}", 200) for i in oldest_first]  # fmt: skip
    assert [(p.invoice, p.payment_method) for p in fake_stripe.payments] == [
        (i, made["other"]["id"]) for i in oldest_first]  # fmt: skip
    wait_until(lambda: fake_stripe.get(sub)["default_payment_method"] == made["other"]["id"], timeout=10)
    assert all(invoice_status(db, i) is InvoiceStatus.PAID for i in oldest_first)
    receipt = wait_until(lambda: slack.fake.ephemerals(BA), timeout=10)
    assert "$85.00" in json.dumps(receipt[-1]["blocks"])
    settled = wait_until(lambda: [m for m in slack.fake.messages(BILLING_CHANNEL) if m.get("edited")], timeout=10)
    assert "settled" in json.dumps(settled[-1]["blocks"]).lower()


def test_a_declined_card_is_shown_in_the_modal_with_its_next_step_and_nothing_is_paid(
    stripe_env: dict[str, str], fake_stripe: FakeStripe, db: Inspector, served: tuple[AppProcess, SlackDriver]
) -> None:
    made = customer_with_cards(fake_stripe, other_card={"metadata": {"fake_decline": "fraudulent"}})
    linked_and_alerted(stripe_env, made)
    _, slack = served

    modal_id = save_with(slack, BA, made["subscription"]["id"], made["other"])

    wait_until(lambda: view_with(slack, modal_id, EN("fraud_suspected")), timeout=20)
    assert fake_stripe.payments == [] and len(fake_stripe.requests_to("invoices.pay")) == 1
    assert invoice_status(db, made["invoices"][0]["id"]) is InvoiceStatus.OPEN


def saved_in_part(env: dict[str, str], fake: FakeStripe, slack: SlackDriver) -> tuple[dict[str, Any], dict[str, Any]]:
    """A Save by BA that pays the first of two invoices and is declined on the second (insufficient
    funds): the customer made, and the modal's result view."""
    made = customer_with_cards(fake)
    fake.seed.invoice_metadata(made["invoices"][1]["id"], fake_decline="insufficient_funds")
    linked_and_alerted(env, made)
    modal_id = save_with(slack, BA, made["subscription"]["id"], made["owned"])
    return made, wait_until(lambda: view_with(slack, modal_id, "Paid in part"), timeout=20)


def test_first_invoice_paid_and_second_declined_is_shown_truthfully(
    stripe_env: dict[str, str], fake_stripe: FakeStripe, db: Inspector, served: tuple[AppProcess, SlackDriver]
) -> None:
    _, slack = served

    made, result = saved_in_part(stripe_env, fake_stripe, slack)

    first, second = (i["id"] for i in made["invoices"])
    text = json.dumps(result["blocks"])
    assert "$42.50 of $85.00" in text and "insufficient funds" in text
    assert [p.invoice for p in fake_stripe.payments] == [first]
    assert (invoice_status(db, first), invoice_status(db, second)) == (InvoiceStatus.PAID, InvoiceStatus.OPEN)
    receipt = wait_until(lambda: slack.fake.ephemerals(BA), timeout=10)
    assert "Paid in part" in json.dumps(receipt[-1]["blocks"])
    alert = wait_until(lambda: [m for m in slack.fake.messages(BILLING_CHANNEL) if m.get("edited")], timeout=10)
    assert "$42.50" in json.dumps(alert[-1]["blocks"])  # what is still owed


def test_3d_secure_gives_the_admin_the_invoices_page_to_finish_it(
    stripe_env: dict[str, str], fake_stripe: FakeStripe, db: Inspector, served: tuple[AppProcess, SlackDriver]
) -> None:
    made = customer_with_cards(fake_stripe, other_card={"last4": "3184"})
    linked_and_alerted(stripe_env, made)
    _, slack = served

    modal_id = save_with(slack, BA, made["subscription"]["id"], made["other"])

    page = made["invoices"][0]["hosted_invoice_url"]
    result = wait_until(lambda: view_with(slack, modal_id, page), timeout=20)
    assert "3-D Secure" in json.dumps(result["blocks"])
    assert fake_stripe.payments == []
    receipt = wait_until(lambda: slack.fake.ephemerals(BA), timeout=10)
    assert page in json.dumps(receipt[-1]["blocks"])


def test_only_the_cards_owner_fixes_its_expiry_and_the_new_date_reaches_stripe(
    stripe_env: dict[str, str], fake_stripe: FakeStripe, db: Inspector, served: tuple[AppProcess, SlackDriver]
) -> None:
    made = customer_with_cards(fake_stripe, owned_card={"exp_month": 3, "exp_year": 2024})
    linked_and_alerted(stripe_env, made)
    _, slack = served
    sub = made["subscription"]["id"]
    other = open_modal_from_alert(slack, BA, sub)
    assert not any(b.get("block_id", "").startswith(ids.EXP_MONTH_BLOCK) for b in other["blocks"])

    modal_id = save_with(slack, GA, sub, made["owned"], **{ids.EXP_MONTH_ACTION: "11", ids.EXP_YEAR_ACTION: "2031"})

    wait_until(lambda: view_with(slack, modal_id, "Paid"), timeout=20)
    card = fake_stripe.get(made["owned"]["id"])["card"]
    assert (card["exp_month"], card["exp_year"]) == (11, 2031)
    assert len(fake_stripe.requests_to("payment_methods.update")) == 1
    assert len(fake_stripe.payments) == 2


def test_stripe_rate_limiting_is_told_in_the_modal_writes_nothing_and_is_retried_later(
    stripe_env: dict[str, str], fake_stripe: FakeStripe, db: Inspector, served: tuple[AppProcess, SlackDriver]
) -> None:
    made = customer_with_cards(fake_stripe)
    linked_and_alerted(stripe_env, made)
    _, slack = served
    invoices = [i["id"] for i in made["invoices"]]
    fake_stripe.fail_next(20, "http_429", endpoint="invoices.pay")

    modal_id = save_with(slack, BA, made["subscription"]["id"], made["owned"])

    wait_until(lambda: view_with(slack, modal_id, "didn't answer in time"), timeout=30)
    assert fake_stripe.payments == [] and {invoice_status(db, i) for i in invoices} == {InvoiceStatus.OPEN}
    fake_stripe.clear_faults()
    cli({**stripe_env, "RECONCILE_GRACE_SECONDS": "0"}, "reconcile")  # Stripe is back: asked again, same keys
    assert sorted(p.invoice for p in fake_stripe.payments) == sorted(invoices)
    assert {invoice_status(db, i) for i in invoices} == {InvoiceStatus.PAID}
    key = attempt_key(db, made["subscription"]["id"])
    assert {p.idempotency_key for p in fake_stripe.payments} == {f"{key}:{i}" for i in invoices}


def test_charges_lists_what_settlebot_paid_through_stripe_from_its_records_and_check_reads_it_back(
    stripe_env: dict[str, str], fake_stripe: FakeStripe, db: Inspector, served: tuple[AppProcess, SlackDriver]
) -> None:
    made, _ = saved_in_part(stripe_env, fake_stripe, served[1])
    first, second = (i["id"] for i in made["invoices"])
    key = attempt_key(db, made["subscription"]["id"])
    fake_stripe.reset_log()

    rows = json.loads(cli(stripe_env, "charges", "--json").stdout)
    asked = len(fake_stripe.requests)
    checked = cli(stripe_env, "charges", "--check", "--json")

    assert asked == 0  # settlebot's own records only
    assert [(r["invoice_id"], r["amount"], r["currency"], r["card"], r["actor"], r["outcome"], r["idempotency_key"])
            for r in rows] == [(first, "42.50", "USD", "visa 4242", BA, "paid", f"{key}:{first}"),
                               (second, "42.50", "USD", "visa 4242", BA, "not_paid", f"{key}:{second}")]  # fmt: skip
    assert rows[1]["decline_code"] == "insufficient_funds" and rows[0]["decline_code"] is None
    assert [(r["stripe_status"], r["differs"]) for r in json.loads(checked.stdout)] == [("paid", False),
                                                                                       ("open", False)]  # fmt: skip
    assert sorted(r.endpoint for r in fake_stripe.requests) == ["invoices.retrieve"] * 2
    assert made["owned"]["id"] not in checked.stdout  # the payment method id is only a token


def test_charges_check_flags_an_invoice_stripe_paid_while_settlebots_attempt_is_pending_until_reconciled(
    stripe_env: dict[str, str], fake_stripe: FakeStripe, db: Inspector, served: tuple[AppProcess, SlackDriver]
) -> None:
    made = customer_with_cards(fake_stripe)
    linked_and_alerted(stripe_env, made)
    _, slack = served
    fake_stripe.fail_next(50, "lost", endpoint="invoices.pay")  # paid in Stripe, the answers lost

    modal_id = save_with(slack, BA, made["subscription"]["id"], made["owned"])

    wait_until(lambda: view_with(slack, modal_id, "didn't answer in time"), timeout=30)
    pending = cli(stripe_env, "charges", "--check", check=False)
    assert pending.returncode == 1 and "1 differ from Stripe" in pending.stdout
    first, second = pending.stdout.splitlines()[:2]  # the first paid in Stripe, the second never asked
    assert "  pending  " in first and first.endswith("stripe: paid 42.50  DIFFERS")
    assert "  pending  " in second and second.endswith("stripe: open 42.50")
    fake_stripe.clear_faults()
    cli({**stripe_env, "RECONCILE_GRACE_SECONDS": "0"}, "reconcile")
    reconciled = cli(stripe_env, "charges", "--check")
    assert "DIFFERS" not in reconciled.stdout and reconciled.stdout.count("  paid  ") == 2
