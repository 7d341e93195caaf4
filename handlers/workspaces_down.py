"""Workspaces the notifier cannot post to right now, so that one workspace's revoked token or
outage never delays the others': their messages fail at once for a while, and are set aside."""

from __future__ import annotations

import threading
import time

from domain.model import Account
from domain.ports import DeliveryFailed

Workspace = tuple[str | None, str | None]  # (team_id, enterprise_id)

WORKSPACE_PAUSE = 60.0  # seconds a workspace that failed as a whole is skipped
# Slack's answers that concern the whole workspace's token, not one message.
WORKSPACE_ERRORS = frozenset({
    "invalid_auth", "account_inactive", "token_revoked", "token_expired", "not_authed",
    "team_access_not_granted", "team_disabled", "org_login_required", "ekm_access_denied",
})  # fmt: skip


def workspace_of(account: Account) -> Workspace:
    return account.team_id, account.enterprise_id


class WorkspacesDown:
    """Each workspace that failed as a whole, until when it is skipped."""

    def __init__(self, pause: float = WORKSPACE_PAUSE) -> None:
        self._pause = pause
        self._until: dict[Workspace, float] = {}
        self._lock = threading.Lock()

    def mark(self, workspace: Workspace) -> None:
        with self._lock:
            self._until[workspace] = time.monotonic() + self._pause

    def check(self, workspace: Workspace, channel: object) -> None:
        """DeliveryFailed while ``workspace`` is skipped."""
        with self._lock:
            until = self._until.get(workspace)
            if until is not None and until <= time.monotonic():
                del self._until[workspace]
                until = None
        if until is not None:
            raise DeliveryFailed(f"post to {channel}: workspace {workspace[0] or workspace[1] or '-'} unavailable")
