"""Card payment methods: made by the test hooks and Checkout, updated through the API."""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

from sandbox.fake_stripe import shapes
from sandbox.fake_stripe.errors import StripeFailure, invalid
from sandbox.fake_stripe.state import Account

FUNDING = "credit"


def new_card(
    account: Account, *, brand: str = "visa", last4: str = "4242", exp_month: int = 12,
    exp_year: int = 2030, email: str | None = None, name: str | None = None,
    metadata: dict[str, str] | None = None, customer: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """A card payment method (stored, not yet announced by an event)."""
    pm = shapes.new("payment_method", id=account.new_id("payment_method"), created=account.now(),
                    customer=customer, metadata=dict(metadata or {}))  # fmt: skip
    pm["billing_details"].update(email=email, name=name)
    fingerprint = hashlib.sha256(f"{brand}{last4}{exp_month}{exp_year}".encode()).hexdigest()[:16]
    pm["card"].update(brand=brand, display_brand=brand, last4=last4, exp_month=exp_month,
                      exp_year=exp_year, fingerprint=fingerprint, funding=FUNDING,
                      networks={"available": [brand], "preferred": None})  # fmt: skip
    return account.table("payment_method").add(pm)


def _expiry_part(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise invalid(f"Invalid integer: {value}", f"card[{name}]") from None


def checked_expiry(account: Account, card: dict[str, Any], changes: dict[str, Any]) -> dict[str, int]:
    """The new exp_month/exp_year, refused as Stripe does when invalid or in the past."""
    month = _expiry_part(changes.get("exp_month", card["exp_month"]), "exp_month")
    year = _expiry_part(changes.get("exp_year", card["exp_year"]), "exp_year")
    year = year + 2000 if year < 100 else year
    if not 1 <= month <= 12:
        raise StripeFailure(402, "card_error", "Your card's expiration month is invalid.",
                            "invalid_expiry_month", param="exp_month")  # fmt: skip
    now = _year_month(account.now())
    if (year, month) < now or year > now[0] + 50:
        raise StripeFailure(402, "card_error", "Your card's expiration year is invalid.",
                            "invalid_expiry_year", param="exp_year")  # fmt: skip
    return {"exp_month": month, "exp_year": year}


def _year_month(timestamp: int) -> tuple[int, int]:
    moment = datetime.datetime.fromtimestamp(timestamp, datetime.UTC)
    return moment.year, moment.month
