"""The Slack workspaces settlebot serves, and a Web API client for each.

The seam between tenancy and installation: everything that posts to a workspace asks
``SlackClients.client_for(team_id, enterprise_id)``. The one-token mode is ``SingleWorkspace``;
installation mode (OAuth) provides its own implementation of the same protocol.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)
# A delivery run keeps each workspace's client at most this long. Installation mode hands out
# only tokens more than two hours from expiry (it refreshes those due sooner first), so a client
# kept this long never carries an expired token.
RUN_CLIENT_SECONDS = 600.0


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


@runtime_checkable
class ListedClients(Protocol):
    def clients_by_workspace(self) -> dict[tuple[str | None, str | None], Callable[[], WebClient]]:
        """Each workspace's client by (team_id, enterprise_id), made when called, every workspace
        read at once; a workspace left out is asked of ``client_for``."""
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


class RunClients:
    """``SlackClients`` for one delivery run: each workspace's client is asked of ``clients``
    once (a lookup of its installation and a new client, in installation mode, where every
    workspace's installation is read in one query the first time one is asked: ``ListedClients``)
    and reused by the run's messages, for at most ``RUN_CLIENT_SECONDS``. Only the run sees it: a
    workspace removed meanwhile (by another process) is seen by the next run, and a token it kept
    works until Slack revokes it, when the notifier pauses the workspace as for any revoked token."""

    def __init__(self, clients: SlackClients, clock: Callable[[], float] = time.monotonic) -> None:
        self._clients, self._clock = clients, clock
        self._kept: dict[tuple[str | None, str | None], tuple[WebClient, float]] = {}
        self._listed: tuple[dict[tuple[str | None, str | None], Callable[[], WebClient]], float] | None = None
        self._lock = threading.Lock()

    def client_for(self, team_id: str | None, enterprise_id: str | None = None) -> WebClient:
        key, now = (team_id, enterprise_id), self._clock()
        with self._lock:
            kept = self._kept.get(key)
        if kept is not None and now - kept[1] < RUN_CLIENT_SECONDS:
            return kept[0]
        make = self._listed_now(now).get(key)
        # WorkspaceGone (client_for) is never kept
        client = make() if make is not None else self._clients.client_for(team_id, enterprise_id)
        with self._lock:
            self._kept[key] = (client, now)
        return client

    def _listed_now(self, now: float) -> dict[tuple[str | None, str | None], Callable[[], WebClient]]:
        """Every workspace's client maker, read at most every ``RUN_CLIENT_SECONDS`` (none unless
        ``clients`` lists them)."""
        if not isinstance(self._clients, ListedClients):
            return {}
        with self._lock:
            if self._listed is None or now - self._listed[1] >= RUN_CLIENT_SECONDS:
                self._listed = (self._clients.clients_by_workspace(), now)
            return self._listed[0]

    def workspaces(self) -> list[Workspace]:
        return self._clients.workspaces()
