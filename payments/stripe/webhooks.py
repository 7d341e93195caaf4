"""Verify a Stripe webhook (signature and age) and read its event."""

from __future__ import annotations

import stripe

from payments.stripe import parsing
from payments.stripe.errors import BadSignature
from payments.stripe.models import Event

TOLERANCE_SECONDS = 300


def verify_event(payload: bytes, signature: str | None, secret: str, tolerance: int = TOLERANCE_SECONDS) -> Event:
    """The event in a webhook body whose `Stripe-Signature` is valid and at most `tolerance` old.

    Raises:
        BadSignature: missing, forged or stale signature, or a body that is not an event.
    """
    try:
        event = stripe.Webhook.construct_event(payload, signature or "", secret, tolerance)
    except (stripe.SignatureVerificationError, ValueError) as error:
        raise BadSignature(str(error).split(".")[0]) from None
    return parsing.event(parsing.plain(event))
