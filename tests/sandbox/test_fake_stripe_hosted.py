"""The fake Stripe's hosted Checkout page (setup mode), as the local sandbox's customer uses it."""

from __future__ import annotations

from typing import Any

import pytest
import stripe
from werkzeug.test import Client

from sandbox.fake_stripe.fake_stripe import FakeStripe


@pytest.fixture
def session(stripe_fake: FakeStripe, sdk: stripe.StripeClient) -> Any:
    customer = stripe_fake.seed.customer()
    return sdk.v1.checkout.sessions.create({
        "mode": "setup", "customer": customer["id"], "success_url": "https://settlebot.example/cards/new?t=x&done=1",
        "cancel_url": "https://settlebot.example/cards/new?t=x&canceled=1",
    })  # fmt: skip


@pytest.fixture
def page(stripe_fake: FakeStripe) -> Client:
    return Client(stripe_fake.wsgi_app)


def path(session: Any) -> str:
    return str(session.url).removeprefix(str(session.url).split("/c/")[0])


def test_the_page_offers_stripes_test_cards_without_an_api_key(page: Client, session: Any) -> None:
    shown = page.get(path(session))

    assert shown.status_code == 200 and "Visa ending 9995 (declined: insufficient funds)" in shown.text
    assert 'name="number"' not in shown.text and 'name="cvc"' not in shown.text


def test_saving_a_test_card_completes_the_session_and_returns_to_its_success_url(
    page: Client, session: Any, stripe_fake: FakeStripe, sdk: stripe.StripeClient
) -> None:  # fmt: skip
    done = page.post(path(session), data={"card": "declines", "exp_month": "4", "exp_year": "2033", "action": "save"})

    assert done.status_code == 303 and done.headers["Location"] == session.success_url
    after = sdk.v1.checkout.sessions.retrieve(session.id, {"expand": ["setup_intent"]})
    card = stripe_fake.get(after.setup_intent.payment_method)  # type: ignore[union-attr]
    assert after.status == "complete" and card["customer"] == session.customer
    assert (card["card"]["last4"], card["card"]["exp_year"], card["metadata"]) == (
        "9995", 2033, {"fake_decline": "insufficient_funds"})  # fmt: skip
    assert stripe_fake.events()[-1]["type"] == "checkout.session.completed"
    assert page.get(path(session)).status_code == 404  # used: the page is gone


def test_cancel_returns_to_the_cancel_url_and_leaves_the_session_open(
    page: Client, session: Any, sdk: stripe.StripeClient
) -> None:  # fmt: skip
    back = page.post(path(session), data={"action": "cancel"})

    assert back.status_code == 303 and back.headers["Location"] == session.cancel_url
    assert sdk.v1.checkout.sessions.retrieve(session.id).status == "open"


@pytest.mark.parametrize("form", [{"card": "amex", "exp_month": "4", "exp_year": "2033"},
                                  {"card": "visa", "exp_month": "4", "exp_year": "2001"},
                                  {"card": "visa", "exp_month": "x", "exp_year": "2033"}])  # fmt: skip
def test_an_unknown_card_or_a_bad_expiry_is_asked_again_and_completes_nothing(
    page: Client, session: Any, sdk: stripe.StripeClient, form: dict[str, str]
) -> None:  # fmt: skip
    again = page.post(path(session), data={**form, "action": "save"})

    assert again.status_code == 400 and "Test card" in again.text
    assert sdk.v1.checkout.sessions.retrieve(session.id).status == "open"
