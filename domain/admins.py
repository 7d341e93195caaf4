"""Who administers an account: settlebot's own roles, for any account (Stripe-linked or imported)."""

from __future__ import annotations

import re

from domain.errors import InvalidInput, NotFound
from domain.model import Admin, Role
from domain.ports import UnitOfWork

SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,20}")


def list_admins(uow: UnitOfWork, account_id: str) -> list[Admin]:
    """The account's admins by Slack user id. NotFound when there is no such account."""
    with uow:
        _account(uow, account_id)
        return uow.accounts.admins(account_id)


def add_admin(uow: UnitOfWork, account_id: str, slack_user_id: str, role: str) -> Admin:
    """Give a Slack user a role on the account (a user already there gets the new role)."""
    if not SLACK_USER.fullmatch(slack_user_id):
        raise InvalidInput("invalid_user", field="user", value=slack_user_id)
    try:
        admin = Admin(account_id, slack_user_id, Role(role))
    except ValueError:
        raise InvalidInput("invalid_role", field="role", value=role) from None
    with uow:
        _account(uow, account_id)
        others = [a for a in uow.accounts.admins(account_id) if a.slack_user_id != slack_user_id]
        uow.accounts.replace_admins(account_id, [*others, admin])
        uow.commit()
    return admin


def remove_admin(uow: UnitOfWork, account_id: str, slack_user_id: str) -> None:
    """Take the user's role away. NotFound when they have none on the account."""
    with uow:
        _account(uow, account_id)
        admins = uow.accounts.admins(account_id)
        if all(a.slack_user_id != slack_user_id for a in admins):
            raise NotFound("not_an_admin", user=slack_user_id)
        uow.accounts.replace_admins(account_id, [a for a in admins if a.slack_user_id != slack_user_id])
        uow.commit()


def _account(uow: UnitOfWork, account_id: str) -> None:
    if uow.accounts.get(account_id) is None:
        raise NotFound("no_such_account", account=account_id)
