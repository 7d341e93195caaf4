"""Saving an added card spends its add-card link in the same transaction: both or neither."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.cards import save_card
from domain.errors import LinkSpent, NotAllowed
from domain.model import Admin, Role
from domain.ports import TokenizedCard
from tests.fakes import FakeUnitOfWork
from tests.unit.builders import ADMIN, READER, seed

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
TOKENIZED = TokenizedCard("tok_visa_new", "visa", "4242")


@pytest.fixture
def uow() -> FakeUnitOfWork:
    work = FakeUnitOfWork()
    seed(work)
    with work:
        work.card_links.add("nonce_1", NOW + dt.timedelta(minutes=15))
        work.commit()
    return work


def _cards(uow: FakeUnitOfWork) -> set[str]:
    return {c.token for c in uow.committed.cards.values()}


def test_saving_a_card_spends_its_link(uow: FakeUnitOfWork) -> None:
    card = save_card(uow, ADMIN, "acc_contoso", TOKENIZED, 7, 2031, link="nonce_1", now=NOW, today=NOW.date())
    assert (card.owner_slack_user_id, card.last4, card.token) == (ADMIN, "4242", "tok_visa_new")
    assert "tok_visa_new" in _cards(uow)
    assert uow.committed.card_links["nonce_1"] == (NOW + dt.timedelta(minutes=15), NOW)


def test_a_spent_or_expired_link_saves_no_card(uow: FakeUnitOfWork) -> None:
    save_card(uow, ADMIN, "acc_contoso", TOKENIZED, 7, 2031, link="nonce_1", now=NOW, today=NOW.date())
    before = _cards(uow)
    second = TokenizedCard("tok_visa_other", "visa", "1881")
    with pytest.raises(LinkSpent):
        save_card(uow, ADMIN, "acc_contoso", second, 7, 2031, link="nonce_1", now=NOW, today=NOW.date())
    with uow:
        uow.card_links.add("nonce_old", NOW)
        uow.commit()
    with pytest.raises(LinkSpent):
        save_card(uow, ADMIN, "acc_contoso", second, 7, 2031, link="nonce_old", now=NOW, today=NOW.date())
    assert _cards(uow) == before


def test_a_card_refused_for_a_removed_admin_leaves_the_link_unspent(uow: FakeUnitOfWork) -> None:
    with uow:
        uow.accounts.replace_admins("acc_contoso", [Admin("acc_contoso", ADMIN, Role.BILLING_READER),
                                                    Admin("acc_contoso", READER, Role.BILLING_READER)])  # fmt: skip
        uow.commit()
    with pytest.raises(NotAllowed):
        save_card(uow, ADMIN, "acc_contoso", TOKENIZED, 7, 2031, link="nonce_1", now=NOW, today=NOW.date())
    assert "tok_visa_new" not in _cards(uow) and uow.committed.card_links["nonce_1"][1] is None
    with pytest.raises(NotAllowed):
        save_card(uow, READER, "acc_contoso", TOKENIZED, 7, 2031, link="nonce_1", now=NOW, today=NOW.date())
