"""Customers: create, retrieve, update, list, and a customer's payment methods."""

from __future__ import annotations

from typing import Any

from sandbox.fake_stripe import shapes
from sandbox.fake_stripe.context import Context
from sandbox.fake_stripe.events import changed
from sandbox.fake_stripe.listing import expand, page, table_page
from sandbox.fake_stripe.metadata import merged


def new_customer(
    ctx: Context, email: str | None = None, name: str | None = None,
    metadata: dict[str, str] | None = None,
) -> dict[str, Any]:  # fmt: skip
    account = ctx.account
    customer_id = account.new_id("customer")
    customer = shapes.new("customer", id=customer_id, created=account.now(), email=email, name=name,
                          metadata=dict(metadata or {}), invoice_prefix=customer_id[4:12].upper())  # fmt: skip
    ctx.table("customer").add(customer)
    ctx.events.emit("customer.created", customer)
    return customer


def create(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    customer = new_customer(ctx, params.get("email"), params.get("name"), merged({}, params.get("metadata", {})))
    return expand(ctx.account, customer, params)


def retrieve(ctx: Context, params: dict[str, Any], customer_id: str) -> dict[str, Any]:
    return expand(ctx.account, ctx.table("customer").get(customer_id), params)


def update(ctx: Context, params: dict[str, Any], customer_id: str) -> dict[str, Any]:
    customer = ctx.table("customer").get(customer_id)
    fields: dict[str, Any] = {k: params[k] for k in ("email", "name") if k in params}
    if "metadata" in params:
        fields["metadata"] = merged(customer["metadata"], params["metadata"])
    default = params.get("invoice_settings", {}).get("default_payment_method")
    if default is not None:
        fields["invoice_settings"] = {**customer["invoice_settings"], "default_payment_method": default or None}
    previous = changed(customer, **fields)
    if previous:
        ctx.events.emit("customer.updated", customer, previous)
    return expand(ctx.account, customer, params)


def list_(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    email = params.get("email")
    found = table_page(ctx.table("customer"), params, "/v1/customers", lambda c: not email or c["email"] == email)
    return expand(ctx.account, found, params)


def payment_methods(ctx: Context, params: dict[str, Any], customer_id: str) -> dict[str, Any]:
    ctx.table("customer").get(customer_id)
    methods = ctx.table("payment_method").newest_first(customer_id)
    if params.get("type"):
        methods = [m for m in methods if m["type"] == params["type"]]
    return expand(
        ctx.account,
        page(methods, params, f"/v1/customers/{customer_id}/payment_methods", ctx.table("payment_method").order),
        params,
    )
