"""The Home tab and ``/settle``: an account whose records cannot be read is shown as such,
logged once, and every other account is listed as usual."""

import logging
from dataclasses import replace

import pytest

from domain.errors import NotFound
from domain.failures import FailureLog
from domain.listing import find_subscription, past_due_of, your_products
from domain.model import Admin, Role
from handlers.blocks import home_view, nothing_due, past_due_list
from tests.fakes import FakeUnitOfWork
from tests.unit.builders import OWNER, TODAY, seed
from tests.unit.test_blocks_data import LOCALES, message_payload, texts, tr, view_payload


@pytest.fixture
def uow():
    """OWNER administers both seeded accounts."""
    u = FakeUnitOfWork()
    seed(u)
    with u:
        u.accounts.replace_admins("acc_fabrikam", [Admin("acc_fabrikam", OWNER, Role.GLOBAL_ADMIN)])
        u.commit()
    return u


def _currency(uow, account_id, currency):
    with uow:
        uow.accounts.save(replace(uow.accounts.get(account_id), currency=currency))
        uow.commit()


def _shown(groups):
    return {g.account.id: (g.unreadable, sorted(line.subscription.id for line in g.products)) for g in groups}


def test_an_account_whose_currency_no_longer_matches_is_shown_unreadable_and_the_others_in_full(uow):
    _currency(uow, "acc_fabrikam", "USD")  # its invoice is in EUR
    groups = your_products(uow, OWNER, TODAY)
    assert _shown(groups) == {"acc_contoso": (False, ["sub_bp", "sub_e3"]), "acc_fabrikam": (True, [])}
    assert [line.subscription.id for _, line in past_due_of(groups)] == ["sub_e3"]


@pytest.mark.parametrize("record", ["card_f", "inv_f", "sub_f", "acc_fabrikam"])
def test_a_row_that_fails_to_map_makes_only_its_account_unreadable(uow, record):
    uow.unreadable.add(record)
    groups = your_products(uow, OWNER, TODAY)
    assert _shown(groups) == {"acc_contoso": (False, ["sub_bp", "sub_e3"]), "acc_fabrikam": (True, [])}
    assert [g.account.name for g in groups if g.unreadable] in (["Fabrikam"], ["acc_fabrikam"])


def test_an_unreadable_account_is_logged_once_per_failure_log(uow, caplog):
    caplog.set_level(logging.DEBUG, logger="domain.failures")
    uow.unreadable.add("card_f")
    failures = FailureLog()
    for _ in range(3):
        your_products(uow, OWNER, TODAY, failures)
    warned = [r for r in caplog.records if r.levelno == logging.WARNING and "acc_fabrikam" in r.getMessage()]
    assert len(warned) == 1


def test_settle_by_name_still_finds_a_subscription_when_another_account_cannot_be_read(uow):
    uow.unreadable.add("sub_f")
    assert find_subscription(uow, OWNER, "Microsoft 365 E3") == "sub_e3"
    with pytest.raises(NotFound):
        find_subscription(uow, OWNER, "Teams Essentials")


@pytest.mark.parametrize("locale", LOCALES)
def test_the_home_tab_names_an_unreadable_account_and_shows_the_others(uow, locale):
    _currency(uow, "acc_fabrikam", "USD")
    t = tr(locale)
    payload = view_payload(home_view(your_products(uow, OWNER, TODAY), t, actor=OWNER, today=TODAY))
    shown = texts(payload)
    assert "Fabrikam" in shown and t("home.unreadable") in shown
    assert "Microsoft 365 E3" in shown and "Teams Essentials" not in shown
    assert t("home.no_subscriptions") not in shown


@pytest.mark.parametrize("locale", LOCALES)
def test_the_settle_list_names_the_accounts_it_could_not_read(uow, locale):
    _currency(uow, "acc_fabrikam", "USD")
    t = tr(locale)
    groups = your_products(uow, OWNER, TODAY)
    unreadable = [g.account for g in groups if g.unreadable]
    listing = texts(message_payload(past_due_list(past_due_of(groups), t, may_settle={}, unreadable=unreadable)))
    assert "Microsoft 365 E3" in listing and t("command.unreadable", accounts="Fabrikam") in listing
    nothing = texts(message_payload(nothing_due(t, unreadable)))
    assert t("command.unreadable", accounts="Fabrikam") in nothing
    assert t("command.unreadable", accounts="Fabrikam") not in texts(message_payload(nothing_due(t)))
