"""Events: the Home tab is (re)published whenever a user opens it; an uninstall or a revoked
bot token ends that workspace's installation (installation mode: deleted at once, other
workspaces untouched; one-token mode: recorded, nothing is posted until the token works again);
a notice that Slack rate-limits the app's events is logged and acknowledged."""

from __future__ import annotations

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
    """Done before the ack, so that a lost job cannot lose it. An org-wide installation's
    events name its Enterprise Grid org (``is_enterprise_install``): the org's installation goes."""
    team, enterprise = _text(body.get("team_id")), _text(body.get("enterprise_id"))
    authorizations = body.get("authorizations")
    first = authorizations[0] if isinstance(authorizations, list) and authorizations else {}
    if isinstance(first, dict) and first.get("is_enterprise_install") is True and enterprise:
        team = None
    deps.services.installation_gone(team, enterprise, reason)
    log.warning("%s for team %s (enterprise %s): nothing is posted there any more", reason, team, enterprise)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


@task
def home(deps: Deps, user_id: str) -> None:
    publish_home(deps, user_id)
