"""settlebot admins add|remove|list: roles on any account, through the use cases."""

from __future__ import annotations

import pytest

from domain.admins import add_admin, list_admins, remove_admin
from domain.errors import InvalidInput, NotFound
from domain.model import Account, Admin, Role
from tests.fakes import FakeUnitOfWork


@pytest.fixture
def uow() -> FakeUnitOfWork:
    fake = FakeUnitOfWork()
    with fake:
        fake.accounts.save(Account("cus_A", "Acme", "USD"))
        fake.commit()
    return fake


def test_adding_again_changes_the_role_and_removing_takes_it_away(uow: FakeUnitOfWork) -> None:
    add_admin(uow, "cus_A", "U0ANA", "billing_reader")
    add_admin(uow, "cus_A", "U0BOB", "global_admin")
    add_admin(uow, "cus_A", "U0ANA", "billing_admin")

    assert sorted(list_admins(uow, "cus_A"), key=lambda a: a.slack_user_id) == [
        Admin("cus_A", "U0ANA", Role.BILLING_ADMIN), Admin("cus_A", "U0BOB", Role.GLOBAL_ADMIN)]  # fmt: skip

    remove_admin(uow, "cus_A", "U0ANA")
    assert [a.slack_user_id for a in list_admins(uow, "cus_A")] == ["U0BOB"]


@pytest.mark.parametrize(
    ("account", "user", "role", "error"),
    [
        ("cus_NONE", "U0ANA", "billing_admin", NotFound),
        ("cus_A", "ana", "billing_admin", InvalidInput),
        ("cus_A", "U0ANA", "owner", InvalidInput),
    ],
)
def test_unknown_accounts_malformed_users_and_unknown_roles_are_refused(
    uow: FakeUnitOfWork, account: str, user: str, role: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        add_admin(uow, account, user, role)
    assert uow.committed.admins == {}


def test_removing_someone_without_a_role_is_refused(uow: FakeUnitOfWork) -> None:
    with pytest.raises(NotFound):
        remove_admin(uow, "cus_A", "U0NOBODY")
