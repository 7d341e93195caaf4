"""The domain's Notifier port on Slack: alerts, digests, their updates and thread replies."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.alert_views import AlertView, DigestView
from domain.ports import DeliveryFailed
from domain.settlement import SettlementResult
from handlers.blocks.alert import alert_message, reminder_message
from handlers.blocks.command import receipt_message
from handlers.blocks.common import Message
from handlers.blocks.digest import digest_message
from handlers.i18n import translator
from handlers.people import Locales

log = logging.getLogger(__name__)
POST_INTERVAL = 1.02  # seconds between posts to one channel: Slack allows about one a second


class ChannelPacer:
    """Spaces posts to each channel ``interval`` seconds apart, counted from the end of the
    previous post, so a burst of alerts does not meet HTTP 429 at all (slack_sdk's retry
    handler still honours Retry-After if it does). Each channel waits only for itself:
    posting to other channels goes on meanwhile (the deliverer posts to them in parallel)."""

    def __init__(self, interval: float = POST_INTERVAL) -> None:
        self.interval = interval
        self._ready: dict[str, float] = {}
        self._lock = threading.Lock()

    @contextmanager
    def turn(self, channel: str) -> Iterator[None]:
        with self._lock:
            ready = self._ready.get(channel, 0.0)
        delay = ready - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        try:
            yield
        finally:
            with self._lock:
                self._ready[channel] = time.monotonic() + self.interval


class SlackNotifier:
    """Posts in the account's language; any failure left after slack_sdk's retries is DeliveryFailed."""

    def __init__(self, client: WebClient, pacer: ChannelPacer | None = None, locales: Locales | None = None) -> None:
        self._client = client
        self._pacer = pacer or ChannelPacer()
        self._locales = locales or Locales(client)

    def post_alert(self, channel: str, view: AlertView) -> str:
        return self._post(channel, alert_message(view, translator(view.account.locale)))

    def update_alert(self, channel: str, ts: str, view: AlertView) -> None:
        message = alert_message(view, translator(view.account.locale))
        self._call("chat_update", channel=channel, ts=ts, text=message.text, blocks=message.blocks)

    def post_reminder(self, channel: str, thread_ts: str, view: AlertView, stage: int) -> str:
        owner = view.card.owner_slack_user_id if view.card else None
        message = reminder_message(view, stage, owner, translator(view.account.locale))
        return self._post(channel, message, thread_ts)

    def post_digest(self, channel: str, digest: DigestView) -> str:
        return self._post(channel, digest_message(digest, translator(digest.locale)))

    def post_in_thread(self, channel: str, thread_ts: str, view: AlertView) -> str:
        return self._post(channel, alert_message(view, translator(view.account.locale)), thread_ts)

    def tell_payer(self, result: SettlementResult) -> None:
        """A direct message to whoever pressed Save: the receipt, or why nothing was charged."""
        actor = result.attempt.actor
        message = receipt_message(result, self._locales.of(actor))
        self._call("chat_postMessage", channel=actor, text=message.text, blocks=message.blocks)

    def _post(self, channel: str, message: Message, thread_ts: str | None = None) -> str:
        extra = {} if thread_ts is None else {"thread_ts": thread_ts}
        with self._pacer.turn(channel):
            response = self._call("chat_postMessage", channel=channel, text=message.text, blocks=message.blocks,
                                  **extra)  # fmt: skip
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
