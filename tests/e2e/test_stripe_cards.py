"""Cards with Stripe, through the real `settlebot` and the fake Stripe and Slack over HTTP: a card
added through Stripe Checkout (setup mode) shows in the modal, owned by who added it; a card's owner
found by its billing email."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from domain.billing_mirror import card_id_for
from handlers import ids
from sandbox.driver import SlackDriver
from sandbox.fake_slack import FakeSlack
from sandbox.fake_stripe.fake_stripe import FakeStripe
from sandbox.signing import SlackRequester
from tests.e2e.conftest import POSTED_WITHIN
from tests.e2e.harness import BILLING_CHANNEL, SIGNING_SECRET, AppProcess, Inspector, cli, shown_view, wait_until
from tests.e2e.test_add_card_page import add_card_link
from tests.e2e.test_settle_flow import BA
from tests.stripe.conftest import past_due


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def get(url: str) -> tuple[int, str]:
    """GET without following redirects: the status and the Location (or body)."""
    try:
        with urllib.request.build_opener(_NoRedirect()).open(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location") or error.read().decode()


def open_settle_modal(fake_slack: FakeSlack, app: AppProcess, subscription: str) -> dict[str, Any]:
    [alert] = fake_slack.messages(BILLING_CHANNEL)
    slack = SlackDriver(fake_slack, SlackRequester(app.url, SIGNING_SECRET))
    slack.click_in_message(BA, BILLING_CHANNEL, alert["ts"], ids.SETTLE_OPEN, value=subscription,
                           block_id=ids.settle_block(subscription))  # fmt: skip
    return wait_until(lambda: shown_view(fake_slack, BA), timeout=POSTED_WITHIN)


def selected_card(view: dict[str, Any]) -> str | None:
    for block in view["blocks"]:
        element = block.get("element") or {}
        if element.get("action_id") == ids.PAY_WITH_ACTION:
            return (element.get("initial_option") or {}).get("value")
    return None


def test_a_card_added_through_checkout_is_owned_by_who_added_it_and_shown_selected_in_the_modal(
    fake_stripe: FakeStripe, fake_slack: FakeSlack, one_invoice: dict[str, Any], stripe_app: AppProcess,
    stripe_env: dict[str, str], db: Inspector,
) -> None:  # fmt: skip
    customer, subscription = one_invoice["customer"]["id"], one_invoice["subscription"]["id"]
    cli(stripe_env, "admins", "add", "--account", customer, "--user", BA, "--role", "billing_admin")
    fake_stripe.seed.automatic_attempt(one_invoice["invoices"][0]["id"], succeeds=False)
    wait_until(lambda: fake_slack.messages(BILLING_CHANNEL), timeout=POSTED_WITHIN)
    link = add_card_link(open_settle_modal(fake_slack, stripe_app, subscription), stripe_app.url)

    status, location = get(link)
    again = get(link)  # a second click before paying: the same session

    assert status == 303 and location.startswith(f"{fake_stripe.url}/c/setup/") and again == (303, location)
    session = fake_stripe.get(location.rsplit("/", 1)[-1])
    assert (session["customer"], session["mode"], session["metadata"]["settlebot_owner"]) == (customer, "setup", BA)
    pm = fake_stripe.complete_checkout(session["id"], brand="mastercard", last4="4444", exp_month=3, exp_year=2031)

    added = card_id_for(pm["id"])
    view = wait_until(lambda: (v := shown_view(fake_slack, BA)) and selected_card(v) == added and v,
                      timeout=POSTED_WITHIN)  # fmt: skip
    assert "4444" in json.dumps(view, ensure_ascii=False)
    wait_until(lambda: fake_stripe.get(pm["id"])["metadata"].get("settlebot_owner") == BA, timeout=POSTED_WITHIN)
    with db.uow() as uow:
        card = uow.cards.get(added)
    assert card is not None and card.owner_slack_user_id == BA and card.token == pm["id"]
    assert get(link)[0] == 410  # the link is spent with the card
    assert get(link + "&done=1")[0] == 200  # Stripe's way back says the card is on its way


def test_a_card_without_owner_metadata_belongs_to_the_slack_user_with_its_billing_email(
    fake_stripe: FakeStripe, fake_slack: FakeSlack, stripe_env: dict[str, str], db: Inspector
) -> None:
    fake_slack.add_user("U0PAT00001", name="pat", real_name="Pat Lee", email="pat@contoso.example")
    account = past_due(fake_stripe, email="Pat@Contoso.example")
    customer = account["customer"]["id"]
    stranger = fake_stripe.seed.card(customer, last4="1881", email="stranger@elsewhere.example")
    tagged = fake_stripe.seed.card(customer, last4="0005", email="pat@contoso.example",
                                   metadata={"settlebot_owner": "U0DEMOGA1"})  # fmt: skip

    cli(stripe_env, "link", customer, "--channel", BILLING_CHANNEL)
    cli(stripe_env, "sync")

    with db.uow() as uow:
        owners = {c.token: c.owner_slack_user_id for c in uow.cards.for_account(customer)}
    assert owners == {account["card"]["id"]: "U0PAT00001", stranger["id"]: "", tagged["id"]: "U0DEMOGA1"}
    assert len(fake_slack.calls_to("users.lookupByEmail", ok=True)) == 1  # the metadata owner needs no lookup
