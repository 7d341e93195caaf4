"""The fake Slack's server reads request headers as http.server does (``sandbox.keepalive``
runs http.server's own request parsing with slackhttp's header parser): a folded header line
still works, and an oversized line or too many headers get http.server's own 431."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from sandbox.fake_slack import FakeSlack


def exchange(url: str, head: bytes, body: bytes = b"") -> bytes:
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head + body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def request(path: str, headers: list[bytes]) -> bytes:
    return b"\r\n".join([f"POST {path} HTTP/1.1".encode(), *headers, b"Connection: close", b"", b""])


def test_a_folded_header_line_is_read_as_http_server_reads_it() -> None:
    body = b'{"channel": "C0ALERTS01", "text": "hello"}'
    with FakeSlack(token="xoxb-1") as fake:
        fake.add_channel("C0ALERTS01")
        head = request(urlsplit(fake.url).path + "chat.postMessage", [
            b"Host: slack.test", b"Content-Type: application/json;", b" charset=utf-8",
            b"Authorization: Bearer xoxb-1", f"Content-Length: {len(body)}".encode(),
        ])  # fmt: skip
        answer = exchange(fake.url, head, body)
    assert answer.startswith(b"HTTP/1.1 200") and b'"ok":true' in answer.replace(b" ", b"")


def test_an_oversized_header_line_or_too_many_headers_get_http_servers_431() -> None:
    with FakeSlack(token="xoxb-1") as fake:
        path = urlsplit(fake.url).path + "auth.test"
        long_line = exchange(fake.url, request(path, [b"X-Long: " + b"a" * 70000]))
        many = exchange(fake.url, request(path, [f"X-{i}: {i}".encode() for i in range(120)]))
    assert long_line.startswith(b"HTTP/1.1 431") and b"Line too long" in long_line
    assert many.startswith(b"HTTP/1.1 431") and b"Too many headers" in many
