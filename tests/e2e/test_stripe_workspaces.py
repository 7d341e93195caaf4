"""Stripe in installation mode, through the real app: two workspaces installed through "Add to
Slack", each with its own Stripe customer. A card's owner is the person with its billing email in
the workspace of the card's account only, asked with that workspace's token; a card added through
Stripe Checkout refreshes the modal in the workspace it was opened in, with that workspace's token."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from domain.billing_mirror import card_id_for
from handlers import ids
from sandbox.driver import SlackDriver
from sandbox.fake_slack import FakeSlack
from sandbox.fake_stripe.fake_stripe import FakeStripe
from sandbox.recording import Call
from sandbox.signing import SlackRequester
from tests.e2e.conftest import POSTED_WITHIN
from tests.e2e.harness import SIGNING_SECRET, AppProcess, Inspector, cli, shown_view, wait_until
from tests.e2e.installing import install
from tests.e2e.test_add_card_page import add_card_link
from tests.e2e.test_stripe_cards import get, selected_card
from tests.stripe.conftest import past_due

ALPHA, BRAVO = "T0ALPHA001", "T0BRAVO002"
CHANNELS = {ALPHA: "C0ALPHA001", BRAVO: "C0BRAVO002"}
PAT_A, PAT_B, LEE_A = "U0PATALPHA", "U0PATBRAVO", "U0LEEALPHA"  # Pat has an account in both; Lee in Alpha only


@pytest.fixture
def two_env(stripe_env: dict[str, str], fake_slack: FakeSlack) -> dict[str, str]:
    fake_slack.add_team(ALPHA, "Alpha Co")
    fake_slack.add_team(BRAVO, "Bravo Inc")
    fake_slack.add_user(PAT_A, name="pat", email="pat@example.com", team_id=ALPHA)
    fake_slack.add_user(PAT_B, name="pat.b", email="pat@example.com", team_id=BRAVO, locale="zh-CN")
    fake_slack.add_user(LEE_A, name="lee", email="lee@example.com", team_id=ALPHA)
    for team, channel in CHANNELS.items():
        fake_slack.add_channel(channel, f"billing-{team.lower()}")
    installing = {k: v for k, v in stripe_env.items() if k != "SLACK_BOT_TOKEN"}  # no single token
    return {**installing, "SLACK_CLIENT_ID": fake_slack.oauth.client_id,
            "SLACK_CLIENT_SECRET": fake_slack.oauth.client_secret}  # fmt: skip


@pytest.fixture
def two_installed(two_env: dict[str, str], fake_slack: FakeSlack, fake_stripe: FakeStripe) -> Iterator[AppProcess]:
    with AppProcess(two_env) as process:
        fake_stripe.add_webhook(process.url + "/stripe/webhook")
        for team in CHANNELS:
            install(process.url, fake_slack, team)
        yield process
        assert "Traceback" not in process.log, process.log


def customer_in(env: dict[str, str], fake_stripe: FakeStripe, team: str, **card: Any) -> dict[str, Any]:
    account = past_due(fake_stripe, **card)
    cli(env, "link", account["customer"]["id"], "--channel", CHANNELS[team], "--team", team)
    return account


def team_of(fake: FakeSlack, call: Call) -> str | None:
    grant = fake.oauth.tokens.get(call.token or "")
    return grant.team.id if grant else None


def test_a_cards_owner_is_the_person_with_its_billing_email_in_its_accounts_workspace_only(
    fake_stripe: FakeStripe, fake_slack: FakeSlack, two_installed: AppProcess, two_env: dict[str, str],
    db: Inspector,
) -> None:  # fmt: skip
    alpha = customer_in(two_env, fake_stripe, ALPHA, email="pat@example.com")
    bravo = customer_in(two_env, fake_stripe, BRAVO, email="pat@example.com")
    lees = fake_stripe.seed.card(bravo["customer"]["id"], last4="1881", email="lee@example.com")

    cli(two_env, "sync")

    with db.uow() as uow:
        owners = {c.token: c.owner_slack_user_id for cid in (alpha, bravo)
                  for c in uow.cards.for_account(cid["customer"]["id"])}  # fmt: skip
    assert owners == {alpha["card"]["id"]: PAT_A, bravo["card"]["id"]: PAT_B, lees["id"]: ""}  # Lee is Alpha's
    asked = {(team_of(fake_slack, c), c.params["email"]) for c in fake_slack.calls_to("users.lookupByEmail")}
    assert asked == {(ALPHA, "pat@example.com"), (BRAVO, "lee@example.com"), (BRAVO, "pat@example.com")}


def test_a_card_added_through_checkout_refreshes_the_modal_in_the_workspace_it_was_opened_in(
    fake_stripe: FakeStripe, fake_slack: FakeSlack, two_installed: AppProcess, two_env: dict[str, str],
    db: Inspector,
) -> None:  # fmt: skip
    customer_in(two_env, fake_stripe, ALPHA)
    bravo = customer_in(two_env, fake_stripe, BRAVO)
    customer, subscription = bravo["customer"]["id"], bravo["subscription"]["id"]
    cli(two_env, "admins", "add", "--account", customer, "--user", PAT_B, "--role", "billing_admin")
    cli(two_env, "sync")
    fake_stripe.seed.automatic_attempt(bravo["invoices"][0]["id"], succeeds=False)  # alerted at once
    [alert] = wait_until(lambda: fake_slack.messages(CHANNELS[BRAVO]), timeout=POSTED_WITHIN)
    slack = SlackDriver(fake_slack, SlackRequester(two_installed.url, SIGNING_SECRET), team_of={PAT_B: BRAVO}.get)
    slack.click_in_message(PAT_B, CHANNELS[BRAVO], alert["ts"], ids.SETTLE_OPEN, value=subscription,
                           block_id=ids.settle_block(subscription))  # fmt: skip
    view = wait_until(lambda: shown_view(fake_slack, PAT_B), timeout=POSTED_WITHIN)
    link = add_card_link(view, two_installed.url)

    status, location = get(link)
    assert status == 303
    pm = fake_stripe.complete_checkout(location.rsplit("/", 1)[-1], brand="mastercard", last4="4444", exp_month=3,
                                       exp_year=2031)  # fmt: skip

    added = card_id_for(pm["id"])
    shown = wait_until(lambda: (v := shown_view(fake_slack, PAT_B)) and selected_card(v) == added and v,
                       timeout=POSTED_WITHIN)  # fmt: skip
    assert "4444" in json.dumps(shown, ensure_ascii=False) and "已添加" in json.dumps(shown, ensure_ascii=False)
    updates = [c for c in fake_slack.calls_to("views.update") if c.params.get("view_id") == view["id"]]
    assert len(updates) >= 2 and {(team_of(fake_slack, c), c.ok) for c in updates} == {(BRAVO, True)}
    assert get(link + "&done=1")[0] == 200  # Stripe's way back, in Pat's language, asked of Bravo
    people = [(c.params.get("user"), team_of(fake_slack, c), c.ok) for c in fake_slack.calls_to("users.info")]
    assert people and set(people) == {(PAT_B, BRAVO, True)}  # no call without a token, none to Alpha
    with db.uow() as uow:
        card = uow.cards.get(added)
    assert card is not None and card.owner_slack_user_id == PAT_B
