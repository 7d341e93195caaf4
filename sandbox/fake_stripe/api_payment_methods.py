"""Payment methods (cards): retrieve, update (expiry, billing email, metadata), list, attach, detach."""

from __future__ import annotations

from typing import Any

from sandbox.fake_stripe.cards import checked_expiry
from sandbox.fake_stripe.context import Context
from sandbox.fake_stripe.errors import invalid
from sandbox.fake_stripe.events import changed
from sandbox.fake_stripe.listing import expand, page
from sandbox.fake_stripe.metadata import merged


def retrieve(ctx: Context, params: dict[str, Any], pm_id: str) -> dict[str, Any]:
    return expand(ctx.account, ctx.table("payment_method").get(pm_id), params)


def update(ctx: Context, params: dict[str, Any], pm_id: str) -> dict[str, Any]:
    pm = ctx.table("payment_method").get(pm_id)
    if not pm["customer"]:
        raise invalid("You must save this PaymentMethod to a customer before you update it.")
    fields: dict[str, Any] = {}
    if "metadata" in params:
        fields["metadata"] = merged(pm["metadata"], params["metadata"])
    card_changes = params.get("card") or {}
    if card_changes:
        fields["card"] = {**pm["card"], **checked_expiry(ctx.account, pm["card"], card_changes)}
    if isinstance(params.get("billing_details"), dict):
        fields["billing_details"] = {**pm["billing_details"], **params["billing_details"]}
    previous = changed(pm, **fields)
    if previous:
        ctx.events.emit("payment_method.updated", pm, previous)
    return expand(ctx.account, pm, params)


def list_(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    customer = params.get("customer")
    if customer:
        ctx.table("customer").get(customer, "customer")
    methods = ctx.table("payment_method").newest_first(customer) if customer else []
    kind = params.get("type")
    methods = [m for m in methods if not kind or m["type"] == kind]
    return expand(ctx.account, page(methods, params, "/v1/payment_methods", ctx.table("payment_method").order), params)


def attach(ctx: Context, params: dict[str, Any], pm_id: str) -> dict[str, Any]:
    pm = ctx.table("payment_method").get(pm_id)
    customer = params.get("customer")
    if not customer:
        raise invalid("Missing required param: customer.", "customer", "parameter_missing")
    ctx.table("customer").get(customer, "customer")
    if pm["customer"] and pm["customer"] != customer:
        raise invalid(
            "This PaymentMethod is already attached to another customer.", code="payment_method_unexpected_state"
        )
    if pm["customer"] != customer:
        pm["customer"] = customer
        ctx.table("payment_method").reindex(pm, None)
        ctx.events.emit("payment_method.attached", pm)
    return expand(ctx.account, pm, params)


def detach(ctx: Context, params: dict[str, Any], pm_id: str) -> dict[str, Any]:
    pm = ctx.table("payment_method").get(pm_id)
    old = pm["customer"]
    if not old:
        raise invalid("The payment method you provided is not attached to a customer so detachment is impossible.",
                      code="payment_method_unexpected_state")  # fmt: skip
    pm["customer"] = None
    ctx.table("payment_method").reindex(pm, old)
    ctx.events.emit("payment_method.detached", pm, {"customer": old})
    return expand(ctx.account, pm, params)
