"""The fake's HTTP side: a WSGI app answering `POST /api/<method>`, and a thread serving it.

Every request is parsed (query string, form or JSON body), authenticated, checked against the
spec, exposed to injected faults, handled, and recorded as a `Call`. Calls that could not work
on real Slack whatever its state (bad blocks, missing token, unknown method...) are also
recorded as problems.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from sandbox import api_chat, api_misc, api_views, oauth, responses, team_scope
from sandbox.errors import ApiError
from sandbox.faults import Fault, Faults
from sandbox.keepalive import KeepAlive, drop_connections
from sandbox.params import Params
from sandbox.recording import Call, CallLog
from sandbox.responses import ResponseUrls
from sandbox.spec import ApiSpec
from sandbox.state import Workspace

logger = logging.getLogger(__name__)

Handler = Callable[[Workspace, Params], dict[str, Any]]
HANDLERS: dict[str, Handler] = {**api_chat.HANDLERS, **api_views.HANDLERS, **api_misc.HANDLERS}
OAUTH_METHODS = oauth.METHODS  # answered by the fake's OAuth (sandbox/oauth.py)
JSON_ARGS = ("blocks", "attachments", "view", "metadata")
MALFORMED = frozenset({
    "invalid_blocks", "invalid_blocks_format", "invalid_arguments", "invalid_json", "no_text",
    "not_authed", "invalid_auth", "unknown_method", "msg_too_long", "not_allowed_token_type",
})  # fmt: skip
"""Errors that mean the call itself was wrong, not the state it met: reported as problems."""
APP_LEVEL = frozenset({"apps.connections.open"})
"""Methods that take an app-level token (``xapp-``) and no other."""


def read_params(request: Request) -> dict[str, Any]:
    """All arguments of a request, with JSON-valued form arguments decoded.

    Raises:
        ApiError: invalid_json if a JSON body does not parse to an object.
    """
    params: dict[str, Any] = dict(request.args.items())
    params.update(request.form.items())
    if request.mimetype == "application/json" and request.get_data():
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise ApiError("invalid_json")
        params.update(body)
    for name in JSON_ARGS:
        if isinstance(params.get(name), str):
            with contextlib.suppress(ValueError):
                params[name] = json.loads(params[name])
    return params


def _token(request: Request, params: dict[str, Any]) -> str | None:
    header = request.headers.get("Authorization", "")
    form_token = params.pop("token", None)
    return header[7:].strip() if header.startswith("Bearer ") else form_token


def _basic(request: Request) -> str | None:
    """HTTP Basic credentials (``oauth.v2.access``: client id and secret), base64 as sent."""
    header = request.headers.get("Authorization", "")
    return header[6:].strip() if header.startswith("Basic ") else None


def _json(
    body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    response = Response(json.dumps(body), status, mimetype="application/json")
    response.headers.update(headers or {})
    return response


class _Dropped(Response):
    """Closes the client's connection without an answer (a "reset")."""

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        connection = environ.get("werkzeug.socket")
        if isinstance(connection, socket.socket):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        return super().__call__(environ, start_response)


def _failure(fault: Fault) -> tuple[Response, int | None]:
    """What the client gets for an injected fault, and the HTTP status (None: no answer)."""
    if fault.kind in ("http_500", "http_503"):
        status = int(fault.kind[-3:])
        return Response(f"<html><body>{status} Server Error</body></html>", status,
                        mimetype="text/html"), status  # fmt: skip
    if fault.kind == "ratelimited":
        return _json({"ok": False, "error": "ratelimited"}), 200
    if fault.kind == "http_429":
        headers = {"Retry-After": str(fault.retry_after)}
        return _json({"ok": False, "error": "ratelimited"}, 429, headers), 429
    return _Dropped("connection dropped", 502), None  # 502 only where the socket is unreachable


