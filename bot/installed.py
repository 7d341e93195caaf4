"""Installation mode: the workspaces that installed the app through "Add to Slack", each with
its own bot token (refreshed before it expires), and Bolt's authorization from them."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError, SlackTokenRotationError
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import Engine, and_, select

from handlers.workspaces import Workspace, WorkspaceGone
from installations.stores import SingleUseStateStore, installation_store
from installations.tokens import BotTokens, expiring
from storage.slack_tables import BOTS

log = logging.getLogger(__name__)
CACHE_SECONDS = 30.0  # a request's authorization reuses a workspace's lookup this long
# What oauth.v2.access answers to a refresh token of an installation that is gone.
GONE_ERRORS = frozenset({"invalid_refresh_token", "token_revoked", "account_inactive", "invalid_auth"})


class InstalledWorkspaces:
    """``SlackClients`` in installation mode; ``client`` makes a Web API client for a token."""

    def __init__(
        self, client_id: str, client_secret: str, engine: Engine, client: Callable[[str | None], WebClient]
    ) -> None:
        self.store = installation_store(client_id, engine)
        self.state_store = SingleUseStateStore(engine)
        self._engine, self._client = engine, client
        rotator = TokenRotator(client_id=client_id, client_secret=client_secret, client=client(None))
        self._tokens = BotTokens(self.store, rotator, engine)
        self.changed: list[Callable[[str | None, str | None], None]] = []  # told of installs and removals

    def client_for(self, team_id: str | None, enterprise_id: str | None = None) -> WebClient:
        return self._client(self.bot(team_id, enterprise_id).bot_token)

    def clients_by_workspace(self) -> dict[tuple[str | None, str | None], Callable[[], WebClient]]:
        """Each installed workspace's client (made when called), from its bot token as ``bot``
        finds it, every workspace read in one query; those whose token is due for a refresh are
        left out (``client_for`` refreshes them), as are teams served by their org's install
        (``client_for`` finds it)."""
        return {
            key: partial(self._client, found.bot_token)
            for key, found in self._tokens.latest().items()
            if found.bot_token and not expiring(found)
        }

    def bot(self, team_id: str | None, enterprise_id: str | None = None) -> Bot:
        """The workspace's current bot installation (its token refreshed if it expires soon)."""
        where = f"team {team_id}, enterprise {enterprise_id}"
        try:
            found = self._tokens.bot(team_id, enterprise_id)
        except SlackTokenRotationError as exc:
            error = exc.api_error.response.get("error")
            if error not in GONE_ERRORS:
                raise
            # Kept (not deleted): Slack's tokens_revoked/app_uninstalled events delete it; a reinstall replaces it.
            log.warning("Slack refused to refresh the bot token of %s (%s): treated as not installed", where, error)
            raise WorkspaceGone(where) from exc
        if found is None or not found.bot_token:
            raise WorkspaceGone(where)
        return found

    def workspaces(self) -> list[Workspace]:
        column = BOTS.c
        query = (
            select(column.team_id, column.enterprise_id, column.team_name, column.enterprise_name)
            .where(and_(column.client_id == self.store.client_id, column.bot_token.is_not(None)))
            .distinct()
        )
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        found = {(r.team_id, r.enterprise_id): Workspace(r.team_id, r.enterprise_id, _name(r)) for r in rows}
        return sorted(found.values(), key=lambda w: (w.enterprise_id or "", w.team_id or ""))

    def refresh_all(self) -> int:
        """Refresh every installation's bot token that expires within two hours (the scheduler's
        job, so a workspace that sends no request keeps a current token); how many were checked.
        One workspace's failure never stops the others'."""
        checked = 0
        for workspace in self.workspaces():
            try:
                self.bot(workspace.team_id, workspace.enterprise_id)
                checked += 1
            except (WorkspaceGone, SlackApiError, SlackClientError, OSError) as exc:
                log.warning("token refresh of team %s (enterprise %s) failed (%s); tried again next time",
                            workspace.team_id, workspace.enterprise_id, type(exc).__name__)  # fmt: skip
        return checked

    def tell(self, team_id: str | None, enterprise_id: str | None) -> None:
        """A workspace was installed or removed in this process: whoever keeps its token forgets it."""
        for observer in self.changed:
            observer(team_id, enterprise_id)

    def forget(self, team_id: str | None, enterprise_id: str | None, reason: str) -> None:
        """Slack said the app is gone from the workspace (or org): its installations and bot
        tokens are deleted at once; other workspaces' are untouched. Installing again resumes."""
        self.store.delete_bot(enterprise_id=enterprise_id, team_id=team_id)
        self.store.delete_installation(enterprise_id=enterprise_id, team_id=team_id)
        self.tell(team_id, enterprise_id)
        log.warning("%s: the installation of team %s (enterprise %s) is deleted; nothing is posted there",
                    reason, team_id, enterprise_id)  # fmt: skip


def _name(row: Any) -> str:
    return str(row.team_name or row.enterprise_name or "")


class InstalledAuthorize(Authorize):
    """Bolt's authorization of a request: the bot token of the workspace it came from. Kept for
    ``CACHE_SECONDS`` per workspace (a lookup costs the ack path about 0.8 ms on SQLite), never
    past the point where the token is due for a refresh."""

    def __init__(self, workspaces: InstalledWorkspaces, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._workspaces, self._clock = workspaces, clock
        self._cache: dict[tuple[str | None, str | None], tuple[Bot, float]] = {}
        self._lock = threading.Lock()
        workspaces.changed.append(self.drop)

    def drop(self, team_id: str | None, enterprise_id: str | None) -> None:
        """Forget what is kept for a workspace, and for every team of its org."""
        with self._lock:
            for team, enterprise in list(self._cache):
                if (team_id and team == team_id) or (enterprise_id and enterprise == enterprise_id):
                    del self._cache[(team, enterprise)]

    def __call__(self, *, context: Any, enterprise_id: str | None, team_id: str | None, user_id: str | None,
                 **_actor: Any) -> AuthorizeResult | None:  # fmt: skip
        try:
            found = self._bot(team_id, enterprise_id)
        except WorkspaceGone:
            log.warning("a request from team %s (enterprise %s), where the app is not installed",
                        team_id, enterprise_id)  # fmt: skip
            return None
        return AuthorizeResult(
            enterprise_id=found.enterprise_id, team_id=found.team_id, bot_user_id=found.bot_user_id,
            bot_id=found.bot_id, bot_token=found.bot_token, bot_scopes=found.bot_scopes, user_id=user_id,
        )  # fmt: skip

    def _bot(self, team_id: str | None, enterprise_id: str | None) -> Bot:
        key, now = (team_id, enterprise_id), self._clock()
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None and now - cached[1] < CACHE_SECONDS and not expiring(cached[0]):
            return cached[0]
        found = self._workspaces.bot(team_id, enterprise_id)
        with self._lock:
            self._cache[key] = (found, now)
        return found
