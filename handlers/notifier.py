"""The domain's Notifier port on Slack: alerts, their updates and reminder replies."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.alerts import AlertView
from domain.ports import DeliveryFailed
from handlers.blocks.alert import alert_message, reminder_message
from handlers.i18n import translator

log = logging.getLogger(__name__)


class SlackNotifier:
    """Posts in the account's language; any failure left after slack_sdk's retries is DeliveryFailed."""

    def __init__(self, client: WebClient) -> None:
        self._client = client

    def post_alert(self, channel: str, view: AlertView) -> str:
        message = alert_message(view, translator(view.account.locale))
        response = self._call("chat_postMessage", channel=channel, text=message.text, blocks=message.blocks)
        return str(response["ts"])

    def update_alert(self, channel: str, ts: str, view: AlertView) -> None:
        message = alert_message(view, translator(view.account.locale))
        self._call("chat_update", channel=channel, ts=ts, text=message.text, blocks=message.blocks)

    def post_reminder(self, channel: str, thread_ts: str, view: AlertView, stage: int) -> str:
        owner = view.card.owner_slack_user_id if view.card else None
        message = reminder_message(view, stage, owner, translator(view.account.locale))
        response = self._call(
            "chat_postMessage", channel=channel, thread_ts=thread_ts,
            text=message.text, blocks=message.blocks,
        )  # fmt: skip
        return str(response["ts"])

    def _call(self, method: str, **kwargs: object) -> dict[str, object]:
        try:
            response = getattr(self._client, method)(**kwargs)
        except SlackApiError as exc:
            log.warning("%s to %s failed: %s", method, kwargs.get("channel"), exc.response.get("error"))
            raise DeliveryFailed(str(exc.response.get("error"))) from exc
        except OSError as exc:  # connection reset, timeout, DNS: slack_sdk's retries are spent
            log.warning("%s to %s failed: %s", method, kwargs.get("channel"), type(exc).__name__)
            raise DeliveryFailed(type(exc).__name__) from exc
        return dict(response.data) if isinstance(response.data, dict) else {}
