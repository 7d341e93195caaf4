"""A token issued by "Add to Slack" reaches its own workspace only, as on Slack: its people (also by
email) and its views; and settlebot's card-owner lookup asks each account's workspace with that
workspace's token, caching per workspace."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.card_owners import PeopleUnavailable
from domain.tenancy import Tenant
from handlers.people import SlackPeople
from sandbox.fake_slack import FakeSlack
from tests.e2e.conftest import SPEC
from tests.sandbox.test_fake_slack_oauth import approved_code, exchange
from tests.unit.workspace_fakes import FakeSlackClients

ALPHA, BRAVO = "T0ALPHA001", "T0BRAVO002"
REDIRECT = "https://app.example/slack/oauth_redirect"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    running = FakeSlack(spec_path=str(SPEC) if SPEC.exists() else None, users={})
    running.add_team(ALPHA, "Alpha Co")
    running.add_team(BRAVO, "Bravo Inc")
    running.add_user("U0PATALPHA", name="pat", email="pat@example.com", team_id=ALPHA)
    running.add_user("U0PATBRAVO", name="pat.b", email="pat@example.com", team_id=BRAVO)
    running.add_user("U0ONLYALPH", name="lee", email="lee@example.com", team_id=ALPHA)
    with running:
        yield running
        assert running.problems == []


def client_of(fake: FakeSlack, team: str) -> WebClient:
    token = exchange(fake, code=approved_code(fake, team), redirect_uri=REDIRECT)["access_token"]
    return WebClient(base_url=fake.url, token=token)


def test_a_workspaces_token_finds_by_email_only_its_own_people(fake: FakeSlack) -> None:
    alpha, bravo = client_of(fake, ALPHA), client_of(fake, BRAVO)

    assert alpha.users_lookupByEmail(email="pat@example.com")["user"]["id"] == "U0PATALPHA"
    assert bravo.users_lookupByEmail(email="pat@example.com")["user"]["id"] == "U0PATBRAVO"
    with pytest.raises(SlackApiError, match="users_not_found"):
        bravo.users_lookupByEmail(email="lee@example.com")  # someone of Alpha's only
    with pytest.raises(SlackApiError, match="user_not_found"):
        bravo.users_info(user="U0ONLYALPH")


def test_a_workspaces_token_cannot_update_another_workspaces_modal(fake: FakeSlack) -> None:
    alpha, bravo = client_of(fake, ALPHA), client_of(fake, BRAVO)
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Settle"},
             "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hello"}}]}  # fmt: skip
    view_id = alpha.views_open(trigger_id=fake.issue_trigger_id("U0ONLYALPH"), view=modal)["view"]["id"]

    with pytest.raises(SlackApiError, match="not_found"):
        bravo.views_update(view_id=view_id, view=modal)
    assert alpha.views_update(view_id=view_id, view=modal)["ok"]


def test_settlebot_looks_a_card_owner_up_in_each_workspace_with_its_token_cached_per_workspace(
    fake: FakeSlack,
) -> None:  # fmt: skip
    clients = FakeSlackClients({ALPHA: client_of(fake, ALPHA), BRAVO: client_of(fake, BRAVO)})
    people = SlackPeople(clients)  # type: ignore[arg-type]

    found = [people.user_by_email(email, Tenant(team))
             for team in (ALPHA, BRAVO, ALPHA, BRAVO) for email in ("pat@example.com", "lee@example.com")]  # fmt: skip

    assert found == ["U0PATALPHA", "U0ONLYALPH", "U0PATBRAVO", None] * 2
    assert len(fake.calls_to("users.lookupByEmail")) == 4  # each (workspace, email) asked once
    with pytest.raises(PeopleUnavailable):
        people.user_by_email("pat@example.com", Tenant("T0GONE0001"))  # not installed there: nothing known
