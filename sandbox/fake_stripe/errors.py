"""Errors as Stripe answers them: `{"error": {"type", "code", "decline_code", "message",
"param", "payment_intent", "doc_url", "request_log_url"}}` with its HTTP status."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class StripeFailure(Exception):
    """One error answer; raised by the fake's endpoints and turned into a response."""

    status: int
    type: str
    message: str
    code: str | None = None
    decline_code: str | None = None
    param: str | None = None
    payment_intent: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def body(self, request_id: str = "") -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        for name in ("code", "decline_code", "param", "payment_intent"):
            value = getattr(self, name)
            if value is not None:
                error[name] = value
        if self.code:
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        if request_id:
            error["request_log_url"] = f"https://dashboard.stripe.com/test/logs/{request_id}"
        return {"error": error}


def invalid(message: str, param: str | None = None, code: str | None = None) -> StripeFailure:
    """A 400 invalid_request_error (a missing or bad parameter, a wrong state)."""
    return StripeFailure(400, "invalid_request_error", message, code, param=param)


def missing(kind: str, object_id: str, param: str | None = None) -> StripeFailure:
    """Stripe's 404 for an unknown id: "No such customer: 'cus_x'"."""
    return StripeFailure(404, "invalid_request_error", f"No such {kind}: '{object_id}'",
                         "resource_missing", param=param)  # fmt: skip


def unauthorized(key: str | None) -> StripeFailure:
    """Stripe's 401 for a missing or wrong API key (showing only the key's last 4 characters)."""
    if not key:
        return StripeFailure(401, "invalid_request_error", "You did not provide an API key.")
    shown = f"{key[:8]}{'*' * 12}{key[-4:]}" if len(key) > 12 else "****"
    return StripeFailure(401, "invalid_request_error", f"Invalid API Key provided: {shown}")
