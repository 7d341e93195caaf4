"""The fake workspace: its identity, clock, people, conversations, views and problems."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from sandbox.clock import Clock
from sandbox.ids import Identity, IdFactory
from sandbox.messages import MessageStore
from sandbox.recording import Problem
from sandbox.users import Directory
from sandbox.views import ViewStore


class Workspace:
    """Everything the fake remembers, behind one lock, for the API methods and the sandbox page.

    Args:
        identity: the team and app ids.
        clock: the time source (a `ManualClock` in tests that expire trigger ids).
        users: people by user id (`DEFAULT_USERS` when None).
        strict_channels: only channels added with `messages.add_channel` exist.
        seed: seed for generated ids.
    """

    def __init__(
        self, identity: Identity, clock: Clock, users: Mapping[str, Mapping[str, Any]] | None,
        strict_channels: bool = False, seed: int | None = None,
    ) -> None:  # fmt: skip
        self.identity, self.clock = identity, clock
        self.lock = threading.RLock()
        self.ids = IdFactory(clock, seed)
        self.users = Directory(identity, users)
        self.messages = MessageStore(identity, self.ids, clock, self.users, self.lock,
                                     strict_channels)  # fmt: skip
        self.views = ViewStore(identity, self.ids, clock, self.lock, self.users.team_of)
        self._problems: list[Problem] = []
        self.socket_urls: Callable[[], str] | None = None  # apps.connections.open: Socket Mode's URLs

    def report(self, method: str, kind: str, detail: str) -> None:
        """Note something that would fail, or behave differently, on real Slack."""
        with self.lock:
            self._problems.append(Problem(method, kind, detail))

    def problems(self) -> list[Problem]:
        with self.lock:
            return list(self._problems)

    def clear_problems(self) -> None:
        with self.lock:
            self._problems.clear()
