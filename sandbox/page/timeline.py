"""Messages as the page lists them: the fake's messages, ephemerals and threads, each rendered
from its blocks (or its text when it has none) for one viewer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from sandbox.fake_slack import FakeSlack
from sandbox.page.blockkit import render_blocks
from sandbox.page.dates import message_time
from sandbox.page.mrkdwn import mrkdwn
from sandbox.page.viewer import Viewer

Message = Mapping[str, Any]


@dataclass(frozen=True)
class MessageView:
    """One message ready for the template."""

    ts: str
    channel: str
    author: str
    initials: str
    bot: bool
    time: str
    body: Markup
    edited: bool = False
    ephemeral: bool = False
    replies: int = 0
    last_reply: str = ""


def render_message(message: Message, viewer: Viewer, bot_user: str) -> MessageView:
    bot = bool(message.get("bot_id")) or message.get("user") == bot_user
    author = viewer.name_of(str(message.get("user", ""))) if not bot else viewer.name_of(bot_user)
    blocks = message.get("blocks")
    body = render_blocks(blocks, viewer) if blocks else mrkdwn(str(message.get("text", "")), viewer)
    latest = message.get("latest_reply")
    return MessageView(
        ts=str(message.get("ts", "")), channel=str(message.get("channel", "")), author=author,
        initials=_initials(author), bot=bot, time=message_time(str(message.get("ts", "")), viewer),
        body=body, edited=bool(message.get("edited")), ephemeral="to" in message,
        replies=int(message.get("reply_count") or 0),
        last_reply=message_time(str(latest), viewer) if latest else "",
    )  # fmt: skip


def _initials(name: str) -> str:
    words = [w for w in name.split() if w[:1].isalnum()]
    return "".join(w[0] for w in words[:2]).upper() or "?"


class Timeline:
    """Reads conversations from the fake as one person sees them."""

    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake
        self.bot_user = fake.identity.bot_user_id

    def _ephemerals(self, viewer: Viewer, channel: str, thread: str | None) -> list[Message]:
        return [m for m in self.fake.ephemerals(viewer.user_id)
                if m.get("channel") == channel and m.get("thread_ts") == thread]  # fmt: skip

    def raw(self, viewer: Viewer, channel: str | None) -> list[Message]:
        """The conversation's messages and the viewer's ephemerals in it, oldest first."""
        if channel is None:
            return []
        messages = [{**m, "channel": channel} for m in self.fake.messages(channel)]
        return sorted(messages + self._ephemerals(viewer, channel, None), key=lambda m: float(m["ts"]))

    def channel(self, viewer: Viewer, channel: str | None) -> list[MessageView]:
        return [render_message(m, viewer, self.bot_user) for m in self.raw(viewer, channel)]

    def thread(self, viewer: Viewer, channel: str, ts: str) -> list[MessageView]:
        """The parent, then the replies (and the viewer's ephemerals in the thread)."""
        if self.fake.message(channel, ts) is None:
            return []
        found: list[Message] = [{**m, "channel": channel} for m in self.fake.thread(channel, ts)]
        found += self._ephemerals(viewer, channel, ts)
        ordered = sorted(found, key=lambda m: (m["ts"] != ts, float(m["ts"])))
        return [render_message(m, viewer, self.bot_user) for m in ordered]
