"""Stripe's `code` and `decline_code` mapped to settlebot's decline reasons (the message keys
the catalogs explain, each with its next step). Anything not listed reads as a generic decline."""

from __future__ import annotations

AUTHENTICATION_REQUIRED = "authentication_required"
GENERIC = "generic_decline"
INVOICE_CHANGED = "invoice_changed"  # the invoice was no longer open as confirmed: not paid
PROCESSING_ERROR = "processing_error"

_REASONS = {
    "insufficient_funds": "insufficient_funds",
    "expired_card": "expired_card",
    "incorrect_cvc": "incorrect_cvc",
    "invalid_cvc": "incorrect_cvc",
    "card_velocity_exceeded": "velocity_limit",
    "withdrawal_count_limit_exceeded": "velocity_limit",
    "do_not_honor": "do_not_honor",
    "fraudulent": "fraud_suspected",
    "lost_card": "fraud_suspected",
    "stolen_card": "fraud_suspected",
    "pickup_card": "fraud_suspected",
    "security_violation": "fraud_suspected",
    "processing_error": PROCESSING_ERROR,
}
REASONS = frozenset(_REASONS.values()) | {GENERIC, AUTHENTICATION_REQUIRED, INVOICE_CHANGED}


def reason(code: str | None, decline_code: str | None) -> str:
    """settlebot's reason for a Stripe card error: its `decline_code` when known, else its `code`."""
    return _REASONS.get(decline_code or "") or _REASONS.get(code or "") or GENERIC
