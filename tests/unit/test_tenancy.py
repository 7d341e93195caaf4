"""Every read and write is scoped to the workspace a request came from: another workspace's
account, subscription or card is unknown (NotFound, nothing learnt), even to a user whose id is
the same there (a Slack user id is unique only within its workspace)."""

from __future__ import annotations

import datetime as dt
import pickle
from dataclasses import replace

import pytest

from domain.cards import tokenize_card
from domain.errors import NotFound
from domain.listing import find_subscription, list_past_due, your_products
from domain.model import Admin, Role
from domain.settlement import change_card_expiry, prepare_settlement, settle
from domain.tenancy import UNASSIGNED, Actor, Tenant
from payments.sandbox import MemoryLedger, SandboxGateway
from tests.fakes import FakeClock, FakeUnitOfWork
from tests.unit.builders import OTHER, OWNER, TODAY, seed, shown

ACME, FABRIKAM = Tenant("T0ACME001"), Tenant("T0FABR002")
IN_ACME = Actor(OWNER, ACME)  # owner of acc_contoso in ACME's workspace
IN_FABRIKAM = Actor(OWNER, FABRIKAM)  # the same user id in FABRIKAM's workspace: another person


@pytest.fixture
def uow() -> FakeUnitOfWork:
    u = FakeUnitOfWork()
    seed(u)
    with u:
        u.accounts.save(replace(u.accounts.get("acc_contoso"), team_id=ACME.team_id))
        u.accounts.save(replace(u.accounts.get("acc_fabrikam"), team_id=FABRIKAM.team_id))
        u.accounts.replace_admins("acc_fabrikam", [
            Admin("acc_fabrikam", OTHER, Role.GLOBAL_ADMIN), Admin("acc_fabrikam", OWNER, Role.BILLING_READER),
        ])  # fmt: skip
        u.commit()
    return u


def test_a_user_sees_only_the_accounts_of_the_workspace_they_act_in(uow: FakeUnitOfWork) -> None:
    assert [g.account.id for g in your_products(uow, IN_ACME, TODAY)] == ["acc_contoso"]
    assert [g.account.id for g in your_products(uow, IN_FABRIKAM, TODAY)] == ["acc_fabrikam"]
    assert {a.id for a, _ in list_past_due(uow, IN_FABRIKAM, TODAY)} == {"acc_fabrikam"}


def test_the_same_user_id_has_the_role_given_in_each_workspace(uow: FakeUnitOfWork) -> None:
    assert prepare_settlement(uow, IN_ACME, "sub_e3", TODAY).role is Role.GLOBAL_ADMIN
    assert prepare_settlement(uow, IN_FABRIKAM, "sub_f", TODAY).role is Role.BILLING_READER


def test_another_workspaces_subscription_is_unknown_when_opened_or_searched(uow: FakeUnitOfWork) -> None:
    with pytest.raises(NotFound):
        prepare_settlement(uow, IN_FABRIKAM, "sub_e3", TODAY)
    with pytest.raises(NotFound) as searched:
        find_subscription(uow, IN_FABRIKAM, "Microsoft 365 E3")
    assert searched.value.key == "no_such_subscription"


def test_a_forged_settlement_of_another_workspaces_subscription_charges_nothing(uow: FakeUnitOfWork) -> None:
    clock, ledger = FakeClock(dt.datetime(2026, 11, 25, 15, tzinfo=dt.UTC)), MemoryLedger()
    with pytest.raises(NotFound):
        settle(uow, SandboxGateway(ledger), clock, IN_FABRIKAM, "sub_e3", "card_1", confirmed=shown(uow))
    with uow:
        assert uow.attempts.for_subscription("sub_e3") == []


def test_another_workspaces_card_is_unknown_to_expiry_edits_and_adding(uow: FakeUnitOfWork) -> None:
    with pytest.raises(NotFound):
        change_card_expiry(uow, IN_FABRIKAM, "card_1", 9, 2031, TODAY)
    with pytest.raises(NotFound):
        tokenize_card(uow, SandboxGateway(MemoryLedger()), IN_FABRIKAM, "acc_contoso", number="4242424242424242",
                      exp_month=9, exp_year=2031, cvc="123", today=TODAY)  # fmt: skip
    with uow:
        assert uow.cards.get("card_1").exp_year == 2028


def test_accounts_of_no_workspace_are_the_one_token_modes_only(uow: FakeUnitOfWork) -> None:
    with uow:
        uow.accounts.save(replace(uow.accounts.get("acc_contoso"), team_id=None))
        uow.commit()
    assert [g.account.id for g in your_products(uow, Actor(OWNER, UNASSIGNED), TODAY)] == ["acc_contoso"]
    assert [g.account.id for g in your_products(uow, OWNER, TODAY)] == ["acc_contoso"]  # a plain user id
    with pytest.raises(NotFound):  # installed in many workspaces: nobody's until linked to one
        prepare_settlement(uow, IN_ACME, "sub_e3", TODAY)
    single = Actor(OWNER, Tenant(ACME.team_id, unassigned=True))
    assert prepare_settlement(uow, single, "sub_e3", TODAY).role is Role.GLOBAL_ADMIN


def test_an_org_wide_account_is_seen_from_its_grid_orgs_workspaces_only(uow: FakeUnitOfWork) -> None:
    with uow:
        uow.accounts.save(replace(uow.accounts.get("acc_contoso"), team_id=None, enterprise_id="E0GRID001"))
        uow.commit()
    assert prepare_settlement(uow, Actor(OWNER, Tenant("T0WS00003", "E0GRID001")), "sub_e3", TODAY)
    with pytest.raises(NotFound):
        prepare_settlement(uow, Actor(OWNER, Tenant("T0WS00003", "E0OTHER01")), "sub_e3", TODAY)


def test_an_actor_keeps_its_workspace_when_a_job_carries_it_to_a_worker_process() -> None:
    carried = pickle.loads(pickle.dumps(IN_FABRIKAM))
    assert carried == OWNER and carried.tenant == FABRIKAM
