"""auth.test, users.info, users.lookupByEmail, conversations.open, conversations.info and apps.connections.open."""

from __future__ import annotations

from typing import Any

from sandbox import team_scope
from sandbox.errors import ApiError
from sandbox.messages import Channel
from sandbox.params import Params, bool_arg, required_arg, text_arg
from sandbox.state import Workspace
from sandbox.users import email_of, user_object


def auth_test(ws: Workspace, params: Params) -> dict[str, Any]:
    me = ws.identity
    return {
        "ok": True, "url": me.url, "team": me.team_name, "user": me.bot_name,
        "team_id": me.team_id, "user_id": me.bot_user_id, "bot_id": me.bot_id,
        "is_enterprise_install": False,
    }  # fmt: skip


def users_info(ws: Workspace, params: Params) -> dict[str, Any]:
    user_id = required_arg(params, "user", "user_not_found")
    fields = ws.users.get(user_id)
    if fields is None:
        raise ApiError("user_not_found")
    locale = bool_arg(params, "include_locale")
    return {"ok": True, "user": user_object(user_id, fields, ws.identity, ws.clock(), locale)}


def users_lookup_by_email(ws: Workspace, params: Params, teams: frozenset[str] | None = None) -> dict[str, Any]:
    """The person with this email (as Slack: case-insensitive, needs the users:read.email scope),
    among the people of ``teams`` (the token's workspaces; None: everyone)."""
    if "users:read.email" not in ws.identity.scopes.split(","):
        raise ApiError("missing_scope")
    email = (required_arg(params, "email", "invalid_email") or "").strip().lower()
    for user_id in team_scope.people_of(ws, teams):
        fields = ws.users.get(user_id) or {}
        if email_of(fields).lower() == email and not fields.get("is_bot"):
            return {"ok": True, "user": user_object(user_id, fields, ws.identity, ws.clock(), False)}
    raise ApiError("users_not_found")


def conversations_open(ws: Workspace, params: Params) -> dict[str, Any]:
    if channel := text_arg(params, "channel"):
        return {"ok": True, "channel": {"id": ws.messages.resolve(channel).id}}
    users = [u for u in (text_arg(params, "users") or "").split(",") if u]
    if not users:
        raise ApiError("users_list_not_supplied")
    if len(users) > 1:
        raise ApiError("method_not_supported_for_channel_type")  # group DMs: not modelled
    dm, existed = ws.messages.open_dm(users[0])
    answer: dict[str, Any] = {"ok": True, "channel": {"id": dm.id}}
    if existed:
        answer.update(no_op=True, already_open=True)
    if bool_arg(params, "return_im"):
        answer["channel"] = _channel_object(dm, False)
    return answer


def _channel_object(channel: Channel, locale: bool) -> dict[str, Any]:
    if channel.kind == "im":
        found: dict[str, Any] = {
            "id": channel.id, "created": channel.created, "is_im": True, "is_org_shared": False,
            "user": channel.user, "is_user_deleted": False, "priority": 0,
        }  # fmt: skip
    else:
        found = {
            "id": channel.id, "name": channel.name, "name_normalized": channel.name,
            "is_channel": True, "is_group": False, "is_im": False, "is_mpim": False,
            "is_private": False, "created": channel.created, "is_archived": False,
            "is_general": False, "is_member": True, "is_shared": False, "is_org_shared": False,
        }  # fmt: skip
    if locale:
        found["locale"] = "en-US"
    return found


def conversations_info(ws: Workspace, params: Params) -> dict[str, Any]:
    channel_id = required_arg(params, "channel", "channel_not_found")
    channel = ws.messages.channel(channel_id)
    if channel is None and channel_id[:1] in ("C", "G"):
        channel = ws.messages.resolve(channel_id)
    if channel is None:
        raise ApiError("channel_not_found")
    return {"ok": True, "channel": _channel_object(channel, bool_arg(params, "include_locale"))}


def apps_connections_open(ws: Workspace, params: Params) -> dict[str, Any]:
    """A one-time WebSocket URL for Socket Mode (the app-level token was checked by the server)."""
    if ws.socket_urls is None:
        raise ApiError("internal_error")
    return {"ok": True, "url": ws.socket_urls()}


HANDLERS = {
    "apps.connections.open": apps_connections_open,
    "auth.test": auth_test,
    "users.info": users_info,
    "users.lookupByEmail": users_lookup_by_email,
    "conversations.open": conversations_open,
    "conversations.info": conversations_info,
}
