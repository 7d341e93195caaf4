"""Socket Mode on loopback: the WebSocket an app with an app-level token receives Slack's requests on.

The app calls ``apps.connections.open`` with its ``xapp-`` token and gets a one-time URL,
``ws://127.0.0.1:PORT/link/?ticket=…&app_id=…``. Once connected it receives ``hello``, then
envelopes, and acknowledges each with ``{"envelope_id": …}`` (plus ``"payload"`` where the
envelope ``accepts_response_payload``). Shapes follow Slack's protocol as python-slack-sdk's
own tests and ``SocketModeRequest`` show them::

    {"type": "hello", "num_connections": 1, "debug_info": {…}, "connection_info": {"app_id": …}}
    {"envelope_id": "…", "type": "slash_commands" | "interactive" | "events_api",
     "payload": {…}, "accepts_response_payload": true, "retry_attempt": 0, "retry_reason": ""}
    {"type": "disconnect", "reason": "refresh_requested" | "warning", "debug_info": {…}}

Slack's side is driven by the tests (or the sandbox): `send` an envelope, `disconnect` with a
reason, `drop` the connections without a close frame. Envelopes left unacknowledged on a
connection that closed are redelivered on the next one to say hello, with ``retry_attempt``
raised by one and a new envelope id (so an app cannot lean on envelope ids to dedupe). A late
ack (over 3 s), an ack of no known envelope, a payload where none is accepted, a malformed
message or a spent ticket is reported as a problem, as the Web API's mistakes are.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from sandbox.socket_log import ACK_DEADLINE, Delivery, DeliveryLog, envelope

logger = logging.getLogger(__name__)
Report = Callable[[str, str], None]  # (kind, detail)
TICKET_SECONDS = 60.0


@dataclass
class _Link:
    number: int
    connection: ServerConnection
    ready: bool = False  # hello sent: envelopes may go out on it
    dropped: bool = False  # cut: nothing more goes out on it, and what the app still sends is lost
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, message: dict[str, Any]) -> None:
        with self.lock:
            self.connection.send(json.dumps(message))


class SocketModeServer:
    """Slack's Socket Mode endpoint for one app, on loopback.

    Args:
        app_id: the app the connections belong to (``connection_info.app_id``).
        report: where problems go, as ``report(kind, detail)``.
        host: interface to listen on; port 0 lets the OS choose.
    """

    def __init__(self, app_id: str, report: Report, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app_id, self._report = app_id, report
        self.deliveries = DeliveryLog()
        self._lock = threading.Condition()
        self._tickets: dict[str, float] = {}
        self._links: list[_Link] = []
        self._opened = 0
        self._server: Server = serve(self._serve, host, port, process_request=self._admit,
                                     compression=None, logger=logger)  # fmt: skip
        self._thread = threading.Thread(target=self._server.serve_forever, name="socket-mode", daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        host, port = self._server.socket.getsockname()[:2]
        return f"ws://{host}:{port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)

    # -- connecting ----------------------------------------------------------------------------

    def issue_url(self) -> str:
        """A one-time connection URL, valid for a minute (``apps.connections.open``)."""
        ticket = str(uuid.uuid4())
        with self._lock:
            self._tickets[ticket] = time.monotonic() + TICKET_SECONDS
        return f"{self.address}/link/?ticket={ticket}&app_id={self.app_id}"

    def _admit(self, connection: ServerConnection, request: Request) -> Response | None:
        parts = urlsplit(request.path)
        ticket = (parse_qs(parts.query).get("ticket") or [""])[0]
        with self._lock:
            expires = self._tickets.pop(ticket, None)
        if parts.path.rstrip("/") != "/link" or expires is None or expires < time.monotonic():
            self._report("invalid_ticket", "connected with an unknown, spent or expired ticket")
            return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid ticket\n")
        return None

    def _serve(self, connection: ServerConnection) -> None:
        with self._lock:
            self._opened += 1
            link = _Link(self._opened, connection)
            self._links.append(link)
        try:
            link.send(self._hello())
            with self._lock:
                link.ready = True
                self._lock.notify_all()
            self._redeliver_orphans()
            for message in connection:
                if not link.dropped:
                    self._received(message)
        except (ConnectionClosed, OSError):
            pass
        finally:
            with self._lock:
                self._links.remove(link)
                self._lock.notify_all()
            self._redeliver_orphans()

    def _hello(self) -> dict[str, Any]:
        return {"type": "hello", "num_connections": len(self._links),
                "debug_info": {"host": "applink-fake-1", "build_number": 1,
                               "approximate_connection_time": 18060},
                "connection_info": {"app_id": self.app_id}}  # fmt: skip

    @property
    def connections(self) -> int:
        """Open connections that have been sent hello."""
        with self._lock:
            return sum(1 for link in self._links if link.ready)

    @property
    def opened(self) -> int:
        """Connections opened so far, closed ones included."""
        with self._lock:
            return self._opened

    def wait_connected(self, opened: int = 1, timeout: float = 10.0, alone: bool = False) -> None:
        """Wait until ``opened`` connections have been made and one is ready for envelopes
        (``alone``: and the app has closed the others)."""

        def done() -> bool:
            return self._opened >= opened and self._ready() is not None and (not alone or len(self._links) == 1)

        with self._lock:
            if not self._lock.wait_for(done, timeout):
                raise TimeoutError(f"Socket Mode: no ready connection number {opened} after {timeout} s")

    def _ready(self) -> _Link | None:
        """The connection envelopes go out on: the oldest one open, so that after a disconnect
        they keep arriving on the old connection until the app closes it (as the app still
        reads it until its new connection is set up), then on the new one."""
        return next((k for k in self._links if k.ready and not k.dropped), None)

    # -- Slack's side --------------------------------------------------------------------------

    def send(
        self, kind: str, payload: dict[str, Any], *, accepts_response_payload: bool,
        retry_attempt: int | None = None, retry_reason: str | None = None, timeout: float = 10.0,
        then_drop: bool = False,
    ) -> Delivery:  # fmt: skip
        """Send an envelope on the newest ready connection (waiting up to ``timeout`` for one).

        ``then_drop``: cut the connection right after the envelope went out, so that its ack is
        lost and it is redelivered on the next connection (the app may have acted on it).
        """
        message = envelope(kind, payload, accepts_response_payload, retry_attempt, retry_reason)
        return self._deliver(message, timeout, then_drop)

    def _deliver(self, message: dict[str, Any], timeout: float, then_drop: bool = False) -> Delivery:
        with self._lock:
            if not self._lock.wait_for(lambda: self._ready() is not None, timeout):
                raise TimeoutError("Socket Mode: the app has no open connection")
            link = self._ready()
            assert link is not None
        delivery = Delivery(message, link.number, time.monotonic())
        self.deliveries.add(delivery)
        try:
            if then_drop:
                link.dropped = True
            link.send(message)
            if then_drop:
                self._cut(link)
        except (ConnectionClosed, OSError):
            logger.debug("envelope %s lost with connection %s", delivery.envelope_id, link.number)
            self._redeliver_orphans()
        return delivery

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the app to reconnect (``warning`` or ``refresh_requested``); the connection stays
        open, and in use, until the app closes it."""
        for link in self._open_links():
            with contextlib.suppress(ConnectionClosed, OSError):
                link.send({"type": "disconnect", "reason": reason,
                           "debug_info": {"host": "applink-fake-1"}})  # fmt: skip

    def drop(self) -> None:
        """Cut every connection without a close frame (a TCP reset), as a network fault would."""
        for link in self._open_links():
            self._cut(link)

    @staticmethod
    def _cut(link: _Link) -> None:
        link.dropped = True
        sock = link.connection.socket
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.shutdown(socket.SHUT_RDWR)

    def _open_links(self) -> list[_Link]:
        with self._lock:
            return list(self._links)

    # -- the app's side ------------------------------------------------------------------------

    def _received(self, raw: str | bytes) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            message = None
        if not isinstance(message, dict) or not isinstance(message.get("envelope_id"), str):
            self._report("malformed_ack", "a message without an envelope_id, or not a JSON object")
            return
        payload = message.get("payload")
        delivery = self.deliveries.acknowledge(message["envelope_id"], payload if isinstance(payload, dict) else None)
        if delivery is None:
            self._report("unknown_envelope", f"ack of envelope {message['envelope_id']} that was never sent")
            return
        self._check_ack(delivery, payload)

    def _check_ack(self, delivery: Delivery, payload: Any) -> None:
        seconds = delivery.ack_seconds or 0.0
        if seconds > ACK_DEADLINE:
            self._report("ack_late", f"{delivery.kind} envelope acked after {seconds:.2f} s")
        if payload is not None and not delivery.envelope["accepts_response_payload"]:
            self._report("payload_not_accepted", f"{delivery.kind} ack carries a payload Slack ignores")
        if payload is not None and not isinstance(payload, dict):
            self._report("malformed_ack", f"{delivery.kind} ack payload is not a JSON object")

    def _redeliver_orphans(self) -> None:
        """Redeliver what was sent on a connection now closed and never acknowledged."""
        with self._lock:
            live = {link.number for link in self._links}
            if self._ready() is None:
                return
        for delivery in self.deliveries.snapshot():
            if delivery.acked or delivery.redelivered_as or delivery.connection in live:
                continue
            again = envelope(delivery.kind, delivery.envelope["payload"],
                             bool(delivery.envelope["accepts_response_payload"]),
                             delivery.retry_attempt + 1, "timeout")  # fmt: skip
            if self.deliveries.claim_redelivery(delivery.envelope_id, again["envelope_id"]):
                try:
                    self._deliver(again, timeout=1.0)
                except TimeoutError:  # no connection after all: the next one to say hello takes it
                    self.deliveries.update(delivery.envelope_id, redelivered_as=None)
