"""Requests as Slack sends them to the app: slash commands, interactions, Events API events.

Each builder returns a `Payload` (the data and how Slack encodes it) for `SlackRequester.send`.
The shapes follow Slack's deliveries field for field, in particular where Bolt looks:
`body["type"]`, `body["actions"][0]["action_id"]`, `body["view"]["callback_id"]`,
`body["event"]["type"]`, `body["user"]["id"]`, `body["team"]["id"]`.

About `locale`: Slack puts `user.locale` in interaction payloads only for some apps, and never
in slash commands or events, so apps should ask `users.info(include_locale=True)`. The
interaction builders add it only when `locale` is passed.
"""

from __future__ import annotations

import copy
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode

from sandbox.ids import Identity
from sandbox.inputs import STATE_KEYS, find_element, state_value

Encoding = Literal["form", "interactive", "json"]
DEFAULT = Identity()
VERIFICATION_TOKEN = "sandboxVerificationTokn"
_CONTENT_TYPES = {
    "form": "application/x-www-form-urlencoded",
    "interactive": "application/x-www-form-urlencoded",
    "json": "application/json",
}


@dataclass(frozen=True)
class Payload:
    """What Slack posts: `data`, encoded as a form (slash commands), as a form with one
    `payload` field of JSON (interactions), or as JSON (Events API)."""

    data: dict[str, Any]
    encoding: Encoding

    @property
    def content_type(self) -> str:
        return _CONTENT_TYPES[self.encoding]

    def body(self) -> bytes:
        if self.encoding == "form":
            return urlencode(self.data).encode()
        if self.encoding == "interactive":
            return urlencode({"payload": json.dumps(self.data)}).encode()
        return json.dumps(self.data).encode()


def _ts(now: float | None) -> str:
    return f"{time.time() if now is None else now:.6f}"


def _user(user_id: str, team_id: str, user_name: str | None, locale: str | None) -> dict[str, Any]:
    name = user_name or user_id.lower()
    user = {"id": user_id, "username": name, "name": name, "team_id": team_id}
    return user if locale is None else {**user, "locale": locale}


def _base(kind: str, user: dict[str, Any], app_id: str) -> dict[str, Any]:
    return {"type": kind, "user": user, "api_app_id": app_id, "token": VERIFICATION_TOKEN}


def _team(team_id: str) -> dict[str, str]:
    domain = DEFAULT.team_domain if team_id == DEFAULT.team_id else team_id.lower()
    return {"id": team_id, "domain": domain}


def fake_response_url(kind: str, team_id: str = DEFAULT.team_id) -> str:
    """A made-up response_url of the shape Slack sends ("commands" or "actions")."""
    return f"https://hooks.slack.com/{kind}/{team_id}/1234567890123/{uuid.uuid4().hex[:24]}"


def slash_command(
    *, text: str, user_id: str, channel_id: str, trigger_id: str, command: str = "/settle",
    team_id: str = DEFAULT.team_id, response_url: str | None = None, user_name: str | None = None,
    channel_name: str | None = None, api_app_id: str = DEFAULT.app_id,
) -> Payload:  # fmt: skip
    """A slash command, form-encoded, fields in Slack's order."""
    data = {
        "token": VERIFICATION_TOKEN, "team_id": team_id, "team_domain": _team(team_id)["domain"],
        "channel_id": channel_id, "channel_name": channel_name or _channel_name(channel_id),
        "user_id": user_id, "user_name": user_name or user_id.lower(), "command": command,
        "text": text, "api_app_id": api_app_id, "is_enterprise_install": "false",
        "response_url": response_url or fake_response_url("commands", team_id),
        "trigger_id": trigger_id,
    }  # fmt: skip
    return Payload(data, "form")


def _channel_name(channel_id: str) -> str:
    return "directmessage" if channel_id.startswith("D") else channel_id.lower()


def _container(
    channel_id: str | None, message_ts: str | None, view: dict[str, Any] | None, ephemeral: bool
) -> dict[str, Any]:
    if view is not None:
        return {"type": "view", "view_id": view["id"]}
    if channel_id is None or message_ts is None:
        raise ValueError("a block action comes from a view, or from a message (channel + ts)")
    return {"type": "message", "message_ts": message_ts, "channel_id": channel_id,
            "is_ephemeral": ephemeral}  # fmt: skip


def _action(
    blocks: list[dict[str, Any]], action_id: str, block_id: str | None, value: Any, ts: str
) -> dict[str, Any]:
    """The `actions[0]` entry, echoing the element as Slack does (text, value, url, style)."""
    found = find_element(blocks, action_id)
    block, element = found or (block_id or "", {"type": "button", "action_id": action_id})
    kind = element.get("type", "button")
    action: dict[str, Any] = {"action_id": action_id, "block_id": block_id or block}
    if kind in STATE_KEYS:
        action.update(state_value(element, value))
        if "placeholder" in element:
            action["placeholder"] = element["placeholder"]
    else:
        text = element.get("text") or {"type": "plain_text", "text": action_id}
        action["text"] = {**text, "emoji": text.get("emoji", True)}
        value = element.get("value") if value is None else value
        extras = {"value": value, "url": element.get("url"), "style": element.get("style")}
        action.update({k: v for k, v in extras.items() if v is not None})
    return {**action, "type": kind, "action_ts": ts}


