"""Events: every change the fake makes is recorded as a Stripe `event` (a snapshot of the object,
with `previous_attributes` for updates) and handed to the listeners (the webhook sender)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from sandbox.fake_stripe import shapes
from sandbox.fake_stripe.state import Account

API_VERSION = "2026-08-27.basil"
Listener = Callable[[dict[str, Any]], None]


class Events:
    """Creates events in the account and tells the listeners of each one."""

    def __init__(self, account: Account) -> None:
        self._account = account
        self._listeners: list[Listener] = []
        self.request: dict[str, str | None] = {"id": None, "idempotency_key": None}

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def emit(self, type_: str, obj: dict[str, Any], previous: dict[str, Any] | None = None) -> dict[str, Any]:
        """Record that `obj` changed (`previous`: the changed fields' old values)."""
        data: dict[str, Any] = {"object": copy.deepcopy(obj)}
        if previous:
            data["previous_attributes"] = copy.deepcopy(previous)
        event = shapes.new(
            "event", id=self._account.new_id("event"), type=type_, created=self._account.now(),
            data=data, api_version=API_VERSION, request=dict(self.request),
            pending_webhooks=len(self._listeners),
        )  # fmt: skip
        self._account.table("event").add(event)
        for listener in self._listeners:
            listener(event)
        return event


def changed(obj: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """Set `fields` on `obj`; the old values of those that changed (for previous_attributes)."""
    previous = {name: copy.deepcopy(obj[name]) for name, value in fields.items() if obj[name] != value}
    obj.update(fields)
    return previous