class WebApi:
    """The fake Web API as a WSGI app (mountable beside the sandbox page).

    Args:
        workspace: the state the methods read and change.
        calls: where each call is recorded.
        faults: pending injected faults.
        spec: Slack's spec to check calls against, if any.
        token: the only bot token accepted, or None to accept any.
        app_token: the only app-level token accepted (``apps.connections.open``), or None to
            accept any ``xapp-`` token.
        stopping: set when the server stops, to cut injected timeouts short.
        oauth: installations by "Add to Slack"; tokens it issued are accepted with their own identity.
    """

    def __init__(
        self, workspace: Workspace, calls: CallLog, faults: Faults, spec: ApiSpec | None,
        token: str | None, stopping: threading.Event, app_token: str | None = None,
        oauth: oauth.OAuth | None = None,
    ) -> None:  # fmt: skip
        self._ws, self._calls, self._faults, self._spec = workspace, calls, faults, spec
        self.oauth = oauth
        self._token, self._app_token, self._stopping = token, app_token, stopping
        self.responses = ResponseUrls(workspace)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        return self.respond(Request(environ))(environ, start_response)

    def respond(self, request: Request) -> Response:
        """Answer one request like Slack would."""
        if request.path.startswith("/hooks/") and request.method == "POST":
            return self._hook(request)
        if request.path == "/oauth/v2/authorize" and self.oauth is not None:
            return self._authorize(request)
        if not request.path.startswith("/api/"):
            return Response("Not Found", 404)
        call = Call(request.path.removeprefix("/api/"), {}, self._ws.clock())
        try:
            params = read_params(request)
            call = Call(call.method, params, call.at)
            token = _token(request, params)
            call = Call(call.method, params, call.at, token=token)
            self._admit(call.method, token)
        except ApiError as error:
            return self._finish(call, error.body())
        return self._handle(call, _basic(request))

    def _authorize(self, request: Request) -> Response:
        """Slack's authorize page, approved at once: to the redirect URL with a code and the state."""
        assert self.oauth is not None
        try:
            location = self.oauth.authorize(dict(request.args.items()))
        except ApiError as error:
            return Response(f"Slack refused this installation: {error.body()['error']}", 400, mimetype="text/plain")
        return Response("", 302, headers={"Location": location})

    def _hook(self, request: Request) -> Response:
        """A POST to a response URL: Slack answers ``ok`` as text, or an error code with 4xx."""
        call = Call(responses.METHOD, {}, self._ws.clock())
        try:
            params = {**read_params(request), "url": request.path}
            call = Call(call.method, params, call.at)
            body = self.responses.post(request.path, params)
        except ApiError as error:
            body = error.body()
        self._finish(call, body)
        if body["ok"]:
            return Response("ok", 200, mimetype="text/plain")
        status = 404 if body["error"] in ("expired_url", "used_url") else 400
        return Response(str(body["error"]), status, mimetype="text/plain")

    def _admit(self, method: str, token: str | None) -> None:
        if method not in HANDLERS and not (method in OAUTH_METHODS and self.oauth is not None):
            raise ApiError("unknown_method")
        if method == "oauth.v2.access":
            return  # the app's client id and secret, checked by the method
        if token and self.oauth is not None and self.oauth.knows(token):
            self.oauth.check(token)  # revoked or expired: Slack's error for it
            return
        if not token:
            raise ApiError("not_authed")
        if (method in APP_LEVEL) != token.startswith("xapp-"):
            raise ApiError("not_allowed_token_type")
        expected = self._app_token if method in APP_LEVEL else self._token
        if expected is not None and token != expected:
            raise ApiError("invalid_auth")

    def _handle(self, call: Call, basic: str | None = None) -> Response:
        if self._spec is not None:
            for detail in self._spec.check(call.method, call.params):
                self._ws.report(call.method, "spec", detail)
        channel = call.params.get("channel")
        fault = self._faults.take(call.method, channel if isinstance(channel, str) else None)
        if fault is not None and not fault.apply:
            return self._fail(call, fault, None)
        body = self._run(call, basic)
        return self._fail(call, fault, body) if fault is not None else self._finish(call, body)

    def _run(self, call: Call, basic: str | None = None) -> dict[str, Any]:
        try:
            if self.oauth is not None and call.method in OAUTH_METHODS:
                return self.oauth.call(call.method, call.params, call.token, basic)
            if self.oauth is not None and call.method == "auth.test" and self.oauth.knows(call.token or ""):
                return self.oauth.auth_test(call.token or "")
            teams = self._teams(call.token)
            if teams is not None:
                team_scope.check(self._ws, call.method, call.params, teams)
            if call.method == "users.lookupByEmail":
                return api_misc.users_lookup_by_email(self._ws, call.params, teams)
            return HANDLERS[call.method](self._ws, call.params)
        except ApiError as error:
            return error.body()
        except Exception as error:  # a bug in the fake: make the test fail, not the app retry
            logger.exception("fake Slack failed on %s", call.method)
            self._ws.report(call.method, "fake_internal_error", repr(error))
            return {"ok": False, "error": "fatal_error"}

    def _teams(self, token: str | None) -> frozenset[str] | None:
        """The workspaces an installation's token speaks for; None for the fake's own token."""
        if self.oauth is None or not token or not self.oauth.knows(token):
            return None
        return team_scope.teams_of(self.oauth.tokens[token], dict(self.oauth.teams))

    def _finish(self, call: Call, body: dict[str, Any]) -> Response:
        error = body.get("error")
        self._calls.append(replace(call, ok=bool(body["ok"]), error=error))
        if error in MALFORMED:
            details = body.get("errors") or body.get("response_metadata", {}).get("messages")
            self._ws.report(call.method, str(error), "; ".join(details or [str(error)]))
        return _json(body, headers=self._headers())

    def _fail(self, call: Call, fault: Fault, body: dict[str, Any] | None) -> Response:
        response, status = _failure(fault)
        ok = body is not None and bool(body["ok"])
        self._calls.append(replace(call, ok=ok, error=fault.kind, status=status, fault=fault.kind))
        if fault.kind == "timeout":
            self._stopping.wait(fault.delay)
        return response

    def _headers(self) -> dict[str, str]:
        scopes = self._ws.identity.scopes
        return {"x-oauth-scopes": scopes, "x-accepted-oauth-scopes": scopes,
                "x-slack-req-id": self._ws.ids.block_id() + self._ws.ids.block_id()}  # fmt: skip


