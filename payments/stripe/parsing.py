"""Stripe objects to the layer's models. Input is plain JSON (a webhook's `data.object`, or an SDK
object through `plain`), so both paths share one reading of each object."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import stripe

from payments.stripe.amounts import to_money
from payments.stripe.models import Card, Event, Invoice, Subscription


def plain(obj: stripe.StripeObject) -> dict[str, Any]:
    """An SDK object as plain JSON values (nested objects too)."""
    return obj.to_dict(recursive=True)


def _id(value: Any) -> str | None:
    """An id field that may be expanded into an object."""
    if isinstance(value, Mapping):
        return str(value["id"])
    return str(value) if value else None


def card(obj: Mapping[str, Any]) -> Card:
    details = obj["card"]
    return Card(
        id=obj["id"], customer=_id(obj.get("customer")), brand=details["brand"], last4=details["last4"],
        exp_month=int(details["exp_month"]), exp_year=int(details["exp_year"]),
        email=(obj.get("billing_details") or {}).get("email"), metadata=dict(obj.get("metadata") or {}),
    )  # fmt: skip


def subscription(obj: Mapping[str, Any]) -> Subscription:
    return Subscription(
        id=obj["id"], customer=str(_id(obj["customer"])), status=obj["status"],
        default_payment_method=_id(obj.get("default_payment_method")), latest_invoice=_id(obj.get("latest_invoice")),
        metadata=dict(obj.get("metadata") or {}), product=_product_label(obj), currency=str(obj.get("currency") or ""),
    )  # fmt: skip


def _product_label(obj: Mapping[str, Any]) -> str:
    """The subscription's name for people: metadata settlebot_product, its description, its first
    price's nickname, else that price's product (an id, or its name when expanded)."""
    items = ((obj.get("items") or {}).get("data")) or [{}]
    price = items[0].get("price") or {}
    product = price.get("product")
    named = product.get("name") if isinstance(product, Mapping) else product
    for label in ((obj.get("metadata") or {}).get("settlebot_product"), obj.get("description"), price.get("nickname"),
                  named, obj["id"]):  # fmt: skip
        if isinstance(label, str) and label.strip():
            return label.strip()[:200]
    return str(obj["id"])


def _subscription_of(obj: Mapping[str, Any]) -> str | None:
    """Newer API versions name it under `parent.subscription_details`; older ones at the top."""
    details = (obj.get("parent") or {}).get("subscription_details") or {}
    return _id(details.get("subscription")) or _id(obj.get("subscription"))


def invoice(obj: Mapping[str, Any]) -> Invoice:
    currency = obj["currency"]
    return Invoice(
        id=obj["id"], customer=str(_id(obj["customer"])), subscription=_subscription_of(obj), status=obj["status"],
        amount_due=to_money(obj["amount_due"], currency), remaining=to_money(obj["amount_remaining"], currency),
        due_date=obj.get("due_date"), created=int(obj["created"]), attempt_count=int(obj.get("attempt_count") or 0),
        next_payment_attempt=obj.get("next_payment_attempt"), hosted_invoice_url=obj.get("hosted_invoice_url"),
        number=obj.get("number"),
    )  # fmt: skip


def event(obj: Mapping[str, Any]) -> Event:
    data = obj.get("data") or {}
    request = obj.get("request")
    if not isinstance(request, Mapping):  # API versions before 2017-05-25: the request's id alone
        request = {"id": request}
    return Event(
        id=obj["id"], type=obj["type"], created=int(obj["created"]), object=dict(data.get("object") or {}),
        previous_attributes=dict(data.get("previous_attributes") or {}), request_id=request.get("id") or None,
        idempotency_key=request.get("idempotency_key") or None,
    )  # fmt: skip
