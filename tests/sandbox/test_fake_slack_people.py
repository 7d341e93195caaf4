"""users.lookupByEmail on the fake Slack (as Slack: case-insensitive, needs users:read.email), and
settlebot's cached lookup of a card's owner through it."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.card_owners import PeopleUnavailable
from domain.tenancy import UNASSIGNED
from handlers.people import SlackPeople
from handlers.workspaces import SingleWorkspace
from sandbox.fake_slack import FakeSlack
from sandbox.ids import Identity
from tests.sandbox.conftest import ALICE


def test_a_person_is_found_by_email_whatever_its_case(fake: FakeSlack, client: WebClient) -> None:
    fake.add_user(ALICE, email="alice@contoso.example")

    answer = client.users_lookupByEmail(email="Alice@Contoso.example")

    assert answer["user"]["id"] == ALICE and answer["user"]["profile"]["email"] == "alice@contoso.example"
    assert fake.problems == []


def test_an_unknown_email_is_users_not_found(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.users_lookupByEmail(email="nobody@contoso.example")
    assert raised.value.response["error"] == "users_not_found"


def test_without_the_users_read_email_scope_the_lookup_is_refused() -> None:
    with FakeSlack(identity=Identity(scopes="chat:write,users:read")) as fake, pytest.raises(SlackApiError) as raised:
        WebClient(base_url=fake.url, token="xoxb-test").users_lookupByEmail(email="alice@example.com")
    assert raised.value.response["error"] == "missing_scope"


def test_settlebot_asks_slack_once_per_email_while_cached_found_or_not(fake: FakeSlack, client: WebClient) -> None:
    fake.add_user(ALICE, email="alice@contoso.example")
    people = SlackPeople(SingleWorkspace(client))

    found = [people.user_by_email(e, UNASSIGNED) for e in ("alice@contoso.example", "ALICE@contoso.example")]
    missing = [people.user_by_email("nobody@contoso.example", UNASSIGNED) for _ in range(2)]

    assert found == [ALICE, ALICE] and missing == [None, None]
    assert len(fake.calls_to("users.lookupByEmail")) == 2


def test_a_lookup_slack_cannot_answer_is_unavailable_and_not_cached(fake: FakeSlack, client: WebClient) -> None:
    fake.add_user(ALICE, email="alice@contoso.example")
    people = SlackPeople(SingleWorkspace(client))
    fake.fail_next(1, "http_500", method="users.lookupByEmail")

    with pytest.raises(PeopleUnavailable):
        people.user_by_email("alice@contoso.example", UNASSIGNED)
    assert people.user_by_email("alice@contoso.example", UNASSIGNED) == ALICE