def block_actions(
    *, user_id: str, action_id: str, trigger_id: str, value: Any = None,
    block_id: str | None = None, channel_id: str | None = None,
    message: dict[str, Any] | None = None, message_ts: str | None = None,
    view: dict[str, Any] | None = None, is_ephemeral: bool = False,
    state_values: dict[str, Any] | None = None, team_id: str = DEFAULT.team_id,
    user_name: str | None = None, locale: str | None = None, channel_name: str | None = None,
    response_url: str | None = None, api_app_id: str = DEFAULT.app_id, now: float | None = None,
) -> Payload:  # fmt: skip
    """A click (or pick) on an element of a message or of a view (modal or Home tab).

    Give `view` (as Slack holds it) for a view, or `channel_id` and `message` (or just
    `message_ts`) for a message. The element is looked up by `action_id` in their blocks to
    echo its type, block id, text, value and style; `value` overrides (for selects: the picked
    option's value). `state_values` are the view's (or message's) current inputs (default: the
    view's own `state`).
    """
    data = _base("block_actions", _user(user_id, team_id, user_name, locale), api_app_id)
    ts = message_ts or (message or {}).get("ts")
    data["container"] = _container(channel_id, ts, view, is_ephemeral)
    data.update(trigger_id=trigger_id, team=_team(team_id), enterprise=None,
                is_enterprise_install=False)  # fmt: skip
    if view is not None:
        values = view.get("state", {}).get("values", {}) if state_values is None else state_values
        data["view"] = {**copy.deepcopy(view), "state": {"values": values}}
    else:
        channel = {"id": channel_id or "", "name": channel_name or _channel_name(channel_id or "")}
        data["channel"] = channel
        if message is not None and not is_ephemeral:
            data["message"] = {k: v for k, v in message.items() if k != "channel"}
        data["state"] = {"values": state_values or {}}
        data["response_url"] = response_url or fake_response_url("actions", team_id)
    blocks = (view or message or {}).get("blocks", [])
    data["actions"] = [_action(blocks, action_id, block_id, value, _ts(now))]
    return Payload(data, "interactive")


def view_submission(
    *, user_id: str, view: dict[str, Any], state_values: dict[str, Any], trigger_id: str,
    team_id: str = DEFAULT.team_id, user_name: str | None = None, locale: str | None = None,
    api_app_id: str = DEFAULT.app_id, response_urls: list[dict[str, Any]] | None = None,
) -> Payload:  # fmt: skip
    """A modal submitted: `view` as the app opened it (id, hash, callback_id,
    private_metadata...) with `state_values` (see `sandbox.inputs.state_values`)."""
    data = _base("view_submission", _user(user_id, team_id, user_name, locale), api_app_id)
    data.update(
        trigger_id=trigger_id, team=_team(team_id), enterprise=None,
        view={**copy.deepcopy(view), "state": {"values": state_values}},
        response_urls=response_urls or [], is_enterprise_install=False,
    )  # fmt: skip
    return Payload(data, "interactive")


def view_closed(
    *, user_id: str, view: dict[str, Any], is_cleared: bool = False,
    team_id: str = DEFAULT.team_id, user_name: str | None = None, locale: str | None = None,
    api_app_id: str = DEFAULT.app_id,
) -> Payload:  # fmt: skip
    """A modal closed with Cancel or x (sent only if it was opened with notify_on_close)."""
    data = _base("view_closed", _user(user_id, team_id, user_name, locale), api_app_id)
    data.update(team=_team(team_id), enterprise=None, view=copy.deepcopy(view),
                is_cleared=is_cleared, is_enterprise_install=False)  # fmt: skip
    return Payload(data, "interactive")


def app_home_opened(
    *, user_id: str, tab: str = "home", channel_id: str | None = None,
    view: dict[str, Any] | None = None, team_id: str = DEFAULT.team_id,
    api_app_id: str = DEFAULT.app_id, bot_user_id: str = DEFAULT.bot_user_id,
    event_id: str | None = None, now: float | None = None,
) -> Payload:  # fmt: skip
    """The Events API envelope of `app_home_opened`; `view` is the published Home tab, if any."""
    event_ts = _ts(now)
    event: dict[str, Any] = {"type": "app_home_opened", "user": user_id,
                             "channel": channel_id or f"D0{user_id[-8:]}", "tab": tab,
                             "event_ts": event_ts}  # fmt: skip
    if view is not None:
        event["view"] = copy.deepcopy(view)
    data = {
        "token": VERIFICATION_TOKEN, "team_id": team_id, "api_app_id": api_app_id,
        "event": event, "type": "event_callback",
        "event_id": event_id or f"Ev0{uuid.uuid4().hex[:8].upper()}",
        "event_time": int(float(event_ts)),
        "authorizations": [{"enterprise_id": None, "team_id": team_id, "user_id": bot_user_id,
                            "is_bot": True, "is_enterprise_install": False}],
        "is_ext_shared_channel": False,
    }  # fmt: skip
    return Payload(data, "json")