class _QuietHandler(WSGIRequestHandler):
    """Logs requests at debug level instead of printing each one."""

    def log(self, type: str, message: str, *args: Any) -> None:
        logger.debug("%s: " + message, type, *args)


class _NiceHandler(_QuietHandler):
    """Serves each request from a thread at a lower priority (``nice``; Linux sets it per thread)."""

    nice = 0

    def setup(self) -> None:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self.nice)
        super().setup()


class ServerThread:
    """Serves a WSGI app on a loopback port in a daemon thread (port 0: the OS picks one).

    ``nice`` > 0: each request's thread runs at that niceness, below the process's others.
    ``keep_alive``: connections are kept open for the client's next requests (``sandbox.keepalive``),
    as Slack's servers keep them; else each is closed after one answer (werkzeug's way).
    """

    def __init__(self, app: Any, host: str, port: int, nice: int = 0, *, keep_alive: bool = False) -> None:
        base = type("_Handler", (_NiceHandler,), {"nice": nice}) if nice else _QuietHandler
        handler = type("_KeepAliveHandler", (KeepAlive, base), {}) if keep_alive else base
        self._server: BaseWSGIServer = make_server(host, port, app, threaded=True, request_handler=handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"wsgi-{self.port}", daemon=True,
        )  # fmt: skip

    @property
    def port(self) -> int:
        return int(self._server.server_port)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        drop_connections(self._server)
        self._thread.join(timeout=5)
