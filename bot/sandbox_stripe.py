"""The local sandbox's Stripe flow (``make run-stripe``): the fake Stripe in this process on
loopback, the demo data made into its customers, cards, subscriptions and open invoices, those
customers linked with the demo's roles, settlebot's copy synced, and the app's webhook endpoint
added; so alerts, Saves and the add-card page (the fake's hosted Checkout page) go through Stripe's
API as with a real account, and no account is needed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from bot.bootstrap import Services
from domain.admins import add_admin
from domain.billing_sync import link_customer, sync
from domain.money import Money
from sandbox.fake_stripe.fake_stripe import TEST_WEBHOOK_SECRET, FakeStripe

# How Stripe's test cards behave, for the demo's card tokens that say so.
DECLINES = {"tok_chargeDeclinedInsufficientFunds": "insufficient_funds"}


class SandboxStripe:
    """The fake Stripe the sandbox's app is pointed at (``BILLING_BACKEND=stripe``)."""

    def __init__(self) -> None:
        self.fake = FakeStripe()

    def start(self) -> str:
        """Serve the fake; its address."""
        self.fake.start()
        return self.fake.url

    def settings(self) -> dict[str, Any]:
        """The app's settings that point it at the fake."""
        return {"billing_backend": "stripe", "stripe_api_key": self.fake.api_key,
                "stripe_webhook_secret": TEST_WEBHOOK_SECRET, "stripe_api_base": self.fake.url}  # fmt: skip

    def load_demo(self, services: Services, data: Mapping[str, Any], channel: str, app_url: str) -> None:
        """Make the demo data Stripe's, link its customers (alerts to ``channel``), give the demo's
        people their roles, sync, then send Stripe's events to the app's webhook endpoint."""
        assert services.billing is not None
        customers = seed_demo(self.fake, data, services.clock.today())
        for account in data["accounts"]:
            customer = customers[account["id"]]
            link_customer(services.uow(), services.billing, services.clock, customer, account.get("channel", channel),
                          account.get("locale", "en"), team_id=account.get("team_id"))  # fmt: skip
            for admin in account["admins"]:
                add_admin(services.uow(), customer, admin["slack_user_id"], admin["role"])
        sync(services.uow(), services.billing, services.clock, people=services.people, default_channel=channel)
        self.fake.add_webhook(f"{app_url}/stripe/webhook")

    def stop(self) -> None:
        self.fake.stop()


def seed_demo(fake: FakeStripe, data: Mapping[str, Any], today: dt.date) -> dict[str, str]:
    """The demo data set (settlebot's import format) as the fake Stripe's objects: a customer per
    account, its cards (owner in metadata ``settlebot_owner``), a subscription per product, past due
    when one of its open invoices is, with its open invoices (one failed automatic attempt each once
    due). Returns each account's customer id."""
    customers = {a["id"]: fake.seed.customer(name=a["name"])["id"] for a in data["accounts"]}
    cards = {c["id"]: _card(fake, customers[c["account_id"]], c)["id"] for c in data["payment_methods"]}
    currency = {a["id"]: a["currency"].lower() for a in data["accounts"]}
    for sub in data["subscriptions"]:
        invoices = [i for i in data["invoices"] if i["subscription_id"] == sub["id"]]
        open_ = [i for i in invoices if i["status"] == "open"]
        overdue = any(dt.date.fromisoformat(i["due_date"]) < today for i in open_)
        made = fake.seed.subscription(
            customers[sub["account_id"]], _minor(invoices[0]), currency[sub["account_id"]],
            status="past_due" if overdue else "active", default_payment_method=cards.get(sub["payment_method_id"]),
            settlebot_product=sub["product"],
        )  # fmt: skip
        for invoice in open_:
            due = dt.date.fromisoformat(invoice["due_date"])
            at = int(dt.datetime.combine(due, dt.time(12), dt.UTC).timestamp())
            fake.seed.invoice(made, _minor(invoice), due_date=at, attempt_count=1 if due <= today else 0,
                              created=min(at, int(fake.ctx.account.now())))  # fmt: skip
    return customers


def _card(fake: FakeStripe, customer: str, card: Mapping[str, Any]) -> dict[str, Any]:
    metadata = {"settlebot_owner": card["owner_slack_user_id"]} if card.get("owner_slack_user_id") else {}
    if card["token"] in DECLINES:
        metadata["fake_decline"] = DECLINES[card["token"]]
    return fake.seed.card(customer, brand=card["brand"], last4=card["last4"], exp_month=card["exp_month"],
                          exp_year=card["exp_year"], metadata=metadata)  # fmt: skip


def _minor(invoice: Mapping[str, Any]) -> int:
    return Money(Decimal(invoice["amount"]), invoice["currency"]).minor_units()
