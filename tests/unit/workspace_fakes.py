"""A fake ``SlackClients``: one Web API client per workspace, and workspaces that are gone."""

from __future__ import annotations

from slack_sdk import WebClient

from handlers.workspaces import Workspace, WorkspaceGone


class FakeSlackClients:
    """``clients``: a client per team id (or Grid org id); a workspace in ``gone`` (or not
    listed) raises WorkspaceGone, as an uninstalled or never installed one does."""

    def __init__(self, clients: dict[str, WebClient]) -> None:
        self.clients = dict(clients)
        self.gone: set[str] = set()
        self.asked: list[str | None] = []

    def client_for(self, team_id: str | None, enterprise_id: str | None = None) -> WebClient:
        key = team_id or enterprise_id
        self.asked.append(key)
        if key is None or key in self.gone or key not in self.clients:
            raise WorkspaceGone(key or "no workspace")
        return self.clients[key]

    def workspaces(self) -> list[Workspace]:
        return [Workspace(key, None, key) for key in sorted(self.clients) if key not in self.gone]
