"""`POST /v1/invoices/{id}/pay`: charge an open invoice with a card, or decline as the card's
rules say (see `declines`); every attempt counts in `attempt_count` and is announced."""

from __future__ import annotations

from typing import Any

from sandbox.fake_stripe import declines, shapes
from sandbox.fake_stripe.api_subscriptions import set_status
from sandbox.fake_stripe.context import Context, Payment
from sandbox.fake_stripe.errors import StripeFailure, invalid
from sandbox.fake_stripe.events import changed
from sandbox.fake_stripe.forms import as_bool
from sandbox.fake_stripe.listing import expand

PAYABLE = ("open", "uncollectible")


def pay(ctx: Context, params: dict[str, Any], invoice_id: str) -> dict[str, Any]:
    invoice = ctx.table("invoice").get(invoice_id)
    _check_payable(invoice)
    if as_bool(params.get("paid_out_of_band")):
        mark_paid(ctx, invoice)
        return expand(ctx.account, invoice, params)
    pm = _payment_method(ctx, invoice, params.get("payment_method"))
    code = declines.outcome(pm, invoice)
    if code is not None:
        _fail(ctx, invoice, pm, code)
    key = ctx.events.request.get("idempotency_key")
    ctx.payments.append(Payment(invoice_id, pm["id"], invoice["amount_remaining"], invoice["currency"], key))
    _intent(ctx, invoice, pm, "succeeded")
    mark_paid(ctx, invoice)
    return expand(ctx.account, invoice, params)


def mark_paid(ctx: Context, invoice: dict[str, Any]) -> None:
    """The invoice is paid in full (by this call, Stripe's own retry, or out of band)."""
    transitions = {**invoice["status_transitions"], "paid_at": ctx.account.now()}
    previous = changed(
        invoice, status="paid", amount_paid=invoice["amount_paid"] + invoice["amount_remaining"], amount_remaining=0,
        attempted=True, attempt_count=invoice["attempt_count"] + 1, next_payment_attempt=None,
        status_transitions=transitions, auto_advance=False,
    )  # fmt: skip
    ctx.events.emit("invoice.paid", invoice, previous)
    ctx.events.emit("invoice.payment_succeeded", invoice, previous)
    _recover_subscription(ctx, invoice)


def record_failure(ctx: Context, invoice: dict[str, Any], type_: str = "invoice.payment_failed") -> None:
    """One more failed attempt on the invoice (it stays open)."""
    previous = changed(invoice, attempted=True, attempt_count=invoice["attempt_count"] + 1)
    ctx.events.emit(type_, invoice, previous)


def _check_payable(invoice: dict[str, Any]) -> None:
    if invoice["status"] == "paid":
        raise invalid("Invoice is already paid")
    if invoice["status"] not in PAYABLE:
        raise invalid(f"You cannot pay an invoice that is {invoice['status']}.", code="invoice_not_editable")


def _payment_method(ctx: Context, invoice: dict[str, Any], pm_id: str | None) -> dict[str, Any]:
    sub = ctx.table("subscription").find(invoice["subscription"] or "")
    customer = ctx.table("customer").get(invoice["customer"])
    chosen = (pm_id or invoice["default_payment_method"] or (sub or {}).get("default_payment_method")
              or customer["invoice_settings"]["default_payment_method"])  # fmt: skip
    if not chosen:
        raise invalid("This customer has no attached payment source or default payment method.",
                      code="invoice_no_payment_method_types")  # fmt: skip
    pm = ctx.table("payment_method").get(chosen, "payment_method")
    if pm["customer"] != invoice["customer"]:
        raise invalid(f"The PaymentMethod provided ({chosen}) does not belong to the invoice's customer.",
                      "payment_method", "payment_method_unexpected_state")  # fmt: skip
    return pm


def _fail(ctx: Context, invoice: dict[str, Any], pm: dict[str, Any], code: str) -> None:
    if code == declines.REQUIRES_ACTION:
        intent = _intent(ctx, invoice, pm, "requires_action")
        record_failure(ctx, invoice, "invoice.payment_action_required")
        raise StripeFailure(402, "card_error", "This payment requires additional user action before it can be "
                            "completed successfully.", "invoice_payment_intent_requires_action",
                            declines.REQUIRES_ACTION, payment_intent=intent)  # fmt: skip
    found = declines.decline(code)
    error = {"type": "card_error", "code": found.code, "decline_code": found.decline_code, "message": found.message,
             "payment_method": {"id": pm["id"], "object": "payment_method", "type": "card"}}  # fmt: skip
    intent = _intent(ctx, invoice, pm, "requires_payment_method", error)
    record_failure(ctx, invoice)
    raise StripeFailure(402, "card_error", found.message, found.code, found.decline_code, payment_intent=intent)


def _intent(
    ctx: Context, invoice: dict[str, Any], pm: dict[str, Any], status: str, error: dict[str, Any] | None = None
) -> dict[str, Any]:  # fmt: skip
    account = ctx.account
    intent_id = account.new_id("payment_intent")
    intent = shapes.new(
        "payment_intent", id=intent_id, created=account.now(), amount=invoice["amount_remaining"],
        currency=invoice["currency"], customer=invoice["customer"], payment_method=pm["id"], status=status,
        last_payment_error=error, client_secret=f"{intent_id}_secret_{account.new_id('payment_intent')[3:]}",
        amount_received=invoice["amount_remaining"] if status == "succeeded" else 0,
        next_action={"type": "use_stripe_sdk", "use_stripe_sdk": {}} if status == "requires_action" else None,
    )  # fmt: skip
    account.table("payment_intent").add(intent)
    return intent


def _recover_subscription(ctx: Context, invoice: dict[str, Any]) -> None:
    sub = ctx.table("subscription").find(invoice["subscription"] or "")
    if sub is None or sub["status"] not in ("past_due", "unpaid"):
        return
    still_open = [i for i in ctx.table("invoice").newest_first(sub["customer"])
                  if i["subscription"] == sub["id"] and i["status"] == "open"]  # fmt: skip
    if not still_open:
        set_status(ctx, sub, "active")
