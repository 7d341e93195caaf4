"""Slack payloads parsed into typed objects, in one place, before any listener uses them.

Everything that arrives from Slack is untrusted: a missing or odd field raises
``InvalidInput("bad_request")`` before the ack, which the error handler answers with a 400.
The same parsing serves HTTP and Socket Mode, so it does not rely on ``bot.envelope``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from slack_bolt.request.internals import extract_enterprise_id, extract_team_id

from domain.errors import InvalidInput
from domain.tenancy import Actor, Tenant

_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")  # our own ids, as carried by button values
_USER = re.compile(r"[UW][A-Z0-9]{2,20}")
_WORKSPACE = re.compile(r"[TE][A-Z0-9]{2,20}")  # a team id (T...) or an Enterprise Grid org id (E...)
_CHANNEL = re.compile(r"[CGD][A-Z0-9]{2,20}")
_SLACK_TOKEN = re.compile(r"[A-Za-z0-9_.:-]{1,255}")  # trigger ids, view ids
_URL = re.compile(r"https?://[A-Za-z0-9.:-]{1,100}/[A-Za-z0-9/_.-]{1,300}")  # a command's response_url
MAX_COMMAND_TEXT = 200


@dataclass(frozen=True, slots=True)
class Click:
    """A button clicked in a message or a view."""

    user_id: str
    trigger_id: str
    value: str
    channel_id: str | None
    view_id: str | None
    private_metadata: str | None


@dataclass(frozen=True, slots=True)
class SubmittedView:
    user_id: str
    view_id: str
    private_metadata: str | None
    values: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Command:
    user_id: str
    text: str
    trigger_id: str
    channel_id: str | None
    response_url: str | None


def _field(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, dict) else None


def _match(pattern: re.Pattern[str], value: Any) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise InvalidInput("bad_request")
    return value


def _optional(pattern: re.Pattern[str], value: Any) -> str | None:
    return value if isinstance(value, str) and pattern.fullmatch(value) else None


def _metadata(view: Any) -> str | None:
    text = _field(view, "private_metadata")
    return text if isinstance(text, str) else None


def tenant(body: dict[str, Any], *, unassigned: bool) -> Tenant:
    """The workspace (and Grid org) the request came from, as Bolt reads it (``view.app_installed_team_id``,
    ``team.id``, ``authorizations``, ``team_id``, ``user.team_id``...). ``unassigned``: the one-token mode."""
    team, org = extract_team_id(body), extract_enterprise_id(body)
    return Tenant(_optional(_WORKSPACE, team), _optional(_WORKSPACE, org), unassigned=unassigned)


def actor(body: dict[str, Any], user_id: Any, *, unassigned: bool) -> Actor:
    """The user who acted, as a user of the workspace the request came from."""
    return Actor(_match(_USER, user_id), tenant(body, unassigned=unassigned))


def click(body: dict[str, Any], *, unassigned: bool = True) -> Click:
    """The first action of a ``block_actions`` payload; its value must look like one of our ids."""
    actions = _field(body, "actions")
    action = actions[0] if isinstance(actions, list) and actions else None
    view = _field(body, "view")
    channel = _field(_field(body, "channel"), "id") or _field(_field(body, "container"), "channel_id")
    return Click(
        user_id=actor(body, _field(_field(body, "user"), "id"), unassigned=unassigned),
        trigger_id=_match(_SLACK_TOKEN, _field(body, "trigger_id")),
        value=_match(_ID, _field(action, "value")),
        channel_id=_optional(_CHANNEL, channel),
        view_id=_optional(_SLACK_TOKEN, _field(view, "id")),
        private_metadata=_metadata(view),
    )  # fmt: skip


def submitted_view(body: dict[str, Any], *, unassigned: bool = True) -> SubmittedView:
    """A submitted modal; ``view.state`` may come without ``values`` (``{}``: no inputs filled)."""
    view = _field(body, "view")
    state = _field(view, "state")
    values = _field(state, "values") if isinstance(state, dict) and "values" in state else {}
    if not isinstance(values, dict):
        raise InvalidInput("bad_request")
    return SubmittedView(
        user_id=actor(body, _field(_field(body, "user"), "id"), unassigned=unassigned),
        view_id=_match(_SLACK_TOKEN, _field(view, "id")),
        private_metadata=_metadata(view),
        values=values,
    )  # fmt: skip


def command(body: dict[str, Any], *, unassigned: bool = True) -> Command:
    """A slash command; its text is cut to 200 characters and stripped of control characters."""
    return Command(
        user_id=actor(body, _field(body, "user_id"), unassigned=unassigned),
        text=clean_text(_field(body, "text"))[:MAX_COMMAND_TEXT].strip(),
        trigger_id=_match(_SLACK_TOKEN, _field(body, "trigger_id")),
        channel_id=_optional(_CHANNEL, _field(body, "channel_id")),
        response_url=_optional(_URL, _field(body, "response_url")),
    )  # fmt: skip


def clean_text(value: Any) -> str:
    """Text as typed, without control, format or surrogate characters; other spaces become spaces."""
    if not isinstance(value, str):
        return ""
    kept = []
    for char in value[: MAX_COMMAND_TEXT * 4]:
        category = unicodedata.category(char)
        if category[0] == "Z" or char in "\t\n\r":
            kept.append(" ")
        elif category not in ("Cc", "Cf", "Cs", "Co", "Cn"):
            kept.append(char)
    return "".join(kept)
