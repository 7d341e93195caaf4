"""chat.postMessage, chat.update and chat.postEphemeral."""

from __future__ import annotations

from typing import Any

from sandbox.errors import ApiError
from sandbox.params import Params, bool_arg, invalid, required_arg, text_arg
from sandbox.state import Workspace
from sandbox.validation import MESSAGE_BLOCK_LIMIT, blocks_errors

MAX_TEXT = 40_000


def _blocks(ws: Workspace, params: Params) -> list[dict[str, Any]] | None:
    blocks = params.get("blocks")
    if blocks is None:
        return None
    if isinstance(blocks, str):
        raise invalid("invalid_blocks_format", ["blocks must be a JSON array"])
    errors = blocks_errors(blocks, MESSAGE_BLOCK_LIMIT)
    if errors:
        raise invalid("invalid_blocks", errors)
    return ws.ids.with_block_ids(blocks)


def content(ws: Workspace, params: Params) -> tuple[str, list[dict[str, Any]] | None]:
    blocks = _blocks(ws, params)
    text = text_arg(params, "text") or text_arg(params, "markdown_text") or ""
    if not text and not blocks and not params.get("attachments"):
        raise ApiError("no_text")
    if len(text) > MAX_TEXT:
        raise ApiError("msg_too_long")
    return text, blocks


def post_message(ws: Workspace, params: Params) -> dict[str, Any]:
    channel = required_arg(params, "channel", "channel_not_found")
    text, blocks = content(ws, params)
    message = ws.messages.bot_message(text, blocks)
    if isinstance(params.get("metadata"), dict):
        message["metadata"] = params["metadata"]
    thread_ts = text_arg(params, "thread_ts")
    if thread_ts and not ws.messages.has_message(channel, thread_ts):
        detail = f"thread_ts {thread_ts} is not a message in {channel}; posted unthreaded"
        ws.report("chat.postMessage", "thread_not_found", detail)
    if thread_ts and bool_arg(params, "reply_broadcast"):
        message["subtype"] = "thread_broadcast"
    posted = ws.messages.post(channel, message, thread_ts)
    channel_id = posted.pop("channel")
    return {"ok": True, "channel": channel_id, "ts": posted["ts"], "message": posted}


def update(ws: Workspace, params: Params) -> dict[str, Any]:
    channel = required_arg(params, "channel", "channel_not_found")
    ts = required_arg(params, "ts", "message_not_found")
    blocks = _blocks(ws, params)
    changes: dict[str, Any] = {} if blocks is None else {"blocks": blocks}
    text = text_arg(params, "text") or text_arg(params, "markdown_text")
    if text is not None:
        changes["text"] = text
    if not changes and not params.get("attachments"):
        raise ApiError("no_text")
    updated = ws.messages.update(channel, ts, changes)
    channel_id = updated.pop("channel")
    return {"ok": True, "channel": channel_id, "ts": ts, "text": updated["text"],
            "message": updated}  # fmt: skip


def post_ephemeral(ws: Workspace, params: Params) -> dict[str, Any]:
    channel = required_arg(params, "channel", "channel_not_found")
    user = required_arg(params, "user", "user_not_in_channel")
    text, blocks = content(ws, params)
    message = ws.messages.bot_message(text, blocks)
    if thread_ts := text_arg(params, "thread_ts"):
        message["thread_ts"] = thread_ts
    posted = ws.messages.post_ephemeral(channel, user, message)
    return {"ok": True, "message_ts": posted["ts"]}


HANDLERS = {
    "chat.postMessage": post_message,
    "chat.update": update,
    "chat.postEphemeral": post_ephemeral,
}
