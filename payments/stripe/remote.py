"""Stripe's objects as the domain's plain values, and Stripe's errors as the sync's: what cannot be
read is `BillingUnavailable`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from domain.billing import BillingUnavailable, RemoteCard, RemoteCustomer, RemoteSubscription
from payments.stripe import models
from payments.stripe.errors import StripeLayerError, StripeNotFound, mapped_errors

T = TypeVar("T")


def customer(obj: Mapping[str, Any]) -> RemoteCustomer:
    metadata = obj.get("metadata") or {}
    name = obj.get("name") or obj.get("email") or obj["id"]
    currency = obj.get("currency")
    return RemoteCustomer(str(obj["id"]), str(name)[:200], currency.upper() if currency else None,
                          metadata.get("settlebot_channel"), metadata.get("settlebot_locale"))  # fmt: skip


def card(found: models.Card) -> RemoteCard:
    return RemoteCard(found.id, found.customer, found.brand, found.last4, found.exp_month, found.exp_year,
                      found.metadata.get("settlebot_owner"), found.email)  # fmt: skip


def subscription(found: models.Subscription) -> RemoteSubscription:
    return RemoteSubscription(found.id, found.customer, found.product, found.status, found.currency,
                              found.default_payment_method)  # fmt: skip


def call(read: Callable[[], T], *, expired: bool = False) -> T:
    """Run a read with Stripe's errors mapped: what the sync cannot do without is BillingUnavailable
    (with ``expired``, a missing object is raised as StripeNotFound: the events cursor is too old)."""
    try:
        with mapped_errors():
            return read()
    except StripeNotFound:
        if expired:
            raise
        raise BillingUnavailable("not_found") from None
    except StripeLayerError as error:
        raise BillingUnavailable(type(error).__name__) from error


def maybe(read: Callable[[], T]) -> T | None:
    """As `call`, but a missing object is None."""
    try:
        with mapped_errors():
            return read()
    except StripeNotFound:
        return None
    except StripeLayerError as error:
        raise BillingUnavailable(type(error).__name__) from error
