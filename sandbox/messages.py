"""Channels and their messages, threads, ephemeral messages and DMs, kept like Slack keeps them."""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from typing import Any

from sandbox.clock import Clock
from sandbox.errors import ApiError
from sandbox.ids import Identity, IdFactory
from sandbox.users import Directory

Message = dict[str, Any]


@dataclass
class Channel:
    """A conversation: a public channel ("channel"), a DM ("im") or a group DM ("mpim")."""

    id: str
    name: str
    kind: str
    created: int
    user: str | None = None
    messages: list[Message] = field(default_factory=list)


class MessageStore:
    """Every conversation with its messages; also ephemeral messages, per recipient.

    Channels whose id starts with C or G are created on first use unless `strict` is set;
    a user id used as a channel means the app's DM with that user, as in Slack.
    """

    def __init__(
        self, identity: Identity, ids: IdFactory, clock: Clock, users: Directory,
        lock: threading.RLock, strict: bool = False,
    ) -> None:  # fmt: skip
        self._me, self._ids, self._clock, self._users = identity, ids, clock, users
        self._lock, self._strict = lock, strict
        self._channels: dict[str, Channel] = {}
        self._dms: dict[str, str] = {}
        self._ephemerals: list[Message] = []

    def add_channel(self, channel_id: str, name: str | None = None) -> None:
        """Create a public channel (`strict` mode accepts only channels added here)."""
        with self._lock:
            self._channels.setdefault(
                channel_id, Channel(channel_id, name or channel_id.lower(), "channel", self._now())
            )

    def _now(self) -> int:
        return int(self._clock())

    def resolve(self, channel: str) -> Channel:
        """The conversation `channel` names, creating it where Slack would have one."""
        with self._lock:
            if channel in self._channels:
                return self._channels[channel]
            if self._users.get(channel) is not None:
                return self.open_dm(channel)[0]
            if channel[:1] in ("C", "G") and not self._strict:
                self.add_channel(channel)
                return self._channels[channel]
        raise ApiError("channel_not_found")

    def open_dm(self, user_id: str) -> tuple[Channel, bool]:
        """The app's DM with `user_id`, and whether it already existed."""
        if self._users.get(user_id) is None:
            raise ApiError("user_not_found")
        with self._lock:
            if user_id in self._dms:
                return self._channels[self._dms[user_id]], True
            dm = Channel(self._ids.prefixed("D"), user_id, "im", self._now(), user=user_id)
            self._channels[dm.id], self._dms[user_id] = dm, dm.id
            return dm, False

    def bot_message(self, text: str, blocks: list[Message] | None) -> Message:
        """A message as the app's bot user posts it (ts not yet set)."""
        me = self._me
        message: Message = {
            "user": me.bot_user_id, "type": "message", "bot_id": me.bot_id, "app_id": me.app_id,
            "text": text, "team": me.team_id,
            "bot_profile": {"id": me.bot_id, "app_id": me.app_id, "name": me.bot_name,
                            "deleted": False, "team_id": me.team_id},
        }  # fmt: skip
        if blocks is not None:
            message["blocks"] = blocks
        return message

    def post(self, channel: str, message: Message, thread_ts: str | None = None) -> Message:
        """Post `message` (a bot or user message) to `channel`, in a thread if `thread_ts`."""
        with self._lock:
            conversation = self.resolve(channel)
            message = {**message, "ts": self._ids.ts()}
            parent = self._find(conversation, thread_ts) if thread_ts else None
            if parent is not None:
                self._add_reply(parent, message)
            conversation.messages.append(message)
            return {**copy.deepcopy(message), "channel": conversation.id}

    def _add_reply(self, parent: Message, reply: Message) -> None:
        parent["thread_ts"] = parent["ts"]
        reply["thread_ts"], reply["parent_user_id"] = parent["ts"], parent.get("user")
        users = parent.setdefault("reply_users", [])
        if reply.get("user") not in users:
            users.append(reply.get("user"))
        parent["reply_users_count"] = len(users)
        parent["reply_count"] = parent.get("reply_count", 0) + 1
        parent["latest_reply"] = reply["ts"]

    def _find(self, conversation: Channel, ts: str | None) -> Message | None:
        return next((m for m in conversation.messages if m["ts"] == ts), None)

    def has_message(self, channel: str, ts: str) -> bool:
        with self._lock:
            return self._find(self.resolve(channel), ts) is not None

    def update(self, channel: str, ts: str, changes: Message) -> Message:
        """Edit one of the app's messages; Slack marks it `edited`."""
        with self._lock:
            conversation = self.resolve(channel)
            message = self._find(conversation, ts)
            if message is None:
                raise ApiError("message_not_found")
            if message.get("bot_id") != self._me.bot_id:
                raise ApiError("cant_update_message")
            message.update(changes)
            message["edited"] = {"user": self._me.bot_id, "ts": self._ids.ts()}
            return {**copy.deepcopy(message), "channel": conversation.id}

    def post_ephemeral(self, channel: str, user: str, message: Message) -> Message:
        """Show `message` to `user` only, in `channel`."""
        with self._lock:
            conversation = self.resolve(channel)
            if self._users.get(user) is None:
                raise ApiError("user_not_in_channel")
            stored = {**message, "ts": self._ids.ts(), "channel": conversation.id, "to": user}
            self._ephemerals.append(stored)
            return copy.deepcopy(stored)

    def messages(self, channel: str) -> list[Message]:
        """The channel's timeline: top-level messages and thread broadcasts, oldest first."""
        with self._lock:
            return copy.deepcopy([m for m in self.resolve(channel).messages if _top_level(m)])

    def thread(self, channel: str, ts: str) -> list[Message]:
        """The thread started by `ts`: the parent first, then the replies."""
        with self._lock:
            found = self.resolve(channel).messages
            return copy.deepcopy([m for m in found if ts in (m["ts"], m.get("thread_ts"))])

    def message(self, channel: str, ts: str) -> Message | None:
        with self._lock:
            return copy.deepcopy(self._find(self.resolve(channel), ts))

    def ephemerals(self, user_id: str) -> list[Message]:
        with self._lock:
            return copy.deepcopy([m for m in self._ephemerals if m["to"] == user_id])

    def dm_channel(self, user_id: str) -> str | None:
        with self._lock:
            return self._dms.get(user_id)

    def channel(self, channel_id: str) -> Channel | None:
        with self._lock:
            return copy.deepcopy(self._channels.get(channel_id))

    def channel_ids(self) -> list[str]:
        with self._lock:
            return list(self._channels)


def _top_level(message: Message) -> bool:
    thread_ts = message.get("thread_ts")
    return thread_ts in (None, message["ts"]) or message.get("subtype") == "thread_broadcast"
