"""Views as Slack keeps them: trigger ids, each user's stack of modals, each user's Home tab."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.clock import Clock
from sandbox.errors import ApiError
from sandbox.ids import Identity, IdFactory

View = dict[str, Any]
TRIGGER_LIFETIME = 3.0
MAX_STACK = 3


@dataclass
class _Trigger:
    user_id: str | None
    issued_at: float
    used: bool = False


class ViewStore:
    """Trigger ids, open modals (a stack per user) and published Home tabs."""

    def __init__(self, identity: Identity, ids: IdFactory, clock: Clock, lock: threading.RLock,
                 team_of: Callable[[str | None], str | None] = lambda _user: None) -> None:  # fmt: skip
        self._me, self._ids, self._clock, self._lock = identity, ids, clock, lock
        self._team_of = team_of  # a view is of its owner's workspace (the fake's own by default)
        self._triggers: dict[str, _Trigger] = {}
        self._views: dict[str, View] = {}
        self._owners: dict[str, str | None] = {}
        self._stacks: dict[str | None, list[str]] = {}
        self._homes: dict[str, str] = {}

    def issue_trigger(self, user_id: str | None = None) -> str:
        """A trigger id for `user_id`, valid for 3 seconds and for one view, as in Slack."""
        trigger_id = self._ids.trigger_id()
        with self._lock:
            self._triggers[trigger_id] = _Trigger(user_id, self._clock())
        return trigger_id

    def _exchange(self, trigger_id: str) -> str | None:
        trigger = self._triggers.get(trigger_id)
        if trigger is None:
            raise ApiError("invalid_trigger_id")
        if trigger.used:
            raise ApiError("exchanged_trigger_id")
        if self._clock() - trigger.issued_at > TRIGGER_LIFETIME:
            raise ApiError("expired_trigger_id")
        trigger.used = True
        return trigger.user_id

    def _build(self, payload: View, view_id: str, root: str, previous: str | None, owner: str | None) -> View:
        me = self._me
        team = self._team_of(owner) or me.team_id
        view = {
            "private_metadata": "", "callback_id": "", "external_id": "",
            "clear_on_close": False, "notify_on_close": False, **copy.deepcopy(payload),
            "id": view_id, "team_id": team, "state": {"values": {}},
            "hash": self._ids.view_hash(), "previous_view_id": previous, "root_view_id": root,
            "app_id": me.app_id, "app_installed_team_id": team, "bot_id": me.bot_id,
        }  # fmt: skip
        view["blocks"] = self._ids.with_block_ids(view.get("blocks") or [])
        return view

    def _check_external_id(self, payload: View, view_id: str | None = None) -> None:
        external = payload.get("external_id")
        if external and any(
            v.get("external_id") == external and k != view_id for k, v in self._views.items()
        ):
            raise ApiError("duplicate_external_id")

    def _store(self, view: View, owner: str | None) -> View:
        self._views[view["id"]], self._owners[view["id"]] = view, owner
        return copy.deepcopy(view)

    def open(self, trigger_id: str, payload: View) -> View:
        """views.open: a new modal, replacing the user's stack."""
        with self._lock:
            self._check_external_id(payload)
            owner = self._exchange(trigger_id)
            view_id = self._ids.prefixed("V")
            self._stacks[owner] = [view_id]
            return self._store(self._build(payload, view_id, view_id, None, owner), owner)

    def push(self, trigger_id: str, payload: View) -> View:
        """views.push: a modal on top of the user's stack (at most 3 deep)."""
        with self._lock:
            self._check_external_id(payload)
            owner = self._exchange(trigger_id)
            stack = self._stacks.setdefault(owner, [])
            if len(stack) >= MAX_STACK:
                raise ApiError("push_limit_reached")
            view_id = self._ids.prefixed("V")
            root, previous = (stack[0], stack[-1]) if stack else (view_id, None)
            stack.append(view_id)
            return self._store(self._build(payload, view_id, root, previous, owner), owner)

    def update(self, payload: View, view_id: str | None, external_id: str | None,
               hash_: str | None) -> View:  # fmt: skip
        """views.update: replace a view's content, keeping its id and place in the stack."""
        with self._lock:
            current = self._lookup(view_id, external_id)
            if hash_ is not None and hash_ != current["hash"]:
                raise ApiError("hash_conflict")
            self._check_external_id(payload, current["id"])
            owner = self._owners[current["id"]]
            view = self._build(payload, current["id"], current["root_view_id"], current["previous_view_id"], owner)
            return self._store(view, owner)

    def _lookup(self, view_id: str | None, external_id: str | None) -> View:
        if view_id is not None:
            found = self._views.get(view_id)
        else:
            found = next((v for v in self._views.values() if v["external_id"] == external_id), None)
        if found is None:
            raise ApiError("not_found")
        return found

    def publish(self, user_id: str, payload: View, hash_: str | None) -> View:
        """views.publish: the user's Home tab (same view id every time)."""
        with self._lock:
            current = self._views.get(self._homes.get(user_id, ""))
            if current is not None and hash_ is not None and hash_ != current["hash"]:
                raise ApiError("hash_conflict")
            view_id = current["id"] if current else self._ids.prefixed("V")
            self._homes[user_id] = view_id
            return self._store(self._build(payload, view_id, view_id, None, user_id), user_id)

    def get(self, view_id: str) -> View | None:
        with self._lock:
            return copy.deepcopy(self._views.get(view_id))

    def stack(self, user_id: str | None) -> list[View]:
        """The user's open modals, bottom first (empty when none is open)."""
        with self._lock:
            return [copy.deepcopy(self._views[v]) for v in self._stacks.get(user_id, [])]

    def home(self, user_id: str) -> View | None:
        with self._lock:
            return copy.deepcopy(self._views.get(self._homes.get(user_id, "")))

    def close(self, user_id: str | None, all_views: bool = False) -> None:
        """The user closed the top modal (or, with `all_views`, the whole stack)."""
        with self._lock:
            stack = self._stacks.get(user_id, [])
            del stack[0 if all_views else -1 :]

    def respond(self, user_id: str | None, view_id: str, response: View | None) -> None:
        """Apply the app's answer to a view_submission, as Slack does when it closes or
        changes the modal: `update`, `push`, `clear`, `errors` (stays open) or empty (closes).
        """
        action = (response or {}).get("response_action")
        if action == "update":
            self.update((response or {})["view"], view_id, None, None)
        elif action == "push":
            with self._lock:
                stack = self._stacks.setdefault(user_id, [])
                new_id = self._ids.prefixed("V")
                view = self._build((response or {})["view"], new_id, stack[0], stack[-1])
                stack.append(new_id)
                self._store(view, user_id)
        elif action == "clear":
            self.close(user_id, all_views=True)
        elif action != "errors":
            self.close(user_id)
