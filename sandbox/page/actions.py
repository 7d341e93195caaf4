"""What a person does on the page, done as Slack would: each becomes a signed request to the
app's ``POST /slack/events`` through `SlackDriver` (fresh trigger ids, Slack's payloads)."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from sandbox.driver import SlackDriver
from sandbox.page.memory import PageMemory
from sandbox.signing import AppResponse

log = logging.getLogger(__name__)
Scanner = Callable[[int], str]
"""Runs the app's scan as if ``days`` days from now; returns a one-line summary."""
ACK_DEADLINE = 3.0  # seconds Slack waits for an app to answer
COMMAND = "/settle"
_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,255}$")


class BadAction(ValueError):
    """The page sent something no Slack client could (unknown kind, bad ids...)."""


@dataclass(frozen=True)
class Outcome:
    """How an action went, for the page: ``message`` is shown as a toast when there is one."""

    ok: bool
    message: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "message": self.message}


def _text(data: Mapping[str, Any], key: str, limit: int = 4000) -> str:
    value = data.get(key, "")
    if not isinstance(value, str) or len(value) > limit:
        raise BadAction(f"{key} must be a string of at most {limit} characters")
    return value


def _id(data: Mapping[str, Any], key: str, optional: bool = False) -> str | None:
    value = data.get(key)
    if value in (None, "") and optional:
        return None
    if not isinstance(value, str) or not _ID.match(value):
        raise BadAction(f"{key} is not an id")
    return value


def _answers(data: Mapping[str, Any]) -> dict[str, Any]:
    answers = data.get("answers") or {}
    if not isinstance(answers, dict) or not all(isinstance(k, str) for k in answers):
        raise BadAction("answers must map action ids to values")
    return {k: v for k, v in answers.items() if v not in (None, "")}


def _json(response: AppResponse) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def answered(response: AppResponse, took: float) -> Outcome:
    """What Slack would show for the app's answer: nothing when it acked in time."""
    if response.status != 200:
        return Outcome(False, f"settlebot answered HTTP {response.status}. Slack would show: "
                              "“We had some trouble connecting. Try again?”")  # fmt: skip
    if took > ACK_DEADLINE:
        return Outcome(False, f"settlebot took {took:.1f} s to answer; Slack gives up after 3 s.")
    return Outcome(True)


class Actions:
    """Runs the page's actions for the person ``data["user"]``.

    Args:
        driver: sends Slack's requests to the app and applies its answers to the fake.
        memory: the page's own memory (inline errors, the last scan).
        people: the user ids someone may act as.
        place: finds the conversation of a pane ("channel" or "messages") for a user.
        scanner: runs the app's scan at a later date.
    """

    def __init__(self, driver: SlackDriver, memory: PageMemory, people: set[str],
                 place: Callable[[str, str], str], scanner: Scanner) -> None:  # fmt: skip
        self.driver, self.memory, self.people = driver, memory, people
        self.place, self.scanner = place, scanner

    def run(self, data: Mapping[str, Any]) -> Outcome:
        user = _id(data, "user")
        if user not in self.people:
            raise BadAction("unknown user")
        kind = data.get("kind")
        handler = {"slash": self.slash, "click": self.click, "submit": self.submit,
                   "close": self.close, "home": self.home, "scan": self.scan}.get(str(kind))  # fmt: skip
        if handler is None:
            raise BadAction(f"unknown action {kind!r}")
        started = time.monotonic()
        outcome = handler(str(user), data)
        log.info("sandbox: %s by %s in %.2f s", kind, user, time.monotonic() - started)
        return outcome

    def _timed(self, send: Callable[[], AppResponse]) -> tuple[AppResponse, Outcome]:
        started = time.monotonic()
        response = send()
        return response, answered(response, time.monotonic() - started)

    def slash(self, user: str, data: Mapping[str, Any]) -> Outcome:
        """The message box: ``/settle …`` is a slash command; other text is a plain message."""
        text = _text(data, "text").strip()
        channel = self.place(user, _text(data, "pane", 20))
        if not text:
            return Outcome(True)
        if not text.startswith("/"):
            self.driver.fake.post_user_message(channel, user, text)
            return Outcome(True)
        command, _, rest = text.partition(" ")
        if command.lower() != COMMAND:
            return Outcome(False, f"{command} is not a valid command. In Slack, all messages that start "
                                  "with “/” are interpreted as commands.")  # fmt: skip
        return self._timed(lambda: self.driver.slash(user, rest.strip(), channel))[1]

    def click(self, user: str, data: Mapping[str, Any]) -> Outcome:
        action_id, block_id = str(_id(data, "action_id")), _id(data, "block_id", optional=True)
        value = data.get("value") if isinstance(data.get("value"), str) else None
        where = data.get("container") or {}
        if not isinstance(where, dict):
            raise BadAction("container must be an object")
        send: Callable[[], AppResponse]
        if where.get("kind") == "view":
            view_id = str(_id(where, "view_id"))
            send = partial(self.driver.click_in_view, user, view_id, action_id, value, block_id, _answers(data))
        elif where.get("ephemeral"):
            send = partial(self.driver.click_in_ephemeral, user, str(_id(where, "ts")), action_id, value, block_id)
        else:
            channel, ts = str(_id(where, "channel")), str(_id(where, "ts"))
            send = partial(self.driver.click_in_message, user, channel, ts, action_id, value, block_id)
        return self._timed(send)[1]

    def submit(self, user: str, data: Mapping[str, Any]) -> Outcome:
        view_id, answers = str(_id(data, "view_id")), _answers(data)
        view = self.driver.fake.view(view_id)
        if view is None:
            raise BadAction("no such view")
        response, outcome = self._timed(lambda: self.driver.submit(user, view_id, answers))
        body = _json(response) if response.status == 200 else None
        if isinstance(body, dict) and body.get("response_action") == "errors":
            self.memory.refused(view, answers, body.get("errors") or {})
        return outcome

    def close(self, user: str, data: Mapping[str, Any]) -> Outcome:
        response = self.driver.close(user, str(_id(data, "view_id")))
        return Outcome(True) if response is None else answered(response, 0.0)

    def home(self, user: str, data: Mapping[str, Any]) -> Outcome:
        """The person opened the app's Home (or Messages) tab: Slack sends app_home_opened."""
        tab = "messages" if data.get("tab") == "messages" else "home"
        return self._timed(lambda: self.driver.open_home(user, tab))[1]

    def scan(self, user: str, data: Mapping[str, Any]) -> Outcome:
        days = data.get("days")
        if not isinstance(days, int) or not 0 <= days <= 365:
            raise BadAction("days must be a whole number from 0 to 365")
        self.memory.last_scan = self.scanner(days)
        return Outcome(True, self.memory.last_scan)
