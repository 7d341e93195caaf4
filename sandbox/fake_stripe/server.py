"""The fake's HTTP side: a WSGI app answering Stripe's `/v1/...` like Stripe does.

Each request is authenticated (Bearer or Basic with the account's secret key), met by any
injected fault, made idempotent by its `Idempotency-Key` (POST), delayed by the configured
latency, run under the account's lock, and recorded in the request log.
"""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import threading
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from werkzeug.wrappers import Request, Response

from sandbox.fake_stripe import forms, hosted, routes
from sandbox.fake_stripe.context import Context
from sandbox.fake_stripe.errors import StripeFailure, unauthorized
from sandbox.fake_stripe.faults import BEFORE_WORK, Fault, Faults
from sandbox.fake_stripe.idempotency import Answer, Idempotency
from sandbox.fake_stripe.recording import RequestLog, StripeRequest


class _Dropped(Response):
    """Closes the client's connection without an answer."""

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        connection = environ.get("werkzeug.socket")
        if isinstance(connection, socket.socket):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        return super().__call__(environ, start_response)


def _api_key(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip()
    if header.startswith("Basic "):
        with contextlib.suppress(ValueError):
            return base64.b64decode(header[6:]).decode().partition(":")[0]
    return None


def _params(request: Request) -> dict[str, Any]:
    pairs = list(request.args.items(multi=True))
    if request.method == "POST":
        pairs += list(request.form.items(multi=True))
    return forms.decode(pairs)


def _failure_answer(failure: StripeFailure, request_id: str) -> Answer:
    headers = {"Request-Id": request_id, **failure.headers}
    return Answer(failure.status, json.dumps(failure.body(request_id), indent=2).encode(), headers)


def _fault_answer(fault: Fault, request_id: str) -> Answer:
    failures = {
        "http_500": StripeFailure(500, "api_error", "An unknown error occurred"),
        "http_429": StripeFailure(429, "invalid_request_error", "Request rate limit exceeded. Learn more about rate "
                                  "limits here https://stripe.com/docs/rate-limits.", "rate_limit",
                                  headers={"Retry-After": str(fault.retry_after)}),
        "http_409": StripeFailure(409, "invalid_request_error", "This object cannot be accessed right now because "
                                  "another API request or Stripe process is currently accessing it.", "lock_timeout"),
    }  # fmt: skip
    answer = _failure_answer(failures[fault.kind], request_id)
    if fault.should_retry is not None:
        answer.headers["Stripe-Should-Retry"] = str(fault.should_retry).lower()
    return answer


class StripeApi:
    """The fake Stripe API as a WSGI app.

    Args:
        ctx: the account and its events.
        api_key: the only secret key accepted.
        log: where each request is recorded.
        faults: pending injected faults.
        stopping: set when the server stops (cuts injected waits short).
    """

    def __init__(
        self, ctx: Context, api_key: str, log: RequestLog, faults: Faults, stopping: threading.Event
    ) -> None:  # fmt: skip
        self.ctx, self._key, self._log, self._faults, self._stopping = ctx, api_key, log, faults, stopping
        self.idempotency = Idempotency()
        self.latency = 0.0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        return self.respond(Request(environ))(environ, start_response)

    def respond(self, request: Request) -> Response:
        page = hosted.respond(self.ctx, request)  # Checkout's hosted page: the customer's, no API key
        if page is not None:
            return page
        found = routes.match(request.method, request.path)
        params = _params(request)
        request_id = "req_" + self.ctx.account.new_id("event")[4:18]
        key = request.headers.get("Idempotency-Key") if request.method == "POST" else None
        endpoint = found[0].endpoint if found else None
        entry = StripeRequest(request.method, request.path, endpoint, params, key, None, at=self.ctx.account.clock())
        try:
            if _api_key(request) != self._key:
                raise unauthorized(_api_key(request))
            if found is None:
                raise StripeFailure(404, "invalid_request_error",
                                    f"Unrecognized request URL ({request.method}: {request.path}).")  # fmt: skip
        except StripeFailure as failure:
            return self._send(entry, _failure_answer(failure, request_id))
        fault = self._faults.take(found[0].endpoint)
        if fault is not None and fault.kind in BEFORE_WORK:
            return self._fail(entry, fault, request_id)
        if fault is not None:
            self._stopping.wait(fault.delay if fault.kind == "delay" else 0)
        answer, replayed = self._idempotent(found, params, key, request_id)
        entry = replace(entry, replayed=replayed)
        if fault is not None and fault.kind == "lost":
            self._stopping.wait(fault.delay)
            self._log.append(replace(entry, fault="lost", status=None))
            return _Dropped("connection dropped", 502)
        return self._send(entry, answer)

    def _idempotent(
        self, found: tuple[routes.Route, tuple[str, ...]], params: dict[str, Any], key: str | None, request_id: str
    ) -> tuple[Answer, bool]:  # fmt: skip
        if key is None:
            return self._run(found, params, key, request_id), False
        request = (found[0].method, found[0].endpoint + str(found[1]), forms.fingerprint(params))
        try:
            kept = self.idempotency.begin(self._key, key, request)
        except StripeFailure as failure:
            return _failure_answer(failure, request_id), False
        if kept is not None:
            return Answer(kept.status, kept.body, {**kept.headers, "Idempotent-Replayed": "true"}), True
        answer = self._run(found, params, key, request_id)
        self.idempotency.finish(self._key, key, answer)
        return answer, False

    def _run(
        self, found: tuple[routes.Route, tuple[str, ...]], params: dict[str, Any], key: str | None, request_id: str
    ) -> Answer:  # fmt: skip
        self._stopping.wait(self.latency)
        with self.ctx.account.lock:
            self.ctx.events.request = {"id": request_id, "idempotency_key": key}
            try:
                body = routes.run(found[0], self.ctx, params, found[1])
            except StripeFailure as failure:
                return _failure_answer(failure, request_id)
            finally:
                self.ctx.events.request = {"id": None, "idempotency_key": None}
        headers = {"Request-Id": request_id, **({"Idempotency-Key": key} if key else {})}
        return Answer(200, json.dumps(body, indent=2).encode(), headers)

    def _fail(self, entry: StripeRequest, fault: Fault, request_id: str) -> Response:
        if fault.kind == "timeout":
            self._stopping.wait(fault.delay)
            self._log.append(replace(entry, fault="timeout"))
            return _Dropped("connection dropped", 502)
        answer = _fault_answer(fault, request_id)
        self._log.append(replace(entry, fault=fault.kind, status=answer.status, error_code=_code(answer)))
        return _response(answer)

    def _send(self, entry: StripeRequest, answer: Answer) -> Response:
        self._log.append(replace(entry, status=answer.status, error_code=_code(answer)))
        return _response(answer)


def _code(answer: Answer) -> str | None:
    if answer.status < 400:
        return None
    error = json.loads(answer.body).get("error", {})
    return error.get("decline_code") or error.get("code") or error.get("type")


def _response(answer: Answer) -> Response:
    response = Response(answer.body, answer.status, mimetype="application/json")
    response.headers.update({**answer.headers, "Stripe-Version": "2026-08-27.basil"})
    return response
