"""Checkout Sessions in setup mode (collect a card for later, no charge), their SetupIntents, and
`complete`: what Stripe does when the customer finishes the hosted page."""

from __future__ import annotations

from typing import Any

from sandbox.fake_stripe import shapes
from sandbox.fake_stripe.cards import new_card
from sandbox.fake_stripe.context import Context
from sandbox.fake_stripe.errors import invalid
from sandbox.fake_stripe.events import changed
from sandbox.fake_stripe.listing import expand, page
from sandbox.fake_stripe.metadata import merged

SESSION_SECONDS = 24 * 3600


def create(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("mode") != "setup":
        raise invalid("The fake supports only mode=setup.", "mode")
    if not params.get("success_url") and params.get("ui_mode", "hosted") == "hosted":
        raise invalid("Missing required param: success_url.", "success_url", "parameter_missing")
    customer = params.get("customer")
    if customer:
        ctx.table("customer").get(customer, "customer")
    account = ctx.account
    session_id = account.new_id("checkout.session")
    intent = shapes.new("setup_intent", id=account.new_id("setup_intent"), created=account.now(), customer=customer,
                        metadata=merged({}, params.get("setup_intent_data", {}).get("metadata", {})))  # fmt: skip
    intent["client_secret"] = f"{intent['id']}_secret_{account.new_id('setup_intent')[5:]}"
    account.table("setup_intent").add(intent)
    session = shapes.new(
        "checkout.session", id=session_id, created=account.now(), customer=customer, mode="setup",
        success_url=params.get("success_url"), cancel_url=params.get("cancel_url"), setup_intent=intent["id"],
        metadata=merged({}, params.get("metadata", {})), currency=params.get("currency"),
        client_reference_id=params.get("client_reference_id"), expires_at=account.now() + SESSION_SECONDS,
        url=f"{ctx.base_url()}/c/setup/{session_id}", payment_method_types=_types(params),
    )  # fmt: skip
    account.table("checkout.session").add(session)
    return expand(account, session, params)


def _types(params: dict[str, Any]) -> list[str]:
    types = params.get("allowed_payment_method_types") or params.get("payment_method_types") or ["card"]
    if types != ["card"]:
        raise invalid("The fake collects cards only.", "allowed_payment_method_types")
    return list(types)


def retrieve(ctx: Context, params: dict[str, Any], session_id: str) -> dict[str, Any]:
    return expand(ctx.account, ctx.table("checkout.session").get(session_id), params)


def list_(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    sessions = ctx.table("checkout.session").newest_first(params.get("customer"))
    return expand(
        ctx.account, page(sessions, params, "/v1/checkout/sessions", ctx.table("checkout.session").order), params
    )


def retrieve_setup_intent(ctx: Context, params: dict[str, Any], intent_id: str) -> dict[str, Any]:
    return expand(ctx.account, ctx.table("setup_intent").get(intent_id), params)


def complete(ctx: Context, session_id: str, **card: Any) -> dict[str, Any]:
    """The customer entered a card on the session's page: the card is made and attached to the
    customer, the SetupIntent succeeds, and `payment_method.attached` then
    `checkout.session.completed` are announced. Returns the card (a payment method)."""
    session = ctx.table("checkout.session").get(session_id)
    if session["status"] != "open":
        raise invalid(f"This Checkout Session is {session['status']}.", code="checkout_session_not_open")
    customer = session["customer"]
    pm = new_card(ctx.account, customer=customer, **card)
    if customer:
        ctx.events.emit("payment_method.attached", pm)
    intent = ctx.table("setup_intent").get(session["setup_intent"])
    changed(intent, status="succeeded", payment_method=pm["id"])
    ctx.events.emit("setup_intent.succeeded", intent)
    changed(session, status="complete")
    ctx.events.emit("checkout.session.completed", session)
    return pm
