"""A person using Slack: clicks, submissions and slash commands become signed requests to the app.

Used by the end-to-end tests and by the sandbox page alike. Each action issues a fresh
trigger id (valid 3 seconds, as Slack's), posts the exact payload Slack would, and applies
the app's synchronous answer to the fake workspace as Slack would (a slash command's
ephemeral reply, a view submission's ``response_action``). A slash command also waits for
the app's later answer (through its response URL, or a modal opened), as its user does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from sandbox import payloads
from sandbox.fake_slack import FakeSlack
from sandbox.inputs import state_values
from sandbox.recording import Call
from sandbox.responses import METHOD as RESPONSE_URL
from sandbox.signing import AppResponse, SlackRequester


class SlackDriver:
    """Args:
        fake: the fake Slack the app calls.
        requester: sends signed requests to the app.
        hooks_url: where the fake is served, for the response URLs it issues (default: its server).
        reply_timeout: how long ``slash`` waits for the app's answer after an empty ack.
        team_of: the workspace (team id) each person acts in; None: the fake's own team for all.
    """

    def __init__(self, fake: FakeSlack, requester: SlackRequester, hooks_url: str | None = None,
                 reply_timeout: float = 10.0, team_of: Callable[[str], str | None] | None = None) -> None:  # fmt: skip
        self.fake = fake
        self.requester = requester
        self.hooks_url = hooks_url
        self.reply_timeout = reply_timeout
        self.team_of = team_of or (lambda _user: None)

    def _team(self, user: str) -> dict[str, str]:
        """The payload's ``team_id`` argument for ``user`` (none: the payload's default team)."""
        team = self.team_of(user)
        return {} if team is None else {"team_id": team}

    def slash(self, user: str, text: str = "", channel: str = "C0BILLING1", team_id: str | None = None) -> AppResponse:
        """Type ``/settle TEXT`` and wait for the answer, as a person would.

        An ephemeral reply in the ack is shown to the user; after an empty ack, the app's
        answer through the response URL, or the modal it opens, is waited for. The response
        returned carries the ack's status and the reply's message as its body (none for a modal).
        """
        trigger = self.fake.issue_trigger_id(user)
        response_url = self.fake.issue_response_url(user, channel, self.hooks_url)
        team = self._team(user) if team_id is None else {"team_id": team_id}  # another workspace than the fake's
        payload = payloads.slash_command(
            text=text, user_id=user, channel_id=channel, trigger_id=trigger, response_url=response_url, **team
        )
        response = self.requester.send(payload)
        body = _json(response)
        if response.status == 200 and body and (body.get("text") or body.get("blocks")):
            blocks = body.get("blocks")
            if isinstance(blocks, list):  # Slack gives every block a block_id, as for chat.postEphemeral
                blocks = self.fake.workspace.ids.with_block_ids(blocks)
            message = self.fake.workspace.messages.bot_message(body.get("text", ""), blocks)
            self.fake.workspace.messages.post_ephemeral(channel, user, message)
            return response
        if response.status != 200:
            return response
        return self._reply(response, urlsplit(response_url).path, trigger)

    def _reply(self, ack: AppResponse, path: str, trigger: str) -> AppResponse:
        def answered(call: Call) -> bool:
            if call.method == RESPONSE_URL:
                return call.params.get("url") == path
            return call.method == "views.open" and call.params.get("trigger_id") == trigger

        try:
            (call,) = self.fake.wait_for(answered, timeout=self.reply_timeout)[-1:]
        except TimeoutError:
            return ack
        if call.method != RESPONSE_URL:
            return ack
        message = {k: call.params[k] for k in ("text", "blocks", "response_type") if k in call.params}
        return AppResponse(ack.status, {"content-type": "application/json"}, json.dumps(message).encode())

    def click_in_message(self, user: str, channel: str, ts: str, action_id: str,
                         value: str | None = None, block_id: str | None = None) -> AppResponse:  # fmt: skip
        message = self.fake.message(channel, ts)
        if message is None:
            raise LookupError(f"no message {ts} in {channel}")
        payload = payloads.block_actions(
            user_id=user, action_id=action_id, value=value, block_id=block_id, channel_id=channel,
            message=message, trigger_id=self.fake.issue_trigger_id(user), **self._team(user),
        )  # fmt: skip
        return self.requester.send(payload)

    def click_in_ephemeral(self, user: str, ts: str, action_id: str, value: str | None = None,
                           block_id: str | None = None) -> AppResponse:  # fmt: skip
        """Click in an ephemeral message shown to ``user`` (Slack sends no ``message`` then)."""
        message = next((m for m in self.fake.ephemerals(user) if m["ts"] == ts), None)
        if message is None:
            raise LookupError(f"no ephemeral message {ts} for {user}")
        payload = payloads.block_actions(
            user_id=user, action_id=action_id, value=value, block_id=block_id,
            channel_id=message["channel"], message=message, is_ephemeral=True,
            trigger_id=self.fake.issue_trigger_id(user), **self._team(user),
        )  # fmt: skip
        return self.requester.send(payload)

    def click_in_view(self, user: str, view_id: str, action_id: str, value: str | None = None,
                      block_id: str | None = None, answers: dict[str, Any] | None = None,
                      ) -> AppResponse:  # fmt: skip
        """Click in a modal or Home tab; ``answers`` ({action_id: value}) are its inputs' current
        values, sent in ``view.state`` as Slack does (default: the view's initial values)."""
        view = self.fake.view(view_id)
        if view is None:
            raise LookupError(f"no view {view_id}")
        values = None if answers is None else state_values(view, answers)
        payload = payloads.block_actions(
            user_id=user, action_id=action_id, value=value, block_id=block_id, view=dict(view),
            trigger_id=self.fake.issue_trigger_id(user), state_values=values, **self._team(user),
        )  # fmt: skip
        return self.requester.send(payload)

    def submit(self, user: str, view_id: str, answers: dict[str, Any] | None = None) -> AppResponse:
        """Press the modal's submit button with ``answers`` ({action_id: value}) filled in."""
        view = self.fake.view(view_id)
        if view is None:
            raise LookupError(f"no view {view_id}")
        payload = payloads.view_submission(
            user_id=user, view=dict(view), state_values=state_values(view, answers or {}),
            trigger_id=self.fake.issue_trigger_id(user), **self._team(user),
        )  # fmt: skip
        response = self.requester.send(payload)
        if response.status == 200:
            self.fake.apply_view_response(user, view_id, _json(response))
        return response

    def close(self, user: str, view_id: str) -> AppResponse | None:
        """Close the modal (Cancel or x); Slack tells the app only if it set ``notify_on_close``."""
        view = self.fake.view(view_id)
        if view is None:
            raise LookupError(f"no view {view_id}")
        self.fake.close_view(user)
        if not view.get("notify_on_close"):
            return None
        return self.requester.send(payloads.view_closed(user_id=user, view=dict(view), **self._team(user)))

    def open_home(self, user: str, tab: str = "home") -> AppResponse:
        """Open the app's Home tab (or, with ``tab="messages"``, its Messages tab)."""
        home = self.fake.home_view(user) if tab == "home" else None
        payload = payloads.app_home_opened(user_id=user, tab=tab, view=dict(home) if home else None,
                                           **self._team(user))  # fmt: skip
        return self.requester.send(payload)


def _json(response: AppResponse) -> dict[str, Any] | None:
    if not response.body:
        return None
    try:
        value = response.json()
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
