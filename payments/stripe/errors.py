"""Stripe's errors mapped to a few of the layer's own, so no Stripe type leaks out."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import stripe


class StripeLayerError(Exception):
    """Base of the layer's errors."""


class StripeUnavailable(StripeLayerError):
    """Stripe could not be reached or did not answer usefully (network, timeout, 5xx, 409 lock,
    429), after the SDK's retries. `retry_after`: seconds Stripe asked to wait, if it said."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.retry_after = reason, retry_after


class StripeAuthFailed(StripeLayerError):
    """The API key was refused (401) or lacks a permission (403): a configuration problem."""


class StripeRejected(StripeLayerError):
    """Stripe refused the request as asked (400/402/404): `code`, `param` and Stripe's message."""

    def __init__(self, message: str, code: str | None = None, param: str | None = None) -> None:
        super().__init__(message)
        self.code, self.param = code, param


class StripeNotFound(StripeRejected):
    """The object does not exist in this account (resource_missing)."""


class BadSignature(StripeLayerError):
    """A webhook's signature is missing, forged, or older than the tolerance."""


def _retry_after(error: stripe.StripeError) -> float | None:
    value = (error.headers or {}).get("retry-after") or (error.headers or {}).get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def translate(error: stripe.StripeError) -> StripeLayerError:
    """The layer's error for a Stripe SDK error."""
    if isinstance(error, stripe.RateLimitError):
        return StripeUnavailable("rate_limited", _retry_after(error))
    if isinstance(error, stripe.AuthenticationError | stripe.PermissionError):
        return StripeAuthFailed(f"Stripe refused the API key (HTTP {error.http_status})")
    if isinstance(error, stripe.APIConnectionError):
        return StripeUnavailable("unreachable")
    status = error.http_status or 0
    if status == 409 or status >= 500 or isinstance(error, stripe.APIError):
        return StripeUnavailable(f"http_{status}" if status else "api_error", _retry_after(error))
    code = error.code
    param = getattr(error, "param", None)
    if code == "resource_missing" or status == 404:
        return StripeNotFound(error.user_message or "not found", code, param)
    return StripeRejected(error.user_message or f"HTTP {status}", code, param)


@contextmanager
def mapped_errors() -> Iterator[None]:
    """Raise the layer's error for any Stripe error raised inside."""
    try:
        yield
    except stripe.StripeError as error:
        raise translate(error) from error
