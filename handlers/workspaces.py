"""The Slack workspaces settlebot serves, and a Web API client for each.

The seam between tenancy and installation: everything that posts to a workspace asks
``SlackClients.client_for(team_id, enterprise_id)``. The one-token mode is ``SingleWorkspace``;
installation mode (OAuth) provides its own implementation of the same protocol.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)


class WorkspaceGone(Exception):
    """The app is not installed in that workspace (uninstalled, revoked, never installed)."""


@dataclass(frozen=True)
class Workspace:
    team_id: str | None
    enterprise_id: str | None
    name: str


class SlackClients(Protocol):
    def client_for(self, team_id: str | None, enterprise_id: str | None = None) -> WebClient:
        """A Web API client with that workspace's bot token (refreshed if it rotates); raises
        WorkspaceGone if the app is not installed there (uninstalled, revoked, never installed)."""
        ...

    def workspaces(self) -> list[Workspace]:
        """The installed workspaces: team_id, enterprise_id, name."""
        ...


class SingleWorkspace:
    """The one-token mode: every team gets the configured client; one workspace, whose team id
    is SLACK_TEAM_ID or, when that is not set, what ``auth.test`` answers (asked once, lazily)."""

    def __init__(self, client: WebClient, team_id: str | None = None) -> None:
        self.client = client
        self._team_id = team_id
        self._name = ""

    def client_for(self, team_id: str | None, enterprise_id: str | None = None) -> WebClient:
        return self.client

    def workspaces(self) -> list[Workspace]:
        if self._team_id is None:
            self._identify()
        return [Workspace(self._team_id, None, self._name)]

    def _identify(self) -> None:
        try:
            answer = self.client.auth_test()
        except (SlackApiError, OSError) as exc:
            log.warning("auth.test failed (%s): the workspace's team id stays unknown", type(exc).__name__)
            return
        team, name = answer.get("team_id"), answer.get("team")
        self._team_id = team if isinstance(team, str) else None
        self._name = name if isinstance(name, str) else ""
