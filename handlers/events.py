"""Events: the Home tab is (re)published whenever a user opens it; an uninstall or a revoked
bot token is recorded (nothing is posted to the workspace until the token works again); a
notice that Slack rate-limits the app's events is logged and acknowledged."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse

from handlers import payloads
from handlers.context import Deps
from handlers.home_flow import publish_home
from handlers.work import SOON, job, task

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    app.middleware(rate_limited_notice)

    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("tab", "home") == "home":
            user = payloads.actor(body, event.get("user"), unassigned=deps.services.single_workspace)
            deps.jobs.submit(job(home, user, priority=SOON))

    @app.event("app_uninstalled")
    def uninstalled(body: dict[str, Any]) -> None:
        _installation_gone(deps, body, "app_uninstalled")

    @app.event("tokens_revoked")
    def tokens_revoked(event: dict[str, Any], body: dict[str, Any]) -> None:
        tokens = event.get("tokens")
        if isinstance(tokens, dict) and tokens.get("bot"):
            _installation_gone(deps, body, "tokens_revoked")
        else:  # user tokens only: the app uses none
            log.info("tokens_revoked: no bot token among them; nothing to do")


def rate_limited_notice(body: dict[str, Any], next: Callable[[], BoltResponse]) -> BoltResponse:
    """``app_rate_limited`` comes outside ``event_callback``: no listener kind matches it."""
    if body.get("type") != "app_rate_limited":
        return next()
    minute = body.get("minute_rate_limited")
    log.warning("Slack rate-limited the app's events (minute %s): events of that minute were not sent",
                minute if isinstance(minute, int) else "?")  # fmt: skip
    return BoltResponse(status=200, body="")


def _installation_gone(deps: Deps, body: dict[str, Any], reason: str) -> None:
    """Recorded before the ack (one row, once per uninstall), so that a lost job cannot lose it."""
    team = body.get("team_id") if isinstance(body.get("team_id"), str) else ""
    deps.services.installation.mark_gone(team or "", reason, dt.datetime.now(dt.UTC))
    log.warning("%s for this workspace: nothing is posted there until auth.test succeeds at a start-up", reason)


@task
def home(deps: Deps, user_id: str) -> None:
    publish_home(deps, user_id)
