"""Invoices: retrieve, list (by customer, subscription, status), void, mark uncollectible; paying is
in `paying`."""

from __future__ import annotations

from typing import Any

from sandbox.fake_stripe.context import Context
from sandbox.fake_stripe.errors import invalid
from sandbox.fake_stripe.events import changed
from sandbox.fake_stripe.listing import expand, table_page

STATUSES = frozenset({"draft", "open", "paid", "uncollectible", "void"})


def retrieve(ctx: Context, params: dict[str, Any], invoice_id: str) -> dict[str, Any]:
    return expand(ctx.account, ctx.table("invoice").get(invoice_id), params)


def list_(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    status = params.get("status")
    if status and status not in STATUSES:
        raise invalid(f"Invalid status: must be one of {', '.join(sorted(STATUSES))}", "status")
    wanted = {name: params[name] for name in ("subscription", "status", "collection_method") if params.get(name)}

    def keep(invoice: dict[str, Any]) -> bool:
        return all(invoice[name] == value for name, value in wanted.items())

    found = table_page(ctx.table("invoice"), params, "/v1/invoices", keep, params.get("customer"))
    return expand(ctx.account, found, params)


def void(ctx: Context, params: dict[str, Any], invoice_id: str) -> dict[str, Any]:
    return _close(ctx, params, invoice_id, "void", "voided_at", "invoice.voided")


def mark_uncollectible(ctx: Context, params: dict[str, Any], invoice_id: str) -> dict[str, Any]:
    return _close(ctx, params, invoice_id, "uncollectible", "marked_uncollectible_at", "invoice.marked_uncollectible")


def _close(
    ctx: Context, params: dict[str, Any], invoice_id: str, status: str, stamp: str, event: str
) -> dict[str, Any]:  # fmt: skip
    invoice = ctx.table("invoice").get(invoice_id)
    allowed = ("open", "uncollectible") if status == "void" else ("open",)
    if invoice["status"] not in allowed:
        raise invalid(f"You can only mark an invoice {status} if it is {' or '.join(allowed)}; this one is "
                      f"{invoice['status']}.", code="invoice_not_editable")  # fmt: skip
    transitions = {**invoice["status_transitions"], stamp: ctx.account.now()}
    previous = changed(invoice, status=status, status_transitions=transitions, next_payment_attempt=None)
    ctx.events.emit(event, invoice, previous)
    return expand(ctx.account, invoice, params)
