"""What a token issued by "Add to Slack" may reach, as on Slack: its own workspace's people and
views (an org-wide token: every team of its Enterprise Grid org). A person of another workspace is
``user_not_found`` to it, even by email, and another workspace's view ``not_found``. The fake's own
token (the one-token mode) sees everyone, as before."""

from __future__ import annotations

from sandbox.errors import ApiError
from sandbox.oauth import Grant
from sandbox.params import Params, text_arg
from sandbox.state import Workspace


def teams_of(grant: Grant, teams: dict[str, object]) -> frozenset[str]:
    """The teams a grant's token speaks for (``teams``: the teams that may install the app)."""
    team = grant.team
    if not team.is_enterprise_install or team.enterprise_id is None:
        return frozenset({team.id})
    org = {t for t, found in teams.items() if getattr(found, "enterprise_id", None) == team.enterprise_id}
    return frozenset({team.id, *org})


def team_of_user(ws: Workspace, user_id: str) -> str:
    return ws.users.team_of(user_id) or ws.identity.team_id


def people_of(ws: Workspace, teams: frozenset[str] | None) -> list[str]:
    """The user ids a token of ``teams`` may find (None: everyone)."""
    return [u for u in ws.users.ids() if teams is None or team_of_user(ws, u) in teams]


def check(ws: Workspace, method: str, params: Params, teams: frozenset[str]) -> None:
    """Refuse what lies in another workspace, as Slack does."""
    if method in ("users.info", "views.publish"):
        user = text_arg(params, "user" if method == "users.info" else "user_id")
        if user and ws.users.get(user) is not None and team_of_user(ws, user) not in teams:
            raise ApiError("user_not_found")
    if method in ("views.update", "views.push"):
        view_id = text_arg(params, "view_id")
        view = ws.views.get(view_id) if view_id else None
        if view is not None and view.get("team_id") not in teams:
            raise ApiError("not_found")
