"""Who owns a card from Stripe: metadata, else the Slack user of its billing email, else nobody."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from domain.billing import RemoteCard
from domain.billing_events import handle_event
from domain.billing_mirror import card_id_for
from domain.billing_sync import link_customer, sync
from domain.card_owners import PeopleUnavailable, with_owner
from domain.model import NO_OWNER
from domain.tenancy import UNASSIGNED, Tenant
from tests.fakes import FakeClock, FakeUnitOfWork
from tests.unit.billing_fakes import FakeReader, card

TEAM_A, TEAM_B = "T0ALPHA001", "T0BRAVO002"

NOW = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)


class FakePeople:
    """Each workspace's directory: emails to user ids per team id (``None``: the workspace of the
    accounts linked to none); ``down`` makes every lookup fail."""

    def __init__(self, by_team: dict[str | None, dict[str, str]] | None = None, **emails: str) -> None:
        self.by_team = {team: {e.lower(): uid for e, uid in found.items()} for team, found in (by_team or {}).items()}
        self.by_team.setdefault(None, {}).update({e.lower(): uid for e, uid in emails.items()})
        self.down = False
        self.asked: list[tuple[str | None, str]] = []

    @property
    def emails(self) -> dict[str, str]:
        return self.by_team[None]

    @emails.setter
    def emails(self, value: dict[str, str]) -> None:
        self.by_team[None] = value

    def user_by_email(self, email: str, tenant: Tenant) -> str | None:
        self.asked.append((tenant.team_id, email))
        if self.down:
            raise PeopleUnavailable("down")
        return self.by_team.get(tenant.team_id, {}).get(email.lower())


def with_email(owner: str | None, email: str | None) -> RemoteCard:
    return replace(card("cus_A", "pm_cus_A", owner), email=email)


def test_the_metadata_owner_wins_and_no_one_is_asked() -> None:
    people = FakePeople(**{"pat@example.com": "U0PAT"})
    assert with_owner(with_email("U0META", "pat@example.com"), people, UNASSIGNED).owner == "U0META"
    assert people.asked == []


def test_without_metadata_the_slack_user_of_the_billing_email_owns_the_card() -> None:
    people = FakePeople(**{"pat@example.com": "U0PAT"})
    assert with_owner(with_email(None, "Pat@Example.com"), people, UNASSIGNED).owner == "U0PAT"


@pytest.mark.parametrize("email", [None, "nobody@example.com"])
def test_no_metadata_and_no_slack_user_with_that_email_means_nobody(email) -> None:
    found = with_owner(with_email(None, email), FakePeople(), UNASSIGNED)
    assert found.owner is None and found.owner_known


def test_a_lookup_that_fails_keeps_the_owner_settlebot_knew() -> None:
    uow, clock, reader = FakeUnitOfWork(), FakeClock(NOW), FakeReader()
    reader.customer_with_billing("cus_A")
    reader.put(with_email(None, "pat@example.com"))
    people = FakePeople(**{"pat@example.com": "U0PAT"})
    link_customer(uow, reader, clock, "cus_A", "C0ALERTS")
    sync(uow, reader, clock, people=people)
    assert uow.committed.cards[card_id_for("pm_cus_A")].owner_slack_user_id == "U0PAT"

    people.down = True
    sync(uow, reader, clock, full=True, people=people)
    assert uow.committed.cards[card_id_for("pm_cus_A")].owner_slack_user_id == "U0PAT"

    people.down, people.emails = False, {}
    sync(uow, reader, clock, full=True, people=people)
    assert uow.committed.cards[card_id_for("pm_cus_A")].owner_slack_user_id == NO_OWNER


def two_workspaces(reader: FakeReader, uow: FakeUnitOfWork, clock: FakeClock) -> None:
    """cus_A in workspace A and cus_B in workspace B, each with a card billed to pat@example.com."""
    for cid, team in (("cus_A", TEAM_A), ("cus_B", TEAM_B)):
        reader.customer_with_billing(cid)
        reader.put(replace(card(cid, f"pm_{cid}"), email="pat@example.com"))
        link_customer(uow, reader, clock, cid, "C0ALERTS", team_id=team)


def test_a_cards_owner_is_looked_up_in_its_accounts_workspace_only() -> None:
    uow, clock, reader = FakeUnitOfWork(), FakeClock(NOW), FakeReader()
    two_workspaces(reader, uow, clock)
    people = FakePeople({TEAM_A: {"pat@example.com": "U0PATINA"}})  # nobody in B has that email

    sync(uow, reader, clock, people=people)

    owners = {c.account_id: c.owner_slack_user_id for c in uow.committed.cards.values()}
    assert owners == {"cus_A": "U0PATINA", "cus_B": NO_OWNER}  # A's person never owns B's card
    assert sorted(people.asked) == [(TEAM_A, "pat@example.com"), (TEAM_B, "pat@example.com")]


def test_the_same_email_in_two_workspaces_is_each_workspaces_own_person() -> None:
    uow, clock, reader = FakeUnitOfWork(), FakeClock(NOW), FakeReader()
    two_workspaces(reader, uow, clock)
    people = FakePeople({TEAM_A: {"pat@example.com": "U0PATINA"}, TEAM_B: {"pat@example.com": "U0PATINB"}})
    sync(uow, reader, clock, people=people)

    reader.put(replace(card("cus_B", "pm_cus_B2"), email="pat@example.com"), "payment_method.attached")
    sync(uow, reader, clock, people=people)  # incremental: the change's card, in its account's workspace

    owners = {c.token: c.owner_slack_user_id for c in uow.committed.cards.values()}
    assert owners == {"pm_cus_A": "U0PATINA", "pm_cus_B": "U0PATINB", "pm_cus_B2": "U0PATINB"}


def test_a_webhooks_card_is_owned_by_the_person_of_its_accounts_workspace() -> None:
    uow, clock, reader = FakeUnitOfWork(), FakeClock(NOW), FakeReader()
    two_workspaces(reader, uow, clock)
    people = FakePeople({TEAM_A: {"lee@example.com": "U0LEEINA"}, TEAM_B: {"lee@example.com": "U0LEEINB"}})
    event = reader.put(replace(card("cus_B", "pm_cus_B3"), email="lee@example.com"), "payment_method.attached")

    handle_event(uow, reader, clock, event, people=people)

    assert uow.committed.cards[card_id_for("pm_cus_B3")].owner_slack_user_id == "U0LEEINB"
    assert people.asked == [(TEAM_B, "lee@example.com")]


def test_an_account_linked_to_no_workspace_is_looked_up_as_the_unassigned_one() -> None:
    uow, clock, reader = FakeUnitOfWork(), FakeClock(NOW), FakeReader()
    reader.customer_with_billing("cus_A")
    reader.put(with_email(None, "pat@example.com"))
    link_customer(uow, reader, clock, "cus_A", "C0ALERTS")
    people = FakePeople({TEAM_A: {"pat@example.com": "U0PATINA"}})

    sync(uow, reader, clock, people=people)

    assert people.asked == [(None, "pat@example.com")]  # the adapter decides what "no workspace" is
    assert uow.committed.cards[card_id_for("pm_cus_A")].owner_slack_user_id == NO_OWNER
