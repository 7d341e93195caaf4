"""Fixtures for the fakes' own tests: a started fake Slack and a WebClient pointed at it; a started
fake Stripe and the Stripe SDK pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import stripe
from slack_sdk import WebClient

from sandbox.clock import Clock, ManualClock, system_clock
from sandbox.fake_slack import FakeSlack
from sandbox.fake_stripe.fake_stripe import FakeStripe

SPEC_PATH = Path("/work/shared/slack-api/slack_web_openapi_v2.json")
FIXTURES = Path(__file__).parent / "fixtures"
ALICE = "U0ALICE001"
BORIS = "U0BORIS001"
CHANNEL = "C0ALERTS01"


@pytest.fixture
def clock() -> Clock:
    """The wall clock; modules that move time override this with a `ManualClock`."""
    return system_clock


@pytest.fixture
def fake(clock: Clock) -> Iterator[FakeSlack]:
    spec = str(SPEC_PATH) if SPEC_PATH.exists() else None
    with FakeSlack(spec_path=spec, clock=clock) as running:
        yield running


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(base_url=fake.url, token="xoxb-test")


@pytest.fixture
def manual_clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def stripe_fake() -> Iterator[FakeStripe]:
    """A started fake Stripe account."""
    with FakeStripe(seed=7) as running:
        yield running


@pytest.fixture
def sdk(stripe_fake: FakeStripe) -> stripe.StripeClient:
    """The official SDK pointed at the fake, without retries (each request is seen as sent)."""
    return stripe.StripeClient(stripe_fake.api_key, base_addresses={"api": stripe_fake.url}, max_network_retries=0)
