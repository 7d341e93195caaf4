"""How settlebot reaches Stripe: the API key (never printed), the base address, timeouts and
network retries, and the `StripeClient` built from them.

`max_network_retries` is 2: the SDK then retries a dropped connection, a timeout, a 409 and a
5xx (and whatever Stripe marks `Stripe-Should-Retry: true`) with backoff from 0.5 s. That is
safe for money because every mutating call carries settlebot's own `Idempotency-Key` (committed
before the call), which the SDK reuses on each retry: a retried payment is replayed by Stripe,
never made twice. A 429 is not retried here (Stripe does not mark it): the caller is told.
Requests are paced within Stripe's rate limits (`pacing`): the global one for the key's mode and
one per endpoint, each Stripe's default unless the account's were raised.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import stripe

from payments.stripe.pacing import ENDPOINT_PER_SECOND, PacedRequestsClient, Pacer, per_second_for

DEFAULT_API_BASE = "https://api.stripe.com"
KEY_PREFIXES = ("sk_test_", "sk_live_", "rk_test_", "rk_live_")


class ApiKey:
    """A Stripe secret or restricted key that never shows itself (repr and str are masked)."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not value.startswith(KEY_PREFIXES) or len(value) < 16 or not value.isascii() or " " in value:
            raise ValueError("STRIPE_API_KEY must be a secret (sk_...) or restricted (rk_...) key")
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "ApiKey('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ApiKey) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def check_api_base(url: str) -> str:
    """The base address without a trailing slash; http(s) with a host, no path beyond "/".

    Raises:
        ValueError: naming STRIPE_API_BASE.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        raise ValueError("STRIPE_API_BASE must be an http(s) address such as https://api.stripe.com")
    return url.rstrip("/")


@dataclass(frozen=True)
class StripeConfig:
    api_key: ApiKey
    api_base: str = DEFAULT_API_BASE
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_network_retries: int = 2
    per_second: float | None = None  # the account's global limit; None: Stripe's default for the key's mode
    endpoint_per_second: float = ENDPOINT_PER_SECOND  # each endpoint's limit

    def __post_init__(self) -> None:
        object.__setattr__(self, "api_base", check_api_base(self.api_base))


def make_client(config: StripeConfig) -> stripe.StripeClient:
    """A `StripeClient` for one account, with its own HTTP client (timeouts, pacing) and retries."""
    pacer = Pacer(config.per_second or per_second_for(config.api_key.reveal()), config.endpoint_per_second)
    http = PacedRequestsClient(pacer, timeout=(config.connect_timeout, config.read_timeout))
    return stripe.StripeClient(
        config.api_key.reveal(),
        base_addresses={"api": config.api_base},
        max_network_retries=config.max_network_retries,
        http_client=http,
    )
