"""Who owns a card from Stripe: metadata, else the Slack user of its billing email, else nobody."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from domain.billing import RemoteCard
from domain.billing_mirror import card_id_for
from domain.billing_sync import link_customer, sync
from domain.card_owners import PeopleUnavailable, with_owner
from domain.model import NO_OWNER
from tests.fakes import FakeClock, FakeUnitOfWork
from tests.unit.billing_fakes import FakeReader, card

NOW = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)


class FakePeople:
    """A workspace directory: emails to user ids; ``down`` makes every lookup fail."""

    def __init__(self, **emails: str) -> None:
        self.emails = {e.lower(): uid for e, uid in emails.items()}
        self.down = False
        self.asked: list[str] = []

    def user_by_email(self, email: str) -> str | None:
        self.asked.append(email)
        if self.down:
            raise PeopleUnavailable("down")
        return self.emails.get(email.lower())


def with_email(owner: str | None, email: str | None) -> RemoteCard:
    return replace(card("cus_A", "pm_cus_A", owner), email=email)


def test_the_metadata_owner_wins_and_no_one_is_asked() -> None:
    people = FakePeople(**{"pat@example.com": "U0PAT"})
    assert with_owner(with_email("U0META", "pat@example.com"), people).owner == "U0META"
    assert people.asked == []


def test_without_metadata_the_slack_user_of_the_billing_email_owns_the_card() -> None:
    assert with_owner(with_email(None, "Pat@Example.com"), FakePeople(**{"pat@example.com": "U0PAT"})).owner == "U0PAT"


@pytest.mark.parametrize("email", [None, "nobody@example.com"])
def test_no_metadata_and_no_slack_user_with_that_email_means_nobody(email) -> None:
    found = with_owner(with_email(None, email), FakePeople())
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
