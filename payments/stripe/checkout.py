"""`domain.card_checkout.CardCheckout` on Stripe: a setup-mode Checkout Session per add-card link
(under the idempotency key `checkout:<link>`, so a second click reopens the same session), and on
completion the card read from its SetupIntent and tagged with `settlebot_owner`."""

from __future__ import annotations

from typing import Any

import stripe
from stripe.params.checkout import SessionRetrieveParams

from domain.billing import BillingUnavailable
from domain.card_checkout import CheckoutDone
from payments.stripe import parsing
from payments.stripe.errors import StripeLayerError, StripeNotFound, mapped_errors
from payments.stripe.remote import card as remote_card
from payments.stripe.writing import create_setup_session, tag_card

OWNER, LINK, SUBSCRIPTION = "settlebot_owner", "settlebot_link", "settlebot_subscription"


class StripeCheckout:
    def __init__(self, client: stripe.StripeClient) -> None:
        self._client = client

    def start(self, customer: str, actor: str, link: str, subscription_id: str, return_url: str) -> str:
        metadata = {OWNER: actor, LINK: link, SUBSCRIPTION: subscription_id}
        sep = "&" if "?" in return_url else "?"
        try:
            session = create_setup_session(
                self._client, customer, success_url=f"{return_url}{sep}done=1",
                cancel_url=f"{return_url}{sep}canceled=1", metadata=metadata, idempotency_key=f"checkout:{link}",
            )  # fmt: skip
        except StripeLayerError as error:
            raise BillingUnavailable(type(error).__name__) from error
        return session.url

    def finish(self, session_id: str) -> CheckoutDone | None:
        params: SessionRetrieveParams = {"expand": ["setup_intent"]}
        try:
            with mapped_errors():
                session = parsing.plain(self._client.v1.checkout.sessions.retrieve(session_id, params))
            return self._tagged(session)
        except StripeNotFound:
            return None
        except StripeLayerError as error:
            raise BillingUnavailable(type(error).__name__) from error

    def _tagged(self, session: dict[str, Any]) -> CheckoutDone | None:
        metadata = session.get("metadata") or {}
        intent = session.get("setup_intent") or {}
        payment_method = intent.get("payment_method") if isinstance(intent, dict) else None
        if isinstance(payment_method, dict):
            payment_method = payment_method.get("id")
        owner = metadata.get(OWNER)
        if session.get("mode") != "setup" or session.get("status") != "complete" or not owner or not payment_method:
            return None
        with mapped_errors():
            found = tag_card(self._client, str(payment_method), {OWNER: owner}, f"owner:{payment_method}:{owner}")
        return CheckoutDone(remote_card(found), owner, metadata.get(LINK), metadata.get(SUBSCRIPTION))
