"""Subscriptions: retrieve, list (by customer and status), update (default payment method, metadata)."""

from __future__ import annotations

from typing import Any

from sandbox.fake_stripe.context import Context
from sandbox.fake_stripe.errors import invalid
from sandbox.fake_stripe.events import changed
from sandbox.fake_stripe.listing import expand, table_page
from sandbox.fake_stripe.metadata import merged

STATUSES = frozenset({"incomplete", "incomplete_expired", "trialing", "active", "past_due", "canceled",
                      "unpaid", "paused"})  # fmt: skip


def retrieve(ctx: Context, params: dict[str, Any], sub_id: str) -> dict[str, Any]:
    return expand(ctx.account, ctx.table("subscription").get(sub_id), params)


def list_(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    customer, status = params.get("customer"), params.get("status")
    if status and status not in STATUSES | {"all", "ended"}:
        raise invalid(f"Invalid status: {status}", "status")
    def keep(sub: dict[str, Any]) -> bool:
        if status in STATUSES:
            return bool(sub["status"] == status)
        if status == "ended":
            return sub["status"] in ("canceled", "incomplete_expired")
        return status == "all" or sub["status"] != "canceled"

    found = table_page(ctx.table("subscription"), params, "/v1/subscriptions", keep, customer)
    return expand(ctx.account, found, params)


def update(ctx: Context, params: dict[str, Any], sub_id: str) -> dict[str, Any]:
    sub = ctx.table("subscription").get(sub_id)
    fields: dict[str, Any] = {}
    if "metadata" in params:
        fields["metadata"] = merged(sub["metadata"], params["metadata"])
    if "default_payment_method" in params:
        fields["default_payment_method"] = _own_method(ctx, sub, params["default_payment_method"])
    previous = changed(sub, **fields)
    if previous:
        ctx.events.emit("customer.subscription.updated", sub, previous)
    return expand(ctx.account, sub, params)


def set_status(ctx: Context, sub: dict[str, Any], status: str) -> None:
    """Change a subscription's status, announcing it."""
    previous = changed(sub, status=status)
    if previous:
        ctx.events.emit("customer.subscription.updated", sub, previous)


def _own_method(ctx: Context, sub: dict[str, Any], pm_id: str) -> str | None:
    if pm_id == "":
        return None
    pm = ctx.table("payment_method").get(pm_id, "default_payment_method")
    if pm["customer"] != sub["customer"]:
        raise invalid(f"The customer does not have a payment method with the ID {pm_id}. The payment method must be "
                      "attached to the customer.", "default_payment_method", "resource_missing")  # fmt: skip
    return pm_id
