"""The Slack workspaces settlebot serves, and a Web API client for each (the seam between
one-token mode and installation mode)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from slack_sdk import WebClient

log = logging.getLogger(__name__)


class WorkspaceGone(Exception):
    """The app is not installed in that workspace (uninstalled, revoked, never installed)."""


@dataclass(frozen=True)
class Workspace:
    team_id: str | None  # None: an Enterprise Grid org-wide installation
    enterprise_id: str | None
    name: str


class SlackClients(Protocol):
    def client_for(self, team_id: str | None, enterprise_id: str | None = None) -> WebClient:
        """A Web API client with that workspace's bot token (refreshed if it rotates); raises
        WorkspaceGone if the app is not installed there (uninstalled, revoked, never installed)."""
        ...

    def workspaces(self) -> list[Workspace]:
        """The installed workspaces."""
        ...


class SingleWorkspace:
    """One-token mode: every team gets the configured client; the one workspace is the token's
    (``team_id`` from SLACK_TEAM_ID, or else from ``auth.test`` when first asked)."""

    def __init__(self, client: WebClient, team_id: str | None = None) -> None:
        self._client = client
        self._team_id = team_id
        self._name = team_id or ""

    def client_for(self, team_id: str | None, enterprise_id: str | None = None) -> WebClient:
        return self._client

    def workspaces(self) -> list[Workspace]:
        if self._team_id is None:
            answer = self._client.auth_test()
            self._team_id, self._name = str(answer["team_id"]), str(answer.get("team") or "")
        return [Workspace(self._team_id, None, self._name)]
