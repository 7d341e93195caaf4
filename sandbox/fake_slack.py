"""`FakeSlack`: a Slack Web API over real HTTP on loopback, with Slack-like state.

Usage::

    with FakeSlack(spec_path=SPEC) as fake:
        client = WebClient(base_url=fake.url, token="xoxb-test")
        client.chat_postMessage(channel="C0ALERTS", text="hi")
        fake.wait_for("chat.postMessage")
        assert fake.problems == []
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self

from sandbox.clock import Clock, system_clock
from sandbox.faults import Fault, FaultKind, Faults
from sandbox.ids import Identity
from sandbox.messages import Message
from sandbox.oauth import OAuth, Team
from sandbox.recording import Call, CallLog, CallMatcher, Problem
from sandbox.server import ServerThread, WebApi
from sandbox.socket_mode import SocketModeServer
from sandbox.spec import ApiSpec
from sandbox.state import Workspace
from sandbox.validation import response_action_errors
from sandbox.views import View


class FakeSlack:
    """A fake Slack workspace serving the Web API at `url` once started.

    Args:
        host: interface to listen on (loopback by default).
        port: 0 lets the OS choose; read the result from `url`.
        spec_path: Slack's OpenAPI spec; when given, every call is checked against it.
        users: people by user id, e.g. {"U1": {"name": "ana", "locale": "es-ES"}}.
        token: accept only this token (others get invalid_auth); None accepts any.
        app_token: accept only this app-level token for Socket Mode (``apps.connections.open``);
            None accepts any ``xapp-`` token.
        clock: time source; pass a `ManualClock` to expire trigger ids without sleeping.
        identity: team, app and bot ids.
        strict_channels: only channels added with `add_channel` exist.
        seed: seed for generated ids.
        nice: the niceness of the threads serving requests (Linux): a benchmark sets it so that
            the fake's work (it validates every payload with slack_sdk's models) takes the CPU
            the app leaves, as Slack's servers do not share the app's machine.
    """

    def __init__(
        self, *, host: str = "127.0.0.1", port: int = 0, spec_path: str | None = None,
        users: Mapping[str, Mapping[str, Any]] | None = None, token: str | None = None,
        clock: Clock = system_clock, identity: Identity | None = None,
        strict_channels: bool = False, seed: int | None = None, nice: int = 0,
        app_token: str | None = None,
    ) -> None:  # fmt: skip
        self.identity = identity or Identity()
        self.workspace = Workspace(self.identity, clock, users, strict_channels, seed)
        self._calls, self._faults = CallLog(), Faults(clock)
        self._stopping = threading.Event()
        spec = ApiSpec.load(spec_path) if spec_path else None
        self.oauth = OAuth(self.identity, clock)
        self.oauth.add_team(Team(self.identity.team_id, self.identity.team_name))
        self.wsgi_app = WebApi(self.workspace, self._calls, self._faults, spec, token,
                               self._stopping, app_token, self.oauth)  # fmt: skip
        self._host, self._port, self._nice = host, port, nice
        self._server: ServerThread | None = None
        self._socket: SocketModeServer | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Self:
        """Bind the port and serve in a daemon thread."""
        if self._server is None:
            self._stopping.clear()
            self._server = ServerThread(self.wsgi_app, self._host, self._port, self._nice, keep_alive=True)
            self._server.start()
            self.workspace.socket_urls = lambda: self.socket_mode.issue_url()
        return self

    def stop(self) -> None:
        """Stop serving (injected timeouts in progress end at once)."""
        if self._server is not None:
            self._stopping.set()
            self._server.stop()
            self._server = None
        if self._socket is not None:
            self._socket.stop()
            self._socket = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:  # fmt: skip
        self.stop()

    @property
    def url(self) -> str:
        """The base URL for `WebClient(base_url=...)`, e.g. "http://127.0.0.1:54321/api/"."""
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return f"http://{self._host}:{self._server.port}/api/"

    @property
    def socket_mode(self) -> SocketModeServer:
        """Socket Mode's WebSocket endpoint (started on first use, e.g. by ``apps.connections.open``):
        send envelopes, read their acknowledgements, disconnect or drop the app."""
        with self.workspace.lock:
            if self._socket is None:
                report = lambda kind, detail: self.workspace.report("socket_mode", kind, detail)  # noqa: E731
                self._socket = SocketModeServer(self.identity.app_id, report, self._host)
            return self._socket

    # -- what was received -------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Every call received so far (a snapshot), failed ones included."""
        return self._calls.snapshot()

    def calls_after(self, seen: int, timeout: float = 1.0) -> list[Call]:
        """The calls received after the first ``seen`` (waiting up to ``timeout`` for one)."""
        return self._calls.after(seen, timeout)

    def calls_to(self, method: str, ok: bool | None = None) -> list[Call]:
        """Calls to `method`; `ok=True` keeps those that took effect, `ok=False` the others."""
        return self._calls.matching(method, ok)

    def wait_for(
        self, what: CallMatcher, count: int = 1, timeout: float = 5.0, ok: bool | None = None
    ) -> list[Call]:
        """Wait until `count` calls match `what` (a method name or a predicate); see `calls_to`.

        Raises:
            TimeoutError: when they have not all arrived after `timeout` seconds.
        """
        return self._calls.wait_for(what, count, timeout, ok)

    @property
    def problems(self) -> list[Problem]:
        """Everything that would have failed or differed on real Slack; tests expect []."""
        return self.workspace.problems()

    def reset(self) -> None:
        """Forget recorded calls and problems (the workspace state and faults stay)."""
        self._calls.clear()
        self.workspace.clear_problems()

    # -- Slack-like state, for tests and the sandbox page ------------------------------------

    def issue_trigger_id(self, user_id: str | None = None) -> str:
        """A trigger id (as in a payload) valid for 3 seconds; the view it opens is `user_id`'s."""
        return self.workspace.views.issue_trigger(user_id)

    def issue_response_url(self, user_id: str, channel_id: str, base_url: str | None = None) -> str:
        """A slash command's response_url: messages posted to it reach ``user_id`` in ``channel_id``.
        ``base_url``: where this fake is served (default: its own server)."""
        host = base_url or self.url.removesuffix("api/")
        return self.wsgi_app.responses.issue(host, user_id, channel_id)

    def view(self, view_id: str) -> View | None:
        """A view as Slack holds it (id, hash, callback_id, private_metadata, state...)."""
        return self.workspace.views.get(view_id)

    def modal_stack(self, user_id: str | None) -> list[View]:
        """The user's open modals, bottom first."""
        return self.workspace.views.stack(user_id)

    def current_view(self, user_id: str | None) -> View | None:
        """The modal the user sees (top of the stack), if any."""
        stack = self.modal_stack(user_id)
        return stack[-1] if stack else None

    def home_view(self, user_id: str) -> View | None:
        return self.workspace.views.home(user_id)

    def apply_view_response(
        self, user_id: str | None, view_id: str, response: dict[str, Any] | None
    ) -> None:
        """Apply the app's ack body for a view_submission (as Slack would), checking it first."""
        view = self.view(view_id) or {}
        errors = response_action_errors(view, response or {})
        for error in errors:
            self.workspace.report("view_submission", "invalid_response_action", error)
        if not errors:
            self.workspace.views.respond(user_id, view_id, response)

    def close_view(self, user_id: str | None, all_views: bool = False) -> None:
        """The user closed the top modal (or all of them)."""
        self.workspace.views.close(user_id, all_views)

    def messages(self, channel: str) -> list[Message]:
        """The channel's timeline (top-level messages), oldest first."""
        return self.workspace.messages.messages(channel)

    def thread(self, channel: str, ts: str) -> list[Message]:
        """A thread: its parent, then its replies."""
        return self.workspace.messages.thread(channel, ts)

    def message(self, channel: str, ts: str) -> Message | None:
        return self.workspace.messages.message(channel, ts)

    def ephemerals(self, user_id: str) -> list[Message]:
        """Ephemeral messages shown to `user_id` (each with its `channel`)."""
        return self.workspace.messages.ephemerals(user_id)

    def dm_channel_id(self, user_id: str) -> str:
        """The id of the app's DM with `user_id` (opened if needed)."""
        return self.workspace.messages.open_dm(user_id)[0].id

    def dms(self, user_id: str) -> list[Message]:
        """The messages of the app's DM with `user_id`."""
        return self.messages(self.dm_channel_id(user_id))

    def post_user_message(
        self, channel: str, user_id: str, text: str, thread_ts: str | None = None
    ) -> Message:
        """A person writes in a channel (for the sandbox page)."""
        message = {"type": "message", "user": user_id, "text": text,
                   "team": self.identity.team_id}  # fmt: skip
        return self.workspace.messages.post(channel, message, thread_ts)

    def add_channel(self, channel_id: str, name: str | None = None) -> None:
        self.workspace.messages.add_channel(channel_id, name)

    def add_user(self, user_id: str, **fields: Any) -> None:
        """Add or change a person (name, real_name, locale, tz, email, is_admin...)."""
        self.workspace.users.add(user_id, **fields)

    # -- installations ("Add to Slack", see sandbox/oauth.py) -----------------------------------

    def add_team(self, team_id: str, name: str, enterprise_id: str | None = None,
                 enterprise_name: str | None = None, *, org_wide: bool = False) -> None:  # fmt: skip
        """A team (or, ``org_wide``, an Enterprise Grid org) whose admin may install the app."""
        self.oauth.add_team(Team(team_id, name, enterprise_id, enterprise_name, org_wide))

    def uninstall(self, team_id: str) -> list[dict[str, Any]]:
        """An admin removes the app from a team: its tokens stop working at once; the events
        Slack then sends the app (``tokens_revoked``, ``app_uninstalled``), for the test to deliver."""
        self.oauth.uninstall(team_id)
        return self.oauth.events_for_uninstall(team_id)

    def calls_with_token(self, method: str, token: str) -> list[Call]:
        """Calls to ``method`` made with ``token``."""
        return [c for c in self.calls_to(method) if c.token == token]

    # -- faults ------------------------------------------------------------------------------

    def fail_next(
        self, n: int = 1, kind: FaultKind = "http_500", *, method: str | None = None,
        retry_after: int = 1, delay: float = 3.0, apply: bool = False,
    ) -> None:  # fmt: skip
        """Make the next `n` calls (to `method`, or to any) fail; see `sandbox.faults`.

        Args:
            retry_after: the Retry-After seconds of an http_429.
            delay: how long a timeout holds the connection before dropping it.
            apply: do the work anyway, so only the answer is lost.
        """
        self._faults.fail_next(n, Fault(kind, method, retry_after, delay, apply))

    def rate_limit_channel(
        self, channel: str, per_second: float = 1.0, retry_after: int = 1
    ) -> None:
        """Answer chat.postMessage to `channel` with HTTP 429 beyond `per_second` posts."""
        self._faults.rate_limit_channel(channel, per_second, retry_after)

    def clear_faults(self) -> None:
        self._faults.clear()
