"""Who owns a card from the billing system: its metadata ``settlebot_owner``; else the Slack user
whose email is the card's billing email; else nobody (then everyone who may settle may pick the
card or add one, and nobody changes its expiry from Slack).

People are looked up before the transaction that writes the cards, never while it holds locks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Protocol

from domain.billing import Change, RemoteCard, Snapshot
from domain.billing_mirror import SLACK_USER


class PeopleUnavailable(Exception):
    """The directory could not answer now (network, missing permission): nothing is known."""


class People(Protocol):
    """The workspace's people (Slack's ``users.lookupByEmail``)."""

    def user_by_email(self, email: str) -> str | None:
        """The Slack user id of ``email``, None when nobody has it. Raises PeopleUnavailable."""
        ...


def with_owner(card: RemoteCard, people: People | None) -> RemoteCard:
    """The card with its owner as the rule says (metadata, else email, else nobody)."""
    if card.owner and SLACK_USER.fullmatch(card.owner):
        return card
    if not card.email:
        return replace(card, owner=None)
    if people is None:  # e.g. a command line run without a Slack token: cannot ask
        return replace(card, owner=None, owner_known=False)
    try:
        return replace(card, owner=people.user_by_email(card.email))
    except PeopleUnavailable:
        return replace(card, owner=None, owner_known=False)


def owners_of(changes: Iterable[Change], people: People | None) -> list[Change]:
    return [with_owner(c, people) if isinstance(c, RemoteCard) else c for c in changes]


def snapshot_owners(snapshot: Snapshot, people: People | None) -> Snapshot:
    cards = [with_owner(c, people) for c in snapshot.cards]
    return Snapshot(cards, snapshot.subscriptions, snapshot.invoices)
