"""A person using Slack: clicks, submissions and slash commands become signed requests to the app.

Used by the end-to-end tests and by the sandbox page alike. Each action issues a fresh
trigger id (valid 3 seconds, as Slack's), posts the exact payload Slack would, and applies
the app's synchronous answer to the fake workspace as Slack would (a slash command's
ephemeral reply, a view submission's ``response_action``).
"""

from __future__ import annotations

from typing import Any

from sandbox import payloads
from sandbox.fake_slack import FakeSlack
from sandbox.inputs import state_values
from sandbox.signing import AppResponse, SlackRequester


class SlackDriver:
    def __init__(self, fake: FakeSlack, requester: SlackRequester) -> None:
        self.fake = fake
        self.requester = requester

    def slash(self, user: str, text: str = "", channel: str = "C0BILLING1") -> AppResponse:
        """Type ``/settle TEXT``; an ephemeral reply in the ack is shown to the user."""
        payload = payloads.slash_command(
            text=text, user_id=user, channel_id=channel, trigger_id=self.fake.issue_trigger_id(user)
        )
        response = self.requester.send(payload)
        body = _json(response)
        if response.status == 200 and body and (body.get("text") or body.get("blocks")):
            message = self.fake.workspace.messages.bot_message(body.get("text", ""), body.get("blocks"))
            self.fake.workspace.messages.post_ephemeral(channel, user, message)
        return response

    def click_in_message(self, user: str, channel: str, ts: str, action_id: str,
                         value: str | None = None) -> AppResponse:  # fmt: skip
        message = self.fake.message(channel, ts)
        if message is None:
            raise LookupError(f"no message {ts} in {channel}")
        payload = payloads.block_actions(
            user_id=user, action_id=action_id, value=value, channel_id=channel, message=message,
            trigger_id=self.fake.issue_trigger_id(user),
        )  # fmt: skip
        return self.requester.send(payload)

    def click_in_view(self, user: str, view_id: str, action_id: str, value: str | None = None,
                      block_id: str | None = None) -> AppResponse:  # fmt: skip
        view = self.fake.view(view_id)
        if view is None:
            raise LookupError(f"no view {view_id}")
        payload = payloads.block_actions(
            user_id=user, action_id=action_id, value=value, block_id=block_id, view=dict(view),
            trigger_id=self.fake.issue_trigger_id(user),
        )  # fmt: skip
        return self.requester.send(payload)

    def submit(self, user: str, view_id: str, answers: dict[str, Any] | None = None) -> AppResponse:
        """Press the modal's submit button with ``answers`` ({action_id: value}) filled in."""
        view = self.fake.view(view_id)
        if view is None:
            raise LookupError(f"no view {view_id}")
        payload = payloads.view_submission(
            user_id=user, view=dict(view), state_values=state_values(view, answers or {}),
            trigger_id=self.fake.issue_trigger_id(user),
        )  # fmt: skip
        response = self.requester.send(payload)
        if response.status == 200:
            self.fake.apply_view_response(user, view_id, _json(response))
        return response

    def close(self, user: str, view_id: str) -> AppResponse:
        view = self.fake.view(view_id)
        if view is None:
            raise LookupError(f"no view {view_id}")
        self.fake.close_view(user)
        return self.requester.send(payloads.view_closed(user_id=user, view=dict(view)))

    def open_home(self, user: str) -> AppResponse:
        home = self.fake.home_view(user)
        return self.requester.send(payloads.app_home_opened(user_id=user, view=dict(home) if home else None))


def _json(response: AppResponse) -> dict[str, Any] | None:
    if not response.body:
        return None
    try:
        value = response.json()
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
