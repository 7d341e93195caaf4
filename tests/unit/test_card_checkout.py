"""Adding a card through the billing system's hosted page (domain.card_checkout), with fakes."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.billing_mirror import card_id_for
from domain.billing_sync import link_customer, sync
from domain.card_checkout import CheckoutDone, complete_checkout, start_checkout
from domain.errors import NotAllowed
from domain.model import Admin, Role
from domain.records import CardChange
from tests.fakes import FakeClock, FakeUnitOfWork
from tests.unit.billing_fakes import FakeReader, card

NOW = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)


class FakeCheckout:
    """Hosted sessions by id; ``finish`` answers what the test completed."""

    def __init__(self) -> None:
        self.started: list[tuple[str, str, str]] = []
        self.completed: dict[str, CheckoutDone] = {}

    def start(self, customer: str, actor: str, link: str, subscription_id: str, return_url: str) -> str:
        self.started.append((customer, actor, link))
        return f"https://checkout.example/{link}"

    def finish(self, session_id: str) -> CheckoutDone | None:
        return self.completed.get(session_id)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    uow, clock, reader = FakeUnitOfWork(), FakeClock(NOW), FakeReader()
    reader.customer_with_billing("cus_A")
    link_customer(uow, reader, clock, "cus_A", "C0ALERTS")
    sync(uow, reader, clock)
    with uow:
        uow.accounts.replace_admins("cus_A", [Admin("cus_A", "U0ADMIN", Role.BILLING_ADMIN),
                                              Admin("cus_A", "U0READ", Role.BILLING_READER)])  # fmt: skip
        uow.commit()
    return uow


def test_only_someone_who_may_settle_is_sent_to_the_hosted_page(uow) -> None:
    checkout = FakeCheckout()

    url = start_checkout(uow, checkout, "U0ADMIN", "cus_A", link="n1", subscription_id="sub_cus_A", return_url="x")

    assert url == "https://checkout.example/n1" and checkout.started == [("cus_A", "U0ADMIN", "n1")]
    with pytest.raises(NotAllowed):
        start_checkout(uow, checkout, "U0READ", "cus_A", link="n2", subscription_id="sub_cus_A", return_url="x")
    assert len(checkout.started) == 1


def test_a_completed_session_keeps_the_card_owned_by_who_added_it_once(uow) -> None:
    checkout = FakeCheckout()
    checkout.completed["cs_1"] = CheckoutDone(card("cus_A", "pm_new", "U0ADMIN"), "U0ADMIN", "n1", "sub_cus_A")

    first = complete_checkout(uow, checkout, "cs_1", now=NOW, today=NOW.date())
    again = complete_checkout(uow, checkout, "cs_1", now=NOW, today=NOW.date())

    assert first is not None and again is not None
    kept = uow.committed.cards[card_id_for("pm_new")]
    assert kept.owner_slack_user_id == "U0ADMIN" and kept.token == "pm_new"
    added = [e for e in uow.cards.events(kept.id) if e.kind is CardChange.ADDED]
    assert [(e.actor, e.day) for e in added] == [("U0ADMIN", NOW.date())]


def test_a_session_that_is_not_settlebots_changes_nothing(uow) -> None:
    before = dict(uow.committed.cards)

    assert complete_checkout(uow, FakeCheckout(), "cs_other", now=NOW, today=NOW.date()) is None
    assert uow.committed.cards == before
