"""The domain's Notifier port on Slack: alerts, digests, their updates and thread replies."""

from __future__ import annotations

import copy
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
from handlers.blocks.payload import as_json
from handlers.i18n import translator
from handlers.people import Locales
from handlers.workspaces import RunClients, SingleWorkspace, SlackClients, WorkspaceGone
from handlers.workspaces_down import WORKSPACE_ERRORS, WORKSPACE_PAUSE, Workspace, WorkspacesDown, workspace_of

POST_INTERVAL = 1.02  # seconds between posts to one channel: Slack allows about one a second
Lane = tuple[str | None, str | None, str]  # workspace (team, Grid org) and channel: a channel id is a workspace's


class ChannelPacer:
    """Spaces posts to each channel ``interval`` seconds apart, counted from the end of the
    previous post, so a burst of alerts does not meet HTTP 429 at all (slack_sdk's retry
    handler still honours Retry-After if it does). Each channel waits only for itself:
    posting to other channels goes on meanwhile (the deliverer posts to them in parallel).
    Channels are told apart by workspace: each workspace has its own share of Slack's limits."""

    def __init__(self, interval: float = POST_INTERVAL) -> None:
        self.interval = interval
        self._ready: dict[Lane | str, float] = {}
        self._lock = threading.Lock()

    @contextmanager
    def turn(self, channel: Lane | str) -> Iterator[None]:
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
    """Posts in the account's language, to the account's workspace with that workspace's client;
    any failure left after slack_sdk's retries is DeliveryFailed, naming the method, the channel
    and Slack's error (never the message). A workspace whose token Slack refuses (or where the
    app is no longer installed) or that cannot be reached is skipped for ``pause`` seconds: its
    other messages fail at once (set aside with the backoff), never delaying other workspaces'."""

    def __init__(
        self, clients: SlackClients | WebClient, pacer: ChannelPacer | None = None, locales: Locales | None = None,
        *, sandbox: bool = False, pause: float = WORKSPACE_PAUSE,
    ) -> None:
        """``sandbox``: the gateway in use is a test processor; settled alerts say no real money moved."""
        self._clients = SingleWorkspace(clients) if isinstance(clients, WebClient) else clients
        self._pacer = pacer or ChannelPacer()
        self._locales: dict[Workspace, Locales] = {} if locales is None else {(None, None): locales}
        self._sandbox = sandbox
        self._down = WorkspacesDown(pause)

    def for_run(self) -> SlackNotifier:
        """This notifier for one delivery run: the same pacing, languages and paused workspaces,
        with each workspace's client asked for once (``RunClients``), not once per message."""
        run = copy.copy(self)
        run._clients = RunClients(self._clients)
        return run

    def post_alert(self, channel: str, view: AlertView) -> str:
        return self._post(workspace_of(view.account), channel, self._alert(view))

    def update_alert(self, channel: str, ts: str, view: AlertView) -> None:
        message = self._alert(view)
        self._call(workspace_of(view.account), "chat_update", channel=channel, ts=ts, text=message.text,
                   blocks=as_json(message.blocks))  # fmt: skip

    def post_reminder(self, channel: str, thread_ts: str, view: AlertView, stage: int) -> str:
        owner = view.card.owner_slack_user_id if view.card else None
        message = reminder_message(view, stage, owner, translator(view.account.locale))
        return self._post(workspace_of(view.account), channel, message, thread_ts)

    def post_digest(self, channel: str, digest: DigestView) -> str:
        return self._post(digest.workspace, channel, digest_message(digest, translator(digest.locale)))

    def post_in_thread(self, channel: str, thread_ts: str, view: AlertView) -> str:
        return self._post(workspace_of(view.account), channel, self._alert(view), thread_ts)

    def _alert(self, view: AlertView) -> Message:
        return alert_message(view, translator(view.account.locale), sandbox=self._sandbox)

    def tell_payer(self, result: SettlementResult) -> None:
        """A direct message to whoever pressed Save (in the account's workspace): the receipt,
        or why nothing was charged."""
        actor, workspace = result.attempt.actor, workspace_of(result.account)
        message = receipt_message(result, self._locales_of(workspace).of(actor))
        self._call(workspace, "chat_postMessage", channel=actor, text=message.text, blocks=message.blocks)

    def _locales_of(self, workspace: Workspace) -> Locales:
        """Each workspace's people's languages (one given to the constructor serves every workspace)."""
        if (None, None) in self._locales:
            return self._locales[(None, None)]
        if workspace not in self._locales:
            self._locales[workspace] = Locales(self._clients.client_for(*workspace))
        return self._locales[workspace]

    def _post(self, workspace: Workspace, channel: str, message: Message, thread_ts: str | None = None) -> str:
        extra = {} if thread_ts is None else {"thread_ts": thread_ts}
        self._down.check(workspace, channel)
        with self._pacer.turn((*workspace, channel)):
            response = self._call(workspace, "chat_postMessage", channel=channel, text=message.text,
                                  blocks=as_json(message.blocks), **extra)  # fmt: skip
        return str(response["ts"])

    def _call(self, workspace: Workspace, method: str, **kwargs: object) -> dict[str, object]:
        self._down.check(workspace, kwargs.get("channel"))
        try:
            response = getattr(self._clients.client_for(*workspace), method)(**kwargs)
        except WorkspaceGone as exc:
            self._down.mark(workspace)
            raise DeliveryFailed(_reason(method, kwargs, "workspace_gone")) from exc
        except SlackApiError as exc:  # the deliverer logs it once, with the alert's id
            error = exc.response.get("error")
            if error in WORKSPACE_ERRORS:
                self._down.mark(workspace)
            raise DeliveryFailed(_reason(method, kwargs, error)) from exc
        except OSError as exc:  # connection reset, timeout, DNS: slack_sdk's retries are spent
            self._down.mark(workspace)
            raise DeliveryFailed(_reason(method, kwargs, type(exc).__name__)) from exc
        return dict(response.data) if isinstance(response.data, dict) else {}


def _reason(method: str, kwargs: dict[str, object], error: object) -> str:
    return f"{method} to {kwargs.get('channel')}: {error}"
