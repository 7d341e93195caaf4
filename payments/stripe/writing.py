"""Changes settlebot makes in Stripe, each under settlebot's own idempotency key: a card's expiry,
a subscription's default card, a card's metadata, and setup-mode Checkout Sessions."""

from __future__ import annotations

from collections.abc import Mapping

import stripe
from stripe.params import PaymentMethodUpdateParams, SubscriptionUpdateParams
from stripe.params.checkout import SessionCreateParams

from payments.stripe import parsing
from payments.stripe.errors import mapped_errors
from payments.stripe.models import Card, CheckoutLink, Subscription


def update_card_expiry(
    client: stripe.StripeClient, payment_method: str, exp_month: int, exp_year: int, idempotency_key: str
) -> Card:  # fmt: skip
    """Set a card's expiry in Stripe.

    Raises:
        StripeRejected: code invalid_expiry_month / invalid_expiry_year when Stripe refuses it.
    """
    params: PaymentMethodUpdateParams = {"card": {"exp_month": exp_month, "exp_year": exp_year}}
    with mapped_errors():
        updated = client.v1.payment_methods.update(payment_method, params, {"idempotency_key": idempotency_key})
    return parsing.card(parsing.plain(updated))


def tag_card(
    client: stripe.StripeClient, payment_method: str, metadata: Mapping[str, str], idempotency_key: str
) -> Card:  # fmt: skip
    """Merge `metadata` into a card's (e.g. `settlebot_owner`)."""
    params: PaymentMethodUpdateParams = {"metadata": dict(metadata)}
    with mapped_errors():
        updated = client.v1.payment_methods.update(payment_method, params, {"idempotency_key": idempotency_key})
    return parsing.card(parsing.plain(updated))


def set_default_card(
    client: stripe.StripeClient, subscription: str, payment_method: str, idempotency_key: str
) -> Subscription:  # fmt: skip
    """Make `payment_method` the subscription's `default_payment_method`."""
    params: SubscriptionUpdateParams = {"default_payment_method": payment_method}
    with mapped_errors():
        updated = client.v1.subscriptions.update(subscription, params, {"idempotency_key": idempotency_key})
    return parsing.subscription(parsing.plain(updated))


def create_setup_session(
    client: stripe.StripeClient, customer: str, *, success_url: str, cancel_url: str,
    metadata: Mapping[str, str], idempotency_key: str, currency: str | None = None,
) -> CheckoutLink:  # fmt: skip
    """A Checkout Session in setup mode that saves a card to `customer` (the card's number is
    typed on Stripe's page only). `metadata` is kept on the session and its SetupIntent."""
    params: SessionCreateParams = {
        "mode": "setup", "customer": customer, "success_url": success_url, "cancel_url": cancel_url,
        "allowed_payment_method_types": ["card"], "metadata": dict(metadata),
        "setup_intent_data": {"metadata": dict(metadata)},
    }  # fmt: skip
    if currency:
        params["currency"] = currency.lower()
    with mapped_errors():
        session = client.v1.checkout.sessions.create(params, {"idempotency_key": idempotency_key})
    if not session.url:
        raise ValueError("Stripe returned a Checkout Session without a URL")
    return CheckoutLink(session.id, session.url)
