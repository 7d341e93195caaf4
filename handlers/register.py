"""Wires every listener kind onto a Bolt app."""

from __future__ import annotations

from slack_bolt import App

from handlers import actions, commands, errors, events, unknown, views
from handlers import billing_events as _billing_events  # noqa: F401  (registers its after-ack task)
from handlers.context import Deps


def register_all(app: App, deps: Deps) -> None:
    for module in (commands, actions, views, events):
        module.register(app, deps)
    unknown.register(app)  # last: Bolt runs the first listener that matches
    errors.register(app)
