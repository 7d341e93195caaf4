"""Persistent HTTP connections, one per thread and origin, each request written once.

urllib opens a TCP (and TLS) connection per request and closes it after the answer
(``Connection: close``); on loopback that is most of what a Web API call costs. Here each
thread keeps its connection to each origin (scheme, host, port, TLS context) and sends its
next request over it (HTTP/1.1 keep-alive).

A request is never sent twice: ``exchange`` writes it once, on one connection, and retries
nothing. A kept connection is reused only when it is known good just before the request is
written: idle for less than ``idle_seconds`` (servers close idle connections after a while)
and with nothing to read (a server that closed it has sent its FIN, and unexpected bytes make
it unusable too). Whatever fails once the request is handed to the connection surfaces as it
does through urllib (``URLError`` while connecting or sending, http.client's and the socket's
own errors while reading the answer), the connection is dropped, and slack_sdk's retry
handlers and the caller decide as they always have.
"""

from __future__ import annotations

import http.client
import os
import select
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.error import URLError
from urllib.parse import SplitResult
from urllib.request import Request

from slackhttp.headers import HTTPResponse

IDLE_SECONDS = 4.0  # a connection idle longer is closed rather than reused
DEFAULT_PORTS = {"http": 80, "https": 443}
Origin = tuple[str, str, int, int]  # scheme, host, port, id() of the TLS context (0: the default one)


@dataclass
class Answer:
    """A complete HTTP answer: status, reason, headers (as urllib's) and the whole body."""

    status: int
    reason: str
    headers: http.client.HTTPMessage
    body: bytes


@dataclass
class _Kept:
    connection: http.client.HTTPConnection
    used: float  # when its last answer was read (the pool's clock)


class _ThreadConnections:
    """One thread's idle connections; closed when the thread ends (its local data is dropped)."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.idle: dict[Origin, _Kept] = {}

    def close(self) -> None:
        for kept in self.idle.values():
            kept.connection.close()
        self.idle.clear()

    def __del__(self) -> None:
        self.close()


class ConnectionPool:
    """Kept-alive connections for the threads that send through it (thread-safe: each thread
    has its own). ``opened`` counts the connections opened so far."""

    def __init__(self, idle_seconds: float = IDLE_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.idle_seconds, self._clock = idle_seconds, clock
        self._local = threading.local()
        self._lock = threading.Lock()
        self.opened = 0

    def exchange(
        self, url: SplitResult, request: Request, timeout: float | None, context: ssl.SSLContext | None
    ) -> Answer:
        """Send ``request`` to ``url``'s origin once and read its whole answer, whatever its status.

        Raises:
            URLError: the connection could not be made, or the request not written.
            OSError, http.client.HTTPException: the answer could not be read (the request may
                have been handled: the caller cannot know, as with urllib).
        """
        tls = id(context) if context is not None else 0
        origin: Origin = (url.scheme, url.hostname or "", url.port or DEFAULT_PORTS[url.scheme], tls)
        connection = self._take(origin, timeout, context)
        try:
            try:
                connection.request(request.get_method(), request.selector, request.data, _headers(request))
            except OSError as error:  # as urllib: connecting or sending failed
                raise URLError(error) from error
            response = connection.getresponse()
            answer = Answer(response.status, response.reason, response.headers, response.read())
        except BaseException:
            connection.close()
            raise
        if response.will_close:
            connection.close()
        else:
            idle = self._mine().idle
            if origin in idle:  # a call made meanwhile on this thread kept one: one is enough
                idle[origin].connection.close()
            idle[origin] = _Kept(connection, self._clock())
        return answer

    def close(self) -> None:
        """Close the calling thread's idle connections."""
        self._mine().close()

    def _mine(self) -> _ThreadConnections:
        mine: _ThreadConnections | None = getattr(self._local, "connections", None)
        if mine is None or mine.pid != os.getpid():  # new thread, or a forked child: never share a socket
            if mine is not None:
                mine.idle.clear()  # the parent's sockets: left to it, not closed (nor shut down) here
            mine = self._local.connections = _ThreadConnections()
        return mine

    def _take(
        self, origin: Origin, timeout: float | None, context: ssl.SSLContext | None
    ) -> http.client.HTTPConnection:
        """This thread's connection to ``origin`` if it is good to reuse, else a new one (not yet
        connected: it connects as the request is sent). Connections idle too long are closed."""
        mine, now = self._mine(), self._clock()
        for key, idle in list(mine.idle.items()):
            if now - idle.used > self.idle_seconds:
                del mine.idle[key]
                idle.connection.close()
        kept = mine.idle.pop(origin, None)
        if kept is not None and _quiet(kept.connection.sock):
            kept.connection.timeout = timeout
            kept.connection.sock.settimeout(timeout)
            return kept.connection
        if kept is not None:
            kept.connection.close()
        with self._lock:
            self.opened += 1
        scheme, host, port, _ = origin
        if scheme == "https":
            return _HTTPSConnection(host, port, timeout=timeout, context=context)
        return _HTTPConnection(host, port, timeout=timeout)


class _OneWrite(http.client.HTTPConnection):
    """Writes a request's head and (bytes) body in one ``send``: http.client writes them apart,
    two system calls and two segments, the second one held back by Nagle's algorithm until the
    first is acknowledged on a connection that has sent before (as a kept one has). Its answers'
    header blocks are parsed without the email package's feed parser (``slackhttp.headers``)."""

    response_class = HTTPResponse

    def _send_output(self, message_body: Any = None, encode_chunked: bool = False) -> None:
        if not isinstance(message_body, bytes) or encode_chunked:
            super()._send_output(message_body, encode_chunked)  # type: ignore[misc]  # http.client's own
            return
        self._buffer.extend((b"", b""))  # type: ignore[attr-defined]  # http.client's own head buffer
        head = b"\r\n".join(self._buffer)  # type: ignore[attr-defined]
        del self._buffer[:]  # type: ignore[attr-defined]
        self.send(head + message_body)


class _HTTPConnection(_OneWrite):
    pass


class _HTTPSConnection(_OneWrite, http.client.HTTPSConnection):
    pass


def _quiet(sock: object) -> bool:
    """Open, and nothing to read on it: the server has neither closed it nor sent anything."""
    if not hasattr(sock, "fileno") or sock.fileno() < 0:
        return False
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return False
    poller = select.poll()
    poller.register(sock, select.POLLIN | select.POLLPRI)
    return not poller.poll(0)  # readable, hung up or in error: not reused


def _headers(request: Request) -> dict[str, str]:
    """The request's headers as urllib sends them, less its ``Connection: close`` (http.client
    adds Host, Accept-Encoding and Content-Length as for urllib)."""
    headers = {name.title(): value for name, value in request.header_items()}
    if request.data is not None:
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    return headers
