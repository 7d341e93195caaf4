"""The answers' header parser (``slackhttp.headers``) gives what http.client's own gives, on
any header block: the same headers in order, payload and defects, content type and charset."""

from __future__ import annotations

import http.client
import io

from hypothesis import example, given, settings
from hypothesis import strategies as st

from slackhttp import headers
from slackhttp.client import _as_dict
from slackhttp.headers import HTTPResponse, parse_headers

SLACK = (
    b"Date: Mon, 07 Dec 2026 14:00:00 GMT\r\nServer: Apache\r\nContent-Type: application/json; charset=utf-8\r\n"
    b"Content-Length: 11\r\nx-slack-req-id: 0f1e2d3c\r\nx-oauth-scopes: chat:write,commands\r\n"
    b"Access-Control-Allow-Origin: *\r\nVary: Accept-Encoding\r\nRetry-After: 3\r\nSet-Cookie: b=1\r\n"
    b"Set-Cookie: d=2\r\nEmpty:\r\nSpaced:   value with spaces   \r\nTab:\tvalue\r\n\r\n"
)


def both(block: bytes) -> tuple[http.client.HTTPMessage, http.client.HTTPMessage]:
    return parse_headers(io.BytesIO(block)), http.client.parse_headers(io.BytesIO(block))


def same(ours: http.client.HTTPMessage, theirs: http.client.HTTPMessage) -> None:
    assert type(ours) is type(theirs)
    assert ours.items() == theirs.items()
    assert ours.get_payload() == theirs.get_payload()
    assert [type(d) for d in ours.defects] == [type(d) for d in theirs.defects]
    assert ours.get_content_type() == theirs.get_content_type()
    assert ours.get_content_charset() == theirs.get_content_charset()
    assert ours.get_all("set-cookie") == theirs.get_all("set-cookie")


def test_a_slack_answers_headers_are_parsed_as_http_client_parses_them() -> None:
    ours, theirs = both(SLACK)
    same(ours, theirs)
    assert headers._fast(http.client._read_headers(io.BytesIO(SLACK)), http.client.HTTPMessage) is not None  # type: ignore[attr-defined]
    assert ours["retry-after"] == "3" and ours.get_content_charset() == "utf-8"


_LINE_BYTES = st.sampled_from([b"a", b"Z", b"-", b"_", b":", b" ", b"\t", b"\r", b"\xe9", b"\x00", b"1", b";", b"="])
_LINES = st.lists(st.lists(_LINE_BYTES, max_size=12).map(b"".join), max_size=8)


@settings(max_examples=400)
@given(_LINES, st.sampled_from([b"\r\n", b"\n"]), st.sampled_from([b"\r\n", b"\n", b""]))
@example([b"X-Folded: one", b" two"], b"\r\n", b"\r\n")  # a folded line
@example([b"Name : spaced name"], b"\r\n", b"\r\n")
@example([b"From someone"], b"\r\n", b"\r\n")
@example([b": nameless"], b"\r\n", b"\r\n")
@example([b"X: bare\rCR"], b"\r\n", b"\r\n")
@example([b"X: cut short"], b"\r\n", b"")
def test_any_header_block_is_parsed_as_http_client_parses_it(lines: list[bytes], eol: bytes, end: bytes) -> None:
    block = b"".join(line.replace(b"\n", b"") + eol for line in lines if line.strip(b"\r\n")) + end
    same(*both(block))


@given(_LINES)
def test_the_headers_slack_sdk_is_given_are_what_it_would_make_of_http_clients(lines: list[bytes]) -> None:
    cased = b"X-Case: one\r\nx-case: two\r\nX-CASE: three\r\nSet-Cookie: a\r\nSet-Cookie: b\r\n"
    block = cased + b"".join(line.replace(b"\n", b"") + b"\r\n" for line in lines if line.strip(b"\r\n")) + b"\r\n"
    message = http.client.parse_headers(io.BytesIO(block))
    assert _as_dict(message) == dict(message)
    assert _as_dict(message)["x-case"] == "one"


def test_the_response_reads_status_headers_and_body_as_http_clients() -> None:
    answer = (
        b"HTTP/1.1 429 Too Many Requests\r\n" + SLACK.replace(b"Content-Length: 11", b"Content-Length: 3") + b"{}\n"
    )

    class Sock:
        def makefile(self, mode: str) -> io.BytesIO:
            return io.BytesIO(answer)

    ours, theirs = HTTPResponse(Sock()), http.client.HTTPResponse(Sock())  # type: ignore[arg-type]
    for response in (ours, theirs):
        response.begin()
    assert (ours.status, ours.reason, ours.length, ours.will_close, ours.version) == (
        theirs.status, theirs.reason, theirs.length, theirs.will_close, theirs.version)  # fmt: skip
    same(ours.headers, theirs.headers)
    assert ours.read() == theirs.read() == b"{}\n"
