"""The page's regions (sidebar, header, body, thread, modal) for one person at one place."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from sandbox.fake_slack import FakeSlack
from sandbox.page.blockkit import render_blocks
from sandbox.page.memory import PageMemory
from sandbox.page.mrkdwn import plain
from sandbox.page.timeline import Timeline
from sandbox.page.viewer import Person, Viewer

PANES = ("channel", "home", "messages")
REGIONS = ("sidebar", "header", "body", "thread", "modal")
SCAN_DAYS = (0, 1, 3, 7, 14)
_TS = re.compile(r"^\d{1,12}\.\d{1,6}$")
templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(default=True),
    trim_blocks=True, lstrip_blocks=True,
)  # fmt: skip


@dataclass(frozen=True)
class Location:
    """Who is looking, at which pane, with which thread open."""

    user: str
    pane: str = "channel"
    thread: str | None = None

    def query(self) -> dict[str, str]:
        return {"user": self.user, "pane": self.pane, "thread": self.thread or ""}


@dataclass(frozen=True)
class WorkspaceInfo:
    """One Slack workspace of the sandbox: its team, and the channel the app posts alerts in."""

    team_id: str
    name: str
    channel_id: str
    channel_name: str

    @property
    def initials(self) -> str:
        """``ST`` for Settlebot Sandbox, as Slack's workspace rail shows a workspace without an icon."""
        return "".join(word[0] for word in self.name.split()[:2]).upper() or self.team_id[:1]


@dataclass(frozen=True)
class PageInfo:
    """What the page says about the sandbox itself: its workspaces (a person belongs to one)."""

    workspaces: tuple[WorkspaceInfo, ...]
    database: str  # shown on the page: where the sandbox keeps its data

    def workspace(self, team_id: str) -> WorkspaceInfo:
        """The workspace ``team_id``; the first one for a person of none."""
        return next((w for w in self.workspaces if w.team_id == team_id), self.workspaces[0])


class Frame:
    def __init__(self, fake: FakeSlack, people: list[Person], info: PageInfo, memory: PageMemory) -> None:
        self.fake, self.people, self.info, self.memory = fake, people, info, memory
        self.timeline = Timeline(fake)
        self._by_id = {p.id: p for p in people}

    def location(self, args: Mapping[str, str]) -> Location:
        """The location asked for, with anything unknown replaced by the defaults."""
        user = args.get("user", "")
        user = user if user in self._by_id else self.people[0].id
        pane = args.get("pane", "") if args.get("pane") in PANES else "channel"
        thread = args.get("thread") or None
        return Location(user, pane, thread if thread and _TS.match(thread) and pane != "home" else None)

    def viewer(self, user_id: str) -> Viewer:
        person = self._by_id[user_id]
        names = {p.id: p.name for p in self.people}
        names[self.fake.identity.bot_user_id] = self.fake.identity.bot_name
        channels = {w.channel_id: w.channel_name for w in self.info.workspaces}
        return Viewer(user_id, person.locale, ZoneInfo(person.tz), names, channels, dt.datetime.now(dt.UTC))

    def conversation(self, user_id: str, pane: str) -> str | None:
        """The conversation behind a pane: the channel, or the app's DM with the user (if any)."""
        if pane == "channel":
            return self.workspace_of(user_id).channel_id
        return self.fake.workspace.messages.dm_channel(user_id)

    def workspace_of(self, user_id: str) -> WorkspaceInfo:
        return self.info.workspace(self._by_id[user_id].team_id)

    def rail(self, where: Location) -> list[tuple[WorkspaceInfo, Person, bool]]:
        """Slack's workspace rail: each workspace, who is shown on switching to it (the person
        looking if theirs, else its first person), and whether it is the one shown."""
        mine = self.workspace_of(where.user)
        return [(w, next(p for p in self.people if self.workspace_of(p.id) == w), w == mine)
                for w in self.info.workspaces if any(self.workspace_of(p.id) == w for p in self.people)]  # fmt: skip

    def regions(self, where: Location) -> dict[str, str]:
        viewer = self.viewer(where.user)
        return {name: getattr(self, f"_{name}")(where, viewer) for name in REGIONS}

    def page(self, where: Location) -> str:
        parts = self.regions(where)
        ws = self.workspace_of(where.user)
        return templates.get_template("page.html").render(
            where=where, people=[p for p in self.people if self.workspace_of(p.id) == ws], me=self._by_id[where.user],
            regions=parts, sigs={k: signature(v) for k, v in parts.items()}, info=self.info, ws=ws,
            rail=self.rail(where),
        )  # fmt: skip

    def _render(self, name: str, where: Location, **values: Any) -> str:
        ws = self.workspace_of(where.user)
        return templates.get_template(name).render(where=where, info=self.info, ws=ws, **values).strip()

    def _sidebar(self, where: Location, viewer: Viewer) -> str:
        dm = self.timeline.raw(viewer, self.conversation(where.user, "messages"))
        unread = 0 if where.pane == "messages" else self.memory.unread(where.user, dm)
        return self._render("sidebar.html", where, unread=unread, scan_days=SCAN_DAYS,
                            last_scan=self.memory.last_scan, me=self._by_id[where.user])  # fmt: skip

    def _header(self, where: Location, viewer: Viewer) -> str:
        return self._render("header.html", where, bot=self.fake.identity.bot_name)

    def _body(self, where: Location, viewer: Viewer) -> str:
        if where.pane == "home":
            return self._render("home.html", where, home=self._home(where, viewer))
        conversation = self.conversation(where.user, where.pane)
        messages = self.timeline.channel(viewer, conversation)
        if where.pane == "messages":
            self.memory.mark_read(where.user, self.timeline.raw(viewer, conversation))
        return self._render("messages.html", where, messages=messages, in_thread=False)

    def _home(self, where: Location, viewer: Viewer) -> dict[str, Any] | None:
        view = self.fake.home_view(where.user)
        if view is None:
            return None
        return {"id": view["id"], "blocks": render_blocks(view.get("blocks"), viewer)}

    def _thread(self, where: Location, viewer: Viewer) -> str:
        conversation = self.conversation(where.user, where.pane)
        if where.thread is None or conversation is None:
            return ""
        messages = self.timeline.thread(viewer, conversation, where.thread)
        if not messages:
            return ""
        channel_name = self.workspace_of(where.user).channel_name if where.pane == "channel" else None
        return self._render("thread.html", where, parent=messages[0], replies=messages[1:],
                            channel_name=channel_name)  # fmt: skip

    def _modal(self, where: Location, viewer: Viewer) -> str:
        view = self.fake.current_view(where.user)
        if view is None:
            return ""
        inputs = self.memory.inputs_for(view)
        return self._render(
            "modal.html", where, view=view, blocks=render_blocks(view.get("blocks"), viewer, inputs),
            title=_plain_of(view.get("title")), close=_plain_of(view.get("close")),
            submit=_plain_of(view.get("submit")), depth=len(self.fake.modal_stack(where.user)),
        )  # fmt: skip


def _plain_of(obj: Any) -> Markup | None:
    return plain(str(obj.get("text", ""))) if isinstance(obj, Mapping) else None


def signature(html: str) -> str:
    """A short fingerprint of a region's HTML: the page replaces a region only when it changes."""
    return hashlib.sha1(html.encode(), usedforsecurity=False).hexdigest()[:16]
