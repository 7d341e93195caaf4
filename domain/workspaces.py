"""The workspaces settlebot knows of, and an operator's removal of an uninstalled one's billing data.

A workspace is known from its installation (installation mode) or from the accounts linked to it
(``accounts.team_id``/``enterprise_id``). Uninstalling keeps its billing data; ``remove_workspace``
deletes it, only once the app is no longer installed there, and never the money trail: settlement
attempts and payments are kept whole (the processor's records, disputes and accounting need them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

from domain.errors import DomainError
from domain.tenancy import ENTERPRISE, TEAM


@dataclass(frozen=True, slots=True)
class Installed:
    """One workspace's (or, ``team_id`` None, one Grid org's) current installation of the app."""

    team_id: str | None
    enterprise_id: str | None
    name: str
    scopes: tuple[str, ...]
    installed_at: dt.datetime | None
    token_expires_at: dt.datetime | None  # rotating tokens only

    def serves(self, workspace_id: str, enterprise_id: str | None = None) -> bool:
        """Whether requests of ``workspace_id`` (a team, of org ``enterprise_id``, or an org) reach the app."""
        if self.team_id is not None:
            return self.team_id == workspace_id
        return self.enterprise_id is not None and self.enterprise_id in (workspace_id, enterprise_id)


@dataclass(frozen=True, slots=True)
class Footprint:
    """The billing data linked to one workspace (or org): its accounts, their past-due subscriptions."""

    team_id: str | None
    enterprise_id: str | None
    accounts: int
    past_due: int


@dataclass(frozen=True, slots=True)
class WorkspaceLine:
    """What ``settlebot workspaces list`` shows of one workspace."""

    workspace_id: str | None  # None: the accounts linked to no workspace
    enterprise_id: str | None
    installed: Installed | None
    accounts: int = 0
    past_due: int = 0

    @property
    def status(self) -> str:
        if self.installed is not None:
            return "installed"
        if self.workspace_id is None:
            return "unassigned"
        return "uninstalled, data kept"


@dataclass(frozen=True, slots=True)
class Removal:
    """Rows deleted per table, and the money trail's rows kept (detached from any account)."""

    removed: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)


class WorkspaceData(Protocol):
    def footprints(self, today: dt.date) -> list[Footprint]:
        """Accounts and past-due subscriptions (an open invoice due before ``today``) per workspace."""
        ...

    def remove(self, workspace_id: str) -> Removal:
        """In one transaction: every account of the workspace (a team's, or an org's linked to no
        team) and what hangs on it; settlement attempts and payments stay. Raises DomainError
        ``settlements_pending`` (nothing removed) while one of its settlements is pending."""
        ...


def list_workspaces(installed: list[Installed], data: WorkspaceData, today: dt.date) -> list[WorkspaceLine]:
    """Every workspace installed or holding accounts, installed ones and uninstalled ones alike."""
    lines = {_key(i.team_id, i.enterprise_id): WorkspaceLine(i.team_id or i.enterprise_id, i.enterprise_id, i)
             for i in installed}  # fmt: skip
    for f in data.footprints(today):
        key = _key(f.team_id, f.enterprise_id)
        known = lines.get(key) or WorkspaceLine(f.team_id or f.enterprise_id, f.enterprise_id,
                                                 _serving(installed, f.team_id, f.enterprise_id))  # fmt: skip
        lines[key] = WorkspaceLine(known.workspace_id, known.enterprise_id, known.installed,
                                   known.accounts + f.accounts, known.past_due + f.past_due)  # fmt: skip
    return sorted(lines.values(), key=lambda w: (w.workspace_id is None, w.workspace_id or ""))


def remove_workspace(workspace_id: str, installed: list[Installed], data: WorkspaceData, today: dt.date) -> Removal:
    """Remove an uninstalled workspace's billing data; refused while the app is installed there."""
    if not (TEAM.fullmatch(workspace_id) or ENTERPRISE.fullmatch(workspace_id)):
        raise DomainError("invalid_workspace", workspace=workspace_id)
    for line in list_workspaces(installed, data, today):
        if line.workspace_id == workspace_id and line.installed is not None:
            raise DomainError("still_installed", workspace=workspace_id)
    removal = data.remove(workspace_id)
    if not removal.removed.get("accounts"):
        raise DomainError("no_such_workspace", workspace=workspace_id)
    return removal


def _key(team_id: str | None, enterprise_id: str | None) -> tuple[str | None, str | None]:
    return (team_id, None) if team_id is not None else (None, enterprise_id)


def _serving(installed: list[Installed], team_id: str | None, enterprise_id: str | None) -> Installed | None:
    """The installation that serves accounts of (team, org): the team's own, or its org's org-wide one."""
    workspace = team_id or enterprise_id
    return next((i for i in installed if workspace and i.serves(workspace, enterprise_id)), None)
