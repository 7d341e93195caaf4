"""What the page remembers that Slack's clients (not its servers) would: inline errors and the
values typed in a modal whose submission was refused, the last scan, what each person has read."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sandbox.page.elements import Inputs


@dataclass(frozen=True)
class _Shown:
    view_hash: str
    inputs: Inputs


class PageMemory:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._views: dict[str, _Shown] = {}
        self._seen: dict[str, float] = {}
        self.last_scan = ""

    def refused(self, view: Mapping[str, Any], values: Mapping[str, Any], errors: Mapping[str, str]) -> None:
        """A submission came back with ``response_action: errors``: show them on this version of the view."""
        with self._lock:
            self._views[str(view.get("id"))] = _Shown(str(view.get("hash")), Inputs(dict(values), dict(errors)))

    def inputs_for(self, view: Mapping[str, Any]) -> Inputs:
        """The values and errors to show in ``view``; none once the app has changed the view."""
        with self._lock:
            shown = self._views.get(str(view.get("id")))
        return shown.inputs if shown and shown.view_hash == view.get("hash") else Inputs()

    def mark_read(self, user_id: str, messages: Iterable[Mapping[str, Any]]) -> None:
        latest = max((float(m.get("ts", 0)) for m in messages), default=0.0)
        with self._lock:
            self._seen[user_id] = max(self._seen.get(user_id, 0.0), latest)

    def unread(self, user_id: str, messages: Iterable[Mapping[str, Any]]) -> int:
        with self._lock:
            seen = self._seen.get(user_id, 0.0)
        return sum(1 for m in messages if float(m.get("ts", 0)) > seen)
