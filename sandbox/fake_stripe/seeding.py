"""What happens in Stripe without settlebot asking: customers, cards, subscriptions and invoices
made in the dashboard, Stripe's own payment retries, card updates from the networks. Each
change is announced by the event Stripe would send."""

from __future__ import annotations

from typing import Any

from sandbox.fake_stripe import shapes
from sandbox.fake_stripe.api_customers import new_customer
from sandbox.fake_stripe.api_subscriptions import set_status
from sandbox.fake_stripe.cards import checked_expiry, new_card
from sandbox.fake_stripe.context import Context
from sandbox.fake_stripe.events import changed
from sandbox.fake_stripe.paying import mark_paid, record_failure

DAY = 86400


class Seeder:
    """Test hooks over one account (each runs under the account's lock)."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def customer(self, email: str | None = None, name: str | None = None, **metadata: str) -> dict[str, Any]:
        with self._ctx.account.lock:
            return new_customer(self._ctx, email, name, metadata)

    def card(self, customer: str | None, **card: Any) -> dict[str, Any]:
        """A card attached to `customer` (brand, last4, exp_month, exp_year, email, name, metadata)."""
        with self._ctx.account.lock:
            pm = new_card(self._ctx.account, customer=customer, **card)
            if customer:
                self._ctx.events.emit("payment_method.attached", pm)
            return pm

    def subscription(
        self, customer: str, amount: int, currency: str = "usd", status: str = "active",
        default_payment_method: str | None = None, **metadata: str,
    ) -> dict[str, Any]:  # fmt: skip
        """A monthly subscription of one item at `amount` minor units."""
        ctx, account = self._ctx, self._ctx.account
        with account.lock:
            now, sub_id = account.now(), account.new_id("subscription")
            item = {
                "id": account.new_id("subscription_item"),
                "object": "subscription_item",
                "created": now,
                "quantity": 1,
                "subscription": sub_id,
                "metadata": {},
                "discounts": [],
                "tax_rates": [],
                "current_period_start": now,
                "current_period_end": now + 30 * DAY,
                "billing_thresholds": None,
                "price": _price(account.new_id("price"), account.new_id("product"), amount, currency, now),
            }
            sub = shapes.new("subscription", id=sub_id, customer=customer, created=now, start_date=now,
                             billing_cycle_anchor=now, currency=currency, status=status, metadata=dict(metadata),
                             default_payment_method=default_payment_method)  # fmt: skip
            sub["items"].update(data=[item], url=f"/v1/subscription_items?subscription={sub_id}")
            ctx.table("subscription").add(sub)
            ctx.events.emit("customer.subscription.created", sub)
            return sub

    def invoice(
        self, subscription: dict[str, Any], amount_due: int | None = None, *, due_date: int | None = None,
        attempt_count: int = 1, next_payment_attempt: int | None = None, created: int | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """An open invoice of the subscription (default: one period's price), made the latest."""
        ctx, account = self._ctx, self._ctx.account
        with account.lock:
            invoice = _open_invoice(ctx, subscription, amount_due, created or account.now())
            invoice.update(due_date=due_date, attempt_count=attempt_count, attempted=attempt_count > 0,
                           next_payment_attempt=next_payment_attempt)  # fmt: skip
            ctx.table("invoice").add(invoice)
            ctx.events.emit("invoice.created", invoice)
            ctx.events.emit("invoice.finalized", invoice)
            previous = changed(subscription, latest_invoice=invoice["id"])
            ctx.events.emit("customer.subscription.updated", subscription, previous)
            return invoice

    def backlog(
        self, subscription: dict[str, Any], count: int, *, first_due: int, amount_due: int | None = None
    ) -> None:  # fmt: skip
        """`count` open invoices of the subscription, one a day from `first_due`, made before any
        webhook endpoint or sync existed: stored without events (a large account's history, quickly)."""
        ctx = self._ctx
        with ctx.account.lock:
            for n in range(count):
                invoice = _open_invoice(ctx, subscription, amount_due, first_due + n * DAY)
                invoice.update(due_date=first_due + n * DAY, attempt_count=1, attempted=True)
                ctx.table("invoice").add(invoice)

    def invoice_metadata(self, invoice_id: str, **metadata: str) -> None:
        """Merge metadata into an invoice (e.g. `fake_decline="insufficient_funds"`)."""
        with self._ctx.account.lock:
            self._ctx.table("invoice").get(invoice_id)["metadata"].update(metadata)

    def automatic_attempt(self, invoice_id: str, succeeds: bool, next_attempt_in: int | None = 3 * DAY) -> None:
        """Stripe's own retry of an invoice with the default card: paid, or one more failure."""
        ctx = self._ctx
        with ctx.account.lock:
            invoice = ctx.table("invoice").get(invoice_id)
            if succeeds:
                mark_paid(ctx, invoice)
                return
            later = ctx.account.now() + next_attempt_in if next_attempt_in else None
            changed(invoice, next_payment_attempt=later)
            record_failure(ctx, invoice)

    def subscription_status(self, sub_id: str, status: str) -> None:
        with self._ctx.account.lock:
            set_status(self._ctx, self._ctx.table("subscription").get(sub_id), status)

    def card_updated_by_network(self, pm_id: str, exp_month: int, exp_year: int, last4: str | None = None) -> None:
        """The card network sent new details (`payment_method.automatically_updated`)."""
        ctx = self._ctx
        with ctx.account.lock:
            pm = ctx.table("payment_method").get(pm_id)
            card = {**pm["card"], **checked_expiry(ctx.account, pm["card"],
                                                    {"exp_month": exp_month, "exp_year": exp_year})}  # fmt: skip
            card["last4"] = last4 or card["last4"]
            previous = changed(pm, card=card)
            ctx.events.emit("payment_method.automatically_updated", pm, previous)


def _price(price_id: str, product: str, amount: int, currency: str, now: int) -> dict[str, Any]:
    return {"id": price_id, "object": "price", "active": True, "billing_scheme": "per_unit", "created": now,
            "currency": currency, "livemode": False, "lookup_key": None, "metadata": {}, "nickname": None,
            "product": product, "recurring": {"interval": "month", "interval_count": 1, "meter": None,
            "usage_type": "licensed", "trial_period_days": None}, "tax_behavior": "unspecified",
            "tiers_mode": None, "transform_quantity": None, "type": "recurring", "unit_amount": amount,
            "unit_amount_decimal": str(amount), "custom_unit_amount": None}  # fmt: skip


def _open_invoice(ctx: Context, sub: dict[str, Any], amount: int | None, created: int) -> dict[str, Any]:
    account = ctx.account
    item = sub["items"]["data"][0]
    due = item["price"]["unit_amount"] if amount is None else amount
    invoice_id = account.new_id("invoice")
    customer = ctx.table("customer").get(sub["customer"])
    sequence = customer["next_invoice_sequence"]
    customer["next_invoice_sequence"] = sequence + 1
    line = {"id": account.new_id("line_item"), "object": "line_item", "amount": due, "currency": sub["currency"],
            "description": "1 x subscription", "invoice": invoice_id, "livemode": False, "metadata": {},
            "period": {"start": created, "end": created + 30 * DAY}, "quantity": 1, "subscription": sub["id"],
            "discount_amounts": [], "discountable": True, "discounts": [], "pretax_credit_amounts": [], "taxes": [],
            "parent": None, "pricing": None, "subtotal": due, "quantity_decimal": "1"}  # fmt: skip
    invoice = shapes.new(
        "invoice", id=invoice_id, customer=sub["customer"], subscription=sub["id"], created=created,
        currency=sub["currency"], amount_due=due, amount_remaining=due, amount_paid=0, subtotal=due, total=due,
        subtotal_excluding_tax=due, total_excluding_tax=due, status="open", effective_at=created,
        number=f"{customer['invoice_prefix']}-{sequence:04d}", customer_email=customer["email"],
        customer_name=customer["name"], period_start=created, period_end=created + 30 * DAY,
        hosted_invoice_url=f"{ctx.base_url()}/i/{invoice_id}", invoice_pdf=f"{ctx.base_url()}/i/{invoice_id}/pdf",
        parent={"type": "subscription_details", "quote_details": None,
                "subscription_details": {"metadata": dict(sub["metadata"]), "subscription": sub["id"]}},
    )  # fmt: skip
    invoice["status_transitions"]["finalized_at"] = created
    invoice["lines"].update(data=[line], url=f"/v1/invoices/{invoice_id}/lines")
    return invoice
