"""Tenancy: every account belongs to one Slack workspace (or one Enterprise Grid org), and a
request sees only the accounts of the workspace it came from.

A Slack user id is unique only within its workspace, so whoever acts is an ``Actor``: the user
id *and* the workspace it acted in. ``Actor`` is a ``str`` (the user id) so that it is stored,
compared and shown as the user id; its ``tenant`` is what the access checks scope by. A plain
``str`` actor (the command line, one-token mode's internal jobs) acts in ``UNASSIGNED``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

TEAM = re.compile(r"T[A-Z0-9]{2,20}")  # a Slack workspace's id
ENTERPRISE = re.compile(r"E[A-Z0-9]{2,20}")  # an Enterprise Grid org's id


@dataclass(frozen=True, slots=True)
class Tenant:
    """The workspace a request came from: Slack's ``team.id`` and ``enterprise.id``.

    ``unassigned``: the accounts linked to no workspace (``team_id`` and ``enterprise_id``
    NULL: data from before tenancy, or the one-token mode's) are this tenant's too. True in
    the one-token mode, where there is one workspace; False when installed in many.
    """

    team_id: str | None
    enterprise_id: str | None = None
    unassigned: bool = False

    def owns(self, team_id: str | None, enterprise_id: str | None) -> bool:
        """Whether an account linked to (team_id, enterprise_id) belongs to this tenant."""
        if team_id is not None:
            return team_id == self.team_id
        if enterprise_id is not None:  # an account of a whole Enterprise Grid org
            return enterprise_id == self.enterprise_id
        return self.unassigned


UNASSIGNED = Tenant(None, None, unassigned=True)  # the one workspace of the one-token mode


class Actor(str):
    """A Slack user id, as the user who acted in ``tenant``."""

    tenant: Tenant

    def __new__(cls, user_id: str, tenant: Tenant = UNASSIGNED) -> Actor:
        actor = super().__new__(cls, user_id)
        actor.tenant = tenant
        return actor

    def __reduce__(self) -> tuple[Any, ...]:  # jobs carry actors to worker processes
        return (Actor, (str(self), self.tenant))


def tenant_of(actor: str) -> Tenant:
    """The workspace ``actor`` acts in (``UNASSIGNED`` for a plain user id)."""
    return actor.tenant if isinstance(actor, Actor) else UNASSIGNED
