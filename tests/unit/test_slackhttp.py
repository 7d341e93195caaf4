"""slack_sdk's WebClient over kept-alive connections (``slackhttp``): one connection per thread,
replaced when the server closed it or it idled too long, each request written once, errors as
urllib raises them, slack_sdk's retries (429 + Retry-After, connection errors) unchanged, TLS with
the client's context, and urllib's own path when a proxy is set."""

from __future__ import annotations

import json
import shutil
import socketserver
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from http.client import RemoteDisconnected
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient

from handlers.slack_retry import retry_handlers
from sandbox.fake_slack import FakeSlack
from slackhttp.client import KeepAliveWebClient
from slackhttp.pool import ConnectionPool

CHANNEL = "C0ALERTS01"


class Loopback(socketserver.ThreadingTCPServer):
    """A Web API on loopback that answers ``{"ok": true}`` over HTTP/1.1 keep-alive, counting
    connections and requests. ``close_after``: it closes each connection once it has answered
    (as a server closing idle connections does); ``drop``: the numbers of the requests (from 1)
    it reads and then closes the connection on without answering (the work done, the answer lost)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, *, close_after: bool = False, drop: frozenset[int] = frozenset(),
                 tls: ssl.SSLContext | None = None) -> None:  # fmt: skip
        super().__init__(("127.0.0.1", 0), _Handler)
        self.close_after, self.drop, self.tls = close_after, drop, tls
        self.connections = 0
        self.closed = 0  # connections the client closed (their handler finished)
        self.requests: list[tuple[str, bytes]] = []  # request line, body
        self.lock = threading.Lock()

    def get_request(self) -> Any:
        sock, address = super().get_request()
        if self.tls is not None:
            sock = self.tls.wrap_socket(sock, server_side=True)
        return sock, address

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://localhost:{self.server_address[1]}/api/"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Loopback

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.connections += 1

    def finish(self) -> None:
        super().finish()
        with self.server.lock:
            self.server.closed += 1

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.server.lock:
            self.server.requests.append((self.requestline, body))
            number = len(self.server.requests)
        if number in self.server.drop:
            self.close_connection = True
            return
        answer = json.dumps({"ok": True, "ts": f"{number}.000"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)
        if self.server.close_after:
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve(server: Loopback) -> Iterator[Loopback]:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def loopback() -> Iterator[Loopback]:
    yield from serve(Loopback())


def client_of(url: str, pool: ConnectionPool, **kwargs: Any) -> KeepAliveWebClient:
    kwargs.setdefault("retry_handlers", [])
    return KeepAliveWebClient(base_url=url, token="xoxb-1", timeout=5, pool=pool, **kwargs)


def post(client: WebClient, text: str = "alert") -> Any:
    return client.chat_postMessage(channel=CHANNEL, text=text)


def test_a_threads_calls_share_one_connection_and_each_thread_has_its_own(loopback: Loopback) -> None:
    pool = ConnectionPool()
    clients = [client_of(loopback.url, pool) for _ in range(2)]  # two tokens' clients share the pool
    for n in range(5):
        assert post(clients[n % 2])["ok"]
    threads = [threading.Thread(target=lambda: [post(clients[0]) for _ in range(3)]) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(loopback.requests) == 11
    assert loopback.connections == pool.opened == 3


def test_a_threads_connections_are_closed_when_the_thread_ends(loopback: Loopback) -> None:
    client = client_of(loopback.url, ConnectionPool())
    thread = threading.Thread(target=post, args=(client,))
    thread.start()
    thread.join()
    deadline = time.monotonic() + 5
    while loopback.closed < 1 and time.monotonic() < deadline:
        time.sleep(0.02)

    assert (loopback.connections, loopback.closed) == (1, 1)


def test_a_connection_the_server_closed_after_answering_is_replaced_and_the_call_works() -> None:
    for server in serve(Loopback(close_after=True)):
        pool = ConnectionPool()
        client = client_of(server.url, pool)
        post(client)
        time.sleep(0.1)  # the server's FIN arrives

        assert post(client)["ts"] == "2.000"
        assert server.connections == pool.opened == 2 and len(server.requests) == 2


def test_a_connection_idle_longer_than_the_limit_is_not_reused(loopback: Loopback) -> None:
    now = [0.0]
    pool = ConnectionPool(idle_seconds=4.0, clock=lambda: now[0])
    client = client_of(loopback.url, pool)
    post(client)
    now[0] = 3.9
    post(client)
    now[0] = 8.0

    post(client)

    assert loopback.connections == pool.opened == 2


def test_a_post_whose_answer_is_lost_on_a_reused_connection_is_sent_once_and_fails_as_with_urllib() -> None:
    for server in serve(Loopback(drop=frozenset({2, 3}))):
        pool = ConnectionPool()
        kept = client_of(server.url, pool)
        post(kept)
        with pytest.raises(RemoteDisconnected):
            post(kept, "lost")  # written once on the kept connection; the server did the work
        with pytest.raises(RemoteDisconnected):  # what urllib raises for the same answer lost
            post(WebClient(base_url=server.url, token="xoxb-1", retry_handlers=[]), "lost too")

        assert [body.count(b"lost") for _, body in server.requests] == [0, 1, 1]


def test_the_apps_retry_handlers_see_urllibs_errors_a_reset_is_retried_on_a_new_connection() -> None:
    with FakeSlack() as fake:
        fake.add_channel(CHANNEL)
        pool = ConnectionPool()
        client = client_of(fake.url, pool, retry_handlers=retry_handlers())
        post(client)
        fake.fail_next(1, "reset", method="chat.postMessage")  # dropped before the work

        post(client)

        assert [(c.ok, c.fault) for c in fake.calls_to("chat.postMessage")] == [
            (True, None),
            (False, "reset"),
            (True, None),
        ]
        assert [m["text"] for m in fake.messages(CHANNEL)] == ["alert", "alert"] and pool.opened == 2


def test_http_429_waits_for_retry_after_and_retries_on_the_same_connection() -> None:
    with FakeSlack() as fake:
        fake.add_channel(CHANNEL)
        pool = ConnectionPool()
        client = client_of(fake.url, pool, retry_handlers=retry_handlers())
        fake.fail_next(1, "http_429", method="chat.postMessage", retry_after=1)
        started = time.monotonic()

        assert post(client)["ok"]

        assert time.monotonic() - started >= 1.0
        assert [(c.ok, c.status) for c in fake.calls_to("chat.postMessage")] == [(False, 429), (True, 200)]
        assert pool.opened == 1


def test_slacks_error_answers_reach_the_app_as_they_do_through_urllib() -> None:
    with FakeSlack() as fake:
        pooled, plain = client_of(fake.url, ConnectionPool()), WebClient(base_url=fake.url, token="xoxb-1")
        answers = []
        for client in (pooled, plain):
            fake.fail_next(1, "http_500", method="chat.postMessage")
            with pytest.raises(Exception) as raised:
                post(client)
            answers.append((type(raised.value), raised.value.response.status_code))  # type: ignore[attr-defined]

        assert answers[0] == answers[1] and answers[0][1] == 500


def test_with_a_proxy_requests_go_through_urllib_to_the_proxy(loopback: Loopback) -> None:
    pool = ConnectionPool()
    client = client_of("http://slack.invalid/api/", pool, proxy=f"http://127.0.0.1:{loopback.server_address[1]}")

    post(client)

    assert loopback.requests[0][0] == "POST http://slack.invalid/api/chat.postMessage HTTP/1.1"
    assert pool.opened == 0


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def test_https_uses_the_clients_ssl_context_and_keeps_the_connection(certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    for server in serve(Loopback(tls=tls)):
        pool = ConnectionPool()
        trusting = client_of(server.url, pool, ssl=ssl.create_default_context(cafile=str(cert)))
        for _ in range(3):
            assert post(trusting)["ok"]
        with pytest.raises(Exception) as refused:  # the default context does not trust the certificate
            post(client_of(server.url, pool))

        assert pool.opened == 2 and len(server.requests) == 3
        assert "CERTIFICATE_VERIFY_FAILED" in str(refused.value)
