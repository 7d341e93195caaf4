"""Changes settlebot makes in Stripe, webhook verification, and the key that never shows."""

from __future__ import annotations

import json
import logging
import time

import pytest
import stripe

from payments.stripe import writing
from payments.stripe.config import ApiKey, StripeConfig, make_client
from payments.stripe.errors import BadSignature, StripeAuthFailed, StripeRejected
from payments.stripe.reading import cards
from payments.stripe.webhooks import verify_event
from sandbox.fake_stripe.fake_stripe import FakeStripe
from sandbox.fake_stripe.webhooks import sign
from tests.stripe.conftest import past_due

SECRET = "whsec_test_layer"


def test_a_cards_expiry_is_changed_in_stripe(fake: FakeStripe, client: stripe.StripeClient) -> None:
    account = past_due(fake, exp_month=1, exp_year=2030)

    card = writing.update_card_expiry(client, account["card"]["id"], 11, 2032, "expiry-1")

    assert (card.exp_month, card.exp_year) == (11, 2032)
    assert fake.get(account["card"]["id"])["card"]["exp_year"] == 2032
    assert fake.requests_to("payment_methods.update")[0].idempotency_key == "expiry-1"


def test_an_invalid_expiry_is_rejected_with_stripes_code(fake: FakeStripe, client: stripe.StripeClient) -> None:
    account = past_due(fake)
    with pytest.raises(StripeRejected) as refused:
        writing.update_card_expiry(client, account["card"]["id"], 13, 2032, "expiry-2")
    assert refused.value.code == "invalid_expiry_month"


def test_the_card_used_becomes_the_subscriptions_default(fake: FakeStripe, client: stripe.StripeClient) -> None:
    account = past_due(fake)

    sub = writing.set_default_card(client, account["subscription"]["id"], account["card"]["id"], "default-1")

    assert sub.default_payment_method == account["card"]["id"]
    assert fake.events()[-1]["type"] == "customer.subscription.updated"


def test_a_setup_checkout_session_links_to_stripes_page_and_its_card_arrives(
    fake: FakeStripe, client: stripe.StripeClient
) -> None:
    account = past_due(fake)
    customer = account["customer"]["id"]

    link = writing.create_setup_session(client, customer, success_url="https://bot.example/done",
                                        cancel_url="https://bot.example/cancel",
                                        metadata={"settlebot_user": "U0ANA"}, idempotency_key="add-card-1")  # fmt: skip
    added = fake.complete_checkout(link.id, last4="1881")
    writing.tag_card(client, added["id"], {"settlebot_owner": "U0ANA"}, "tag-1")

    assert link.url.startswith(fake.url)
    assert fake.get(link.id)["metadata"] == {"settlebot_user": "U0ANA"}
    assert {c.id: c.metadata.get("settlebot_owner") for c in cards(client, customer)}[added["id"]] == "U0ANA"


def test_a_well_signed_webhook_gives_its_event() -> None:
    body = json.dumps({"id": "evt_1", "object": "event", "type": "invoice.paid", "created": 1,
                       "data": {"object": {"id": "in_1", "object": "invoice"}}})  # fmt: skip

    event = verify_event(body.encode(), sign(body, SECRET), SECRET)

    assert (event.id, event.type, event.object["id"]) == ("evt_1", "invoice.paid", "in_1")


@pytest.mark.parametrize(
    "header",
    [lambda body: sign(body, "whsec_forged"), lambda body: sign(body, SECRET, int(time.time()) - 301),
     lambda body: "", lambda body: "t=1,v1=deadbeef"],
    ids=["forged", "stale", "missing", "garbage"],
)  # fmt: skip
def test_a_forged_stale_or_missing_signature_is_refused(header: object) -> None:
    body = json.dumps({"id": "evt_1", "object": "event", "type": "invoice.paid", "created": 1, "data": {"object": {}}})
    with pytest.raises(BadSignature):
        verify_event(body.encode(), header(body), SECRET)  # type: ignore[operator]


def test_the_api_key_never_shows_in_repr_logs_or_errors(
    fake: FakeStripe, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    config = StripeConfig(ApiKey(fake.api_key), fake.url)
    caplog.set_level(logging.DEBUG)
    make_client(config).v1.customers.list()
    wrong = make_client(StripeConfig(ApiKey("sk_test_wrongwrongwrong42"), fake.url))
    with pytest.raises(StripeAuthFailed) as refused:
        cards(wrong, "cus_x")

    shown = repr(config) + str(config.api_key) + caplog.text + str(refused.value) + "".join(capsys.readouterr())
    assert fake.api_key not in shown and "wrongwrongwrong" not in shown


def test_a_malformed_key_or_base_is_refused_naming_the_setting() -> None:
    with pytest.raises(ValueError, match="STRIPE_API_KEY"):
        ApiKey("pk_test_publishable_is_not_secret")
    with pytest.raises(ValueError, match="STRIPE_API_BASE"):
        StripeConfig(ApiKey("sk_test_abcdefghijklmnop"), "ftp://stripe")
