"""Who owns a card from the billing system: its metadata ``settlebot_owner``; else the Slack user
whose email is the card's billing email, in the workspace of the card's account (and only there);
else nobody (then everyone who may settle may pick the card or add one, and nobody changes its
expiry from Slack).

People are looked up before the transaction that writes the cards, never while it holds locks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Protocol

from domain.billing import Change, RemoteCard, Snapshot
from domain.billing_mirror import SLACK_USER
from domain.ports import UnitOfWork
from domain.tenancy import UNASSIGNED, Tenant

Tenants = Mapping[str, Tenant]  # each customer's (account's) workspace, by customer id


class PeopleUnavailable(Exception):
    """The directory could not answer now (network, missing permission, no such workspace)."""


class People(Protocol):
    """Each workspace's people (Slack's ``users.lookupByEmail``, with that workspace's token)."""

    def user_by_email(self, email: str, tenant: Tenant) -> str | None:
        """The Slack user id of ``email`` in ``tenant``'s workspace, None when nobody there has it.
        Raises PeopleUnavailable."""
        ...


def with_owner(card: RemoteCard, people: People | None, tenant: Tenant) -> RemoteCard:
    """The card with its owner as the rule says (metadata, else email in ``tenant``, else nobody)."""
    if card.owner and SLACK_USER.fullmatch(card.owner):
        return card
    if not card.email:
        return replace(card, owner=None)
    if people is None:  # e.g. a command line run without a Slack token: cannot ask
        return replace(card, owner=None, owner_known=False)
    try:
        return replace(card, owner=people.user_by_email(card.email, tenant))
    except PeopleUnavailable:
        return replace(card, owner=None, owner_known=False)


def _owned(card: RemoteCard, people: People | None, tenants: Tenants) -> RemoteCard:
    return with_owner(card, people, tenants.get(card.customer or "", UNASSIGNED))


def owners_of(changes: Iterable[Change], people: People | None, tenants: Tenants) -> list[Change]:
    return [_owned(c, people, tenants) if isinstance(c, RemoteCard) else c for c in changes]


def with_owners(uow: UnitOfWork, changes: Sequence[Change], people: People | None) -> list[Change]:
    """``changes`` with each card's owner, looked up in the workspace of the card's account."""
    return owners_of(changes, people, tenants_of(uow, changes) if people is not None else {})


def snapshot_owners(uow: UnitOfWork, snapshot: Snapshot, people: People | None) -> Snapshot:
    cards = [c for c in with_owners(uow, snapshot.cards, people) if isinstance(c, RemoteCard)]
    return Snapshot(cards, snapshot.subscriptions, snapshot.invoices)


def tenants_of(uow: UnitOfWork, changes: Iterable[Change]) -> dict[str, Tenant]:
    """The workspace of each card's customer among ``changes`` that may need its owner looked up
    (its account's ``team_id``/``enterprise_id``; a customer with no account, or an account linked
    to no workspace: ``UNASSIGNED``). Reads in a transaction of its own, closed before any lookup."""
    customers = {c.customer for c in changes if isinstance(c, RemoteCard) and c.customer and c.email
                 and not (c.owner and SLACK_USER.fullmatch(c.owner))}  # fmt: skip
    if not customers:
        return {}
    with uow:
        accounts = uow.accounts.get_many(customers)
    return {cid: account_tenant(a.team_id, a.enterprise_id) for cid, a in accounts.items()}


def account_tenant(team_id: str | None, enterprise_id: str | None) -> Tenant:
    """The workspace an account belongs to (``UNASSIGNED`` when linked to none)."""
    return UNASSIGNED if team_id is None and enterprise_id is None else Tenant(team_id, enterprise_id)
