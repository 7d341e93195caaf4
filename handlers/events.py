"""Events: the Home tab is (re)published whenever a user opens it."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from handlers.context import Deps
from handlers.home_flow import publish_home
from handlers.work import SOON, job, task


def register(app: App, deps: Deps) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any]) -> None:
        if event.get("tab", "home") == "home":
            deps.jobs.submit(job(home, str(event["user"]), priority=SOON))


@task
def home(deps: Deps, user_id: str) -> None:
    publish_home(deps, user_id)
