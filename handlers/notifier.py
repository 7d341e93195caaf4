"""The domain's Notifier port on Slack: alerts, digests, their updates and thread replies."""

from __future__ import annotations

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
    """Posts in the account's language; any failure left after slack_sdk's retries is
    DeliveryFailed, naming the method, the channel and Slack's error (never the message)."""

    def __init__(
        self, client: WebClient, pacer: ChannelPacer | None = None, locales: Locales | None = None,
        *, sandbox: bool = False,
    ) -> None:
        """``sandbox``: the gateway in use is a test processor; settled alerts say no real money moved."""
        self._client = client
        self._pacer = pacer or ChannelPacer()
        self._locales = locales or Locales(client)
        self._sandbox = sandbox

    def post_alert(self, channel: str, view: AlertView) -> str:
        return self._post(channel, self._alert(view))

    def update_alert(self, channel: str, ts: str, view: AlertView) -> None:
        message = self._alert(view)
        self._call("chat_update", channel=channel, ts=ts, text=message.text, blocks=message.blocks)

    def post_reminder(self, channel: str, thread_ts: str, view: AlertView, stage: int) -> str:
        owner = view.card.owner_slack_user_id if view.card else None
        message = reminder_message(view, stage, owner, translator(view.account.locale))
        return self._post(channel, message, thread_ts)

    def post_digest(self, channel: str, digest: DigestView) -> str:
        return self._post(channel, digest_message(digest, translator(digest.locale)))

    def post_in_thread(self, channel: str, thread_ts: str, view: AlertView) -> str:
        return self._post(channel, self._alert(view), thread_ts)

    def _alert(self, view: AlertView) -> Message:
        return alert_message(view, translator(view.account.locale), sandbox=self._sandbox)

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
        except SlackApiError as exc:  # the deliverer logs it once, with the alert's id
            raise DeliveryFailed(_reason(method, kwargs, exc.response.get("error"))) from exc
        except OSError as exc:  # connection reset, timeout, DNS: slack_sdk's retries are spent
            raise DeliveryFailed(_reason(method, kwargs, type(exc).__name__)) from exc
        return dict(response.data) if isinstance(response.data, dict) else {}


def _reason(method: str, kwargs: dict[str, object], error: object) -> str:
    return f"{method} to {kwargs.get('channel')}: {error}"
