"""HTTP/1.1 keep-alive for the fake's WSGI server, as Slack's own servers keep connections open.

werkzeug's development server answers every request with ``Connection: close`` (it cannot drain
a request it did not read before the next one begins), so each call would cost a connection and
a thread. ``KeepAlive`` reads each request's body whole before the app runs (nothing is left on
the connection, whatever the app reads), answers with the whole body and its Content-Length, and
then serves the connection's next request on the same thread, until the client closes it, asks
for ``Connection: close``, or leaves it idle ``IDLE_SECONDS``.
"""

from __future__ import annotations

import contextlib
import http.client
import http.server
import io
import logging
import socket
import threading
import types
import weakref
from collections.abc import Iterable
from typing import Any

from werkzeug.serving import BaseWSGIServer, DechunkedInput, WSGIRequestHandler

from slackhttp.headers import parse_headers

logger = logging.getLogger(__name__)
IDLE_SECONDS = 30.0  # a connection idle this long is closed (its thread ends)
MAX_BODY = 64 * 1024 * 1024
_open: weakref.WeakKeyDictionary[BaseWSGIServer, set[socket.socket]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


# http.server's request parsing, its header block read by slackhttp's parser (the email package's
# feed parser was a tenth of the fake's CPU per call): the same code, run with ``http.client``
# standing for a namespace whose ``parse_headers`` is that parser (its errors are http.client's).
_HTTP = types.SimpleNamespace(client=types.SimpleNamespace(
    parse_headers=parse_headers, LineTooLong=http.client.LineTooLong, HTTPException=http.client.HTTPException,
))  # fmt: skip


class KeepAlive(WSGIRequestHandler):
    """A WSGI request handler that keeps connections alive (HTTP/1.1 and Content-Length)."""

    protocol_version = "HTTP/1.1"
    timeout = IDLE_SECONDS
    parse_request = types.FunctionType(
        http.server.BaseHTTPRequestHandler.parse_request.__code__, {**vars(http.server), "http": _HTTP}, "parse_request"
    )

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with _lock:
            _open.setdefault(self.server, set()).add(self.connection)

    def finish(self) -> None:
        with _lock:
            _open.get(self.server, set()).discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def run_wsgi(self) -> None:
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        self.environ = environ = self.make_environ()
        body = self._request_body(environ)
        if body is None:
            self._send("413 Request Entity Too Large", [("Content-Type", "text/plain")], b"too large")
            return
        environ["wsgi.input"] = io.BytesIO(body)
        try:
            status, headers, answer = _call(self.server.app, environ)
        except Exception:  # the app failed: a 500, as werkzeug's server answers, and the connection closed
            logger.exception("error on %s %s", self.command, self.path)
            self.close_connection = True
            status, headers, answer = "500 Internal Server Error", [("Content-Type", "text/plain")], b"error"
        self._send(status, headers, answer)

    def _request_body(self, environ: dict[str, Any]) -> bytes | None:
        """The request's whole body (None: larger than MAX_BODY, and the connection is to close)."""
        stream = environ["wsgi.input"]
        length = -1 if isinstance(stream, DechunkedInput) else int(environ.get("CONTENT_LENGTH") or 0)
        if length > MAX_BODY:
            self.close_connection = True
            return None
        return bytes(stream.read(length) if length else b"")

    def _send(self, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        """The answer in one write: headers and body in one segment, as a delayed ACK would hold
        a body written after its headers (Nagle) for 40 ms."""
        code, _, reason = status.partition(" ")
        self.send_response(int(code), reason)
        names = set()
        for name, value in headers:
            self.send_header(name, value)
            names.add(name.lower())
        if "content-length" not in names:
            self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        head = b"".join(self._headers_buffer) + b"\r\n"
        self._headers_buffer = []
        try:
            self.wfile.write(head if self.command == "HEAD" else head + body)
        except OSError:  # the connection was dropped (by the client, or by a fault injected on purpose)
            self.close_connection = True


def _call(app: Any, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """Run a WSGI app to completion: its status, headers and whole body."""
    started: list[Any] = []
    chunks: list[bytes] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started[:] = [status, headers]
        return chunks.append

    result: Iterable[bytes] = app(environ, start_response)
    try:
        chunks.extend(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return started[0], started[1], b"".join(chunks)


def drop_connections(server: BaseWSGIServer) -> None:
    """Cut every connection ``server`` keeps open, so that their threads end as it stops."""
    with _lock:
        connections = list(_open.pop(server, set()))
    for connection in connections:
        with contextlib.suppress(OSError):
            connection.shutdown(socket.SHUT_RDWR)
