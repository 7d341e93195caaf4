"""What the app does not know is acknowledged with an empty 200, never an error shown to the
user: buttons of old messages, callbacks of views it no longer opens, events it did not ask for.

Registered last: Bolt runs the first listener that matches.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App

from handlers.errors import request_kind

log = logging.getLogger(__name__)
ANY = re.compile(r"(?s).*")


def register(app: App) -> None:
    app.action(ANY)(_acknowledge)
    app.view(ANY)(_acknowledge)
    app.view_closed(ANY)(_acknowledge)
    app.command(ANY)(_acknowledge)
    app.event(ANY)(_ignore_event)


def _acknowledge(ack: Ack, body: dict[str, Any]) -> None:
    ack()
    kind = "a slash command" if "command" in body else request_kind(body)  # a command's name is the sender's text
    log.info("acknowledged %s the app does not handle", kind)


def _ignore_event(body: dict[str, Any]) -> None:
    event = body.get("event")
    kind = event.get("type") if isinstance(event, dict) else None
    label = kind[:40] if isinstance(kind, str) and kind.isprintable() else "event"
    log.info("acknowledged %s event the app does not handle", label)
