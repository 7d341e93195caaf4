"""What the Stripe layer returns: small frozen dataclasses of settlebot's own, no Stripe types."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.money import Money


@dataclass(frozen=True)
class Card:
    """A card payment method (never a number or CVC: Stripe keeps those)."""

    id: str
    customer: str | None
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    email: str | None
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Subscription:
    id: str
    customer: str
    status: str
    default_payment_method: str | None
    latest_invoice: str | None
    metadata: Mapping[str, str] = field(default_factory=dict)
    product: str = ""  # what to call it: metadata settlebot_product, description, price nickname, product id
    currency: str = ""  # lower case, as Stripe writes it


@dataclass(frozen=True)
class Invoice:
    """An invoice; `remaining` is what is still owed. Times are Unix seconds."""

    id: str
    customer: str
    subscription: str | None
    status: str
    amount_due: Money
    remaining: Money
    due_date: int | None
    created: int
    attempt_count: int
    next_payment_attempt: int | None
    hosted_invoice_url: str | None
    number: str | None


@dataclass(frozen=True)
class Event:
    """A Stripe event; `object` is its `data.object` as plain JSON values."""

    id: str
    type: str
    created: int
    object: Mapping[str, Any]
    previous_attributes: Mapping[str, Any] = field(default_factory=dict)
    request_id: str | None = None  # the API request that caused it; None: Stripe's own (automatic)
    idempotency_key: str | None = None  # that request's


@dataclass(frozen=True)
class CheckoutLink:
    """A setup-mode Checkout Session to send the person to."""

    id: str
    url: str


@dataclass(frozen=True)
class Paid:
    """The invoice is paid (by this call, or by a replay of it under the same key)."""

    invoice: Invoice


@dataclass(frozen=True)
class Declined:
    """The card was declined; `code` and `decline_code` are Stripe's (e.g. card_declined /
    insufficient_funds)."""

    invoice_id: str
    code: str
    decline_code: str | None
    message: str


@dataclass(frozen=True)
class RequiresAction:
    """The bank wants the cardholder (3-D Secure): finish on the invoice's hosted page."""

    invoice_id: str
    hosted_invoice_url: str | None


@dataclass(frozen=True)
class NotPayable:
    """The invoice can't be paid now (already paid, void, draft...): its current state."""

    invoice: Invoice


@dataclass(frozen=True)
class Unreachable:
    """No answer could be had (network, timeout, 5xx, 429 after retries): the outcome is unknown
    and must be asked again under the same idempotency key."""

    invoice_id: str
    reason: str


PaymentOutcome = Paid | Declined | RequiresAction | NotPayable | Unreachable
