"""Repository contract, tenancy: an account's workspace round-trips, and a user's roles are read
only on the accounts of the workspace they act in (fake, SQLite, PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from domain.model import Account, Admin, Invoice, Role, Subscription
from domain.money import Money
from domain.ports import UnitOfWork
from domain.records import Claim
from domain.tenancy import UNASSIGNED, Tenant

ALICE = "U0ALICE01"  # the same user id in two workspaces: two different people


def _seed(uow: UnitOfWork) -> None:
    with uow:
        uow.accounts.save(Account("acc_a", "Acme", "USD", team_id="T0AAAA001"))
        uow.accounts.save(Account("acc_b", "Bolt", "EUR", team_id="T0BBBB002"))
        uow.accounts.save(Account("acc_org", "Grid", "USD", enterprise_id="E0GRID001"))
        uow.accounts.save(Account("acc_old", "Legacy", "USD"))
        for account_id, role in [("acc_a", Role.GLOBAL_ADMIN), ("acc_b", Role.BILLING_READER),
                                 ("acc_org", Role.BILLING_ADMIN), ("acc_old", Role.BILLING_ADMIN)]:
            uow.accounts.replace_admins(account_id, [Admin(account_id, ALICE, role)])
        uow.commit()


def test_an_accounts_workspace_and_org_roundtrip(uow: UnitOfWork) -> None:
    _seed(uow)
    with uow:
        assert uow.accounts.get("acc_a") == Account("acc_a", "Acme", "USD", team_id="T0AAAA001")
        assert uow.accounts.get("acc_org") == Account("acc_org", "Grid", "USD", enterprise_id="E0GRID001")
        assert uow.accounts.get("acc_old") == Account("acc_old", "Legacy", "USD", None, "en", None, None)


def test_roles_are_read_only_in_the_workspace_the_user_acts_in(uow: UnitOfWork) -> None:
    _seed(uow)
    with uow:
        assert uow.accounts.roles_of(ALICE, Tenant("T0AAAA001")) == {"acc_a": Role.GLOBAL_ADMIN}
        assert uow.accounts.roles_of(ALICE, Tenant("T0BBBB002")) == {"acc_b": Role.BILLING_READER}
        assert uow.accounts.roles_of(ALICE, Tenant("T0OTHER03")) == {}


def test_an_org_wide_account_belongs_to_every_workspace_request_of_its_org(uow: UnitOfWork) -> None:
    _seed(uow)
    with uow:
        assert uow.accounts.roles_of(ALICE, Tenant("T0GRIDWS1", "E0GRID001")) == {"acc_org": Role.BILLING_ADMIN}
        assert uow.accounts.roles_of(ALICE, Tenant(None, "E0GRID001")) == {"acc_org": Role.BILLING_ADMIN}
        assert uow.accounts.roles_of(ALICE, Tenant("T0AAAA001", "E0OTHER01")) == {"acc_a": Role.GLOBAL_ADMIN}


def test_accounts_of_no_workspace_belong_to_the_one_token_modes_workspace_only(uow: UnitOfWork) -> None:
    _seed(uow)
    with uow:
        assert uow.accounts.roles_of(ALICE, UNASSIGNED) == {"acc_old": Role.BILLING_ADMIN}
        single = Tenant("T0AAAA001", unassigned=True)
        assert uow.accounts.roles_of(ALICE, single) == {"acc_a": Role.GLOBAL_ADMIN, "acc_old": Role.BILLING_ADMIN}


def test_the_digest_threshold_counts_each_workspaces_alerts_in_a_channel_apart(uow: UnitOfWork) -> None:
    today = dt.date(2026, 11, 25)
    with uow:
        for team in ("T0AAAA001", "T0BBBB002"):
            uow.accounts.save(Account(f"acc_{team}", team, "USD", team_id=team))  # both in the default channel
            for i in range(3):
                sub = f"sub_{team}_{i}"
                uow.subscriptions.save(Subscription(sub, f"acc_{team}", "P", None))
                uow.invoices.save(Invoice(f"inv_{sub}", sub, Money(Decimal(5), "USD"), today - dt.timedelta(3)))
        uow.commit()
    now = dt.datetime(2026, 11, 25, 9, tzinfo=dt.UTC)
    with uow:
        uow.alerts.claim(Claim(today, now, "scan1", (1, 3, 7), 7, "C0BILLING", 4))
        uow.commit()
    with uow:
        taken = uow.alerts.take_claims(now)
        uow.commit()
    assert taken.alerts == 6 and taken.digests == {}  # 6 in C0BILLING, but 3 in each workspace's
