"""The Stripe layer against the fake Stripe over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import stripe

from payments.stripe.config import ApiKey, StripeConfig, make_client
from sandbox.fake_stripe.fake_stripe import FakeStripe


@pytest.fixture
def fake() -> Iterator[FakeStripe]:
    with FakeStripe(seed=11) as running:
        yield running


@pytest.fixture
def config(fake: FakeStripe) -> StripeConfig:
    return StripeConfig(ApiKey(fake.api_key), fake.url, read_timeout=2.0)


@pytest.fixture
def client(config: StripeConfig) -> stripe.StripeClient:
    return make_client(config)


def past_due(fake: FakeStripe, invoices: int = 1, amount: int = 4200, **card: Any) -> dict[str, Any]:
    """A customer with a card, a past-due subscription and its open invoices."""
    customer = fake.seed.customer(email="ap@example.com")
    pm = fake.seed.card(customer["id"], **card)
    sub = fake.seed.subscription(customer["id"], amount, status="past_due")
    made = [fake.seed.invoice(sub, due_date=1_700_000_000 + i * 86400) for i in range(invoices)]
    return {"customer": customer, "card": pm, "subscription": sub, "invoices": made}
