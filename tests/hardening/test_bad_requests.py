"""Signed but malformed requests: a 4xx (never a 5xx), nothing written, a log line without content.

Hand-made cases name what Bolt or a listener used to crash on; a property test then mutates
real payloads of every kind the app handles (keys dropped, values of any JSON type).
"""

from __future__ import annotations

import copy
import json
import socket
import time
import uuid
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bot.server import MAX_BODY
from handlers import ids
from sandbox import payloads
from tests import reporting
from tests.hardening.support import BA, FORM, READER, Stack, examples, form, interactive, rows

MARK = "MARKER-1f3a"  # put in every payload's free text; it must never reach the log
JSON_TYPE = "application/json"
META = json.dumps({"subscription_id": "sub_m365_e3"})
VIEW = {"id": "V0BOGUS01", "type": "modal", "callback_id": ids.SETTLE_MODAL, "private_metadata": META,
        "state": {"values": {}}, "title": {"type": "plain_text", "text": MARK}}  # fmt: skip
USER = {"id": BA, "name": MARK}
CLICK = {"type": "block_actions", "user": USER, "trigger_id": "1.2.x",
         "actions": [{"action_id": ids.SETTLE_OPEN, "value": "sub_m365_e3", "text": MARK}]}  # fmt: skip


SUBMISSION = {"type": "view_submission", "user": USER, "view": VIEW}
CASES: dict[str, tuple[bytes, str]] = {
    "empty body": (b"", FORM),
    "truncated JSON event": (b'{"type": "event_callback", "event": {"type": "app_home_op', JSON_TYPE),
    "payload field not JSON": (form({"payload": "{" + MARK}), FORM),
    "payload a JSON list": (interactive([MARK]), FORM),
    "payload a JSON string": (interactive(MARK), FORM),
    "payload nested 5000 deep": (form({"payload": "[" * 5000 + "]" * 5000}), FORM),
    "body not UTF-8": (b"\xff\xfe" + MARK.encode(), FORM),
    "JSON top level a list": (json.dumps([MARK]).encode(), JSON_TYPE),
    "form body sent as JSON": (form({"payload": json.dumps(CLICK)}), JSON_TYPE),
    "click without user": (interactive({**CLICK, "user": None}), FORM),
    "click with user as text": (interactive({**CLICK, "user": MARK}), FORM),
    "click with user id a number": (interactive({**CLICK, "user": {"id": 5}}), FORM),
    "click without trigger_id": (interactive({k: v for k, v in CLICK.items() if k != "trigger_id"}), FORM),
    "click with actions as text": (interactive({**CLICK, "actions": MARK}), FORM),
    "click with actions of text": (interactive({**CLICK, "actions": [MARK]}), FORM),
    "click with no actions": (interactive({**CLICK, "actions": []}), FORM),
    "click with a forged value": (interactive({**CLICK, "actions": [{"action_id": ids.SETTLE_OPEN,
                                                                      "value": MARK + " <@U1>"}]}), FORM),
    "click with team a number": (interactive({**CLICK, "team": 7}), FORM),
    "click with authorizations of text": (interactive({**CLICK, "authorizations": [MARK]}), FORM),
    "card click without view": (interactive({**CLICK, "actions": [{"action_id": ids.SELECT_CARD,
                                                                    "value": "card_visa"}]}), FORM),
    "card click with forged metadata": (interactive({**CLICK, "view": {**VIEW, "private_metadata": MARK},
                                                     "actions": [{"action_id": ids.SELECT_CARD,
                                                                  "value": "card_visa"}]}), FORM),
    "submission without view": (interactive({"type": "view_submission", "user": USER}), FORM),
    "submission without user": (interactive({"type": "view_submission", "view": VIEW}), FORM),
    "submission with view a list": (interactive({**SUBMISSION, "view": [VIEW]}), FORM),
    "submission without view id": (interactive({**SUBMISSION, "view": {**VIEW, "id": None}}), FORM),
    "submission without view type": (interactive({**SUBMISSION, "view": {k: v for k, v in VIEW.items()
                                                                         if k != "type"}}), FORM),
    "submission with state a list": (interactive({**SUBMISSION, "view": {**VIEW, "state": [MARK]}}), FORM),
    "submission with metadata a number": (interactive({**SUBMISSION,
                                                        "view": {**VIEW, "private_metadata": 5}}), FORM),
    "submission with metadata not JSON": (interactive({**SUBMISSION,
                                                       "view": {**VIEW, "private_metadata": MARK}}), FORM),
    "submission with metadata of a lone surrogate": (
        interactive({**SUBMISSION, "view": {**VIEW, "private_metadata": '{"subscription_id": "\\ud800"}'}}),
        FORM),
    "submission with metadata nested deep": (interactive({**SUBMISSION, "view": {
        **VIEW, "private_metadata": "[" * 1000 + "]" * 1000}}), FORM),
    "shortcut (not offered)": (interactive({"type": "shortcut", "callback_id": MARK, "user": USER}), FORM),
    "options request (not offered)": (interactive({"type": "block_suggestion", "action_id": "x",
                                                   "user": USER, "value": MARK}), FORM),
    "payload without type": (interactive({"user": USER, "text": MARK}), FORM),
    "command without trigger_id": (form({"command": "/settle", "user_id": BA, "text": MARK}), FORM),
    "command without user": (form({"command": "/settle", "text": MARK, "trigger_id": "1.2.x"}), FORM),
    "command with a bad user id": (form({"command": "/settle", "user_id": MARK, "text": MARK,
                                         "trigger_id": "1.2.x"}), FORM),
    "form without command": (form({"text": MARK}), FORM),
    "event without event": (json.dumps({"type": "event_callback", "team_id": MARK}).encode(), JSON_TYPE),
    "event as text": (json.dumps({"type": "event_callback", "event": MARK}).encode(), JSON_TYPE),
    "home opened without user": (json.dumps({"type": "event_callback",
                                             "event": {"type": "app_home_opened", "tab": MARK}}).encode(),
                                 JSON_TYPE),
    "home opened by a number": (json.dumps({"type": "event_callback", "event": {
        "type": "app_home_opened", "user": 12}}).encode(), JSON_TYPE),
    "url_verification without challenge": (json.dumps({"type": "url_verification"}).encode(), JSON_TYPE),
}  # fmt: skip
# Signed and well formed, for ids the app does not know (Slack's own ids are free text): an empty 200.
UNKNOWN: dict[str, tuple[bytes, str]] = {
    "unknown action id": (interactive({**CLICK, "actions": [{"action_id": "no_such_action", "value": "x"}]}),
                          FORM),
    "action id that is no id": (interactive({**CLICK, "actions": [{"action_id": MARK + " <x>", "value": "x"}]}),
                                FORM),
    "closing an unknown view": (interactive({"type": "view_closed", "user": USER,
                                             "view": {**VIEW, "callback_id": "nope"}}), FORM),
    "command that is no command": (form({"command": "/" + MARK + " x", "user_id": BA, "trigger_id": "1.2.x"}),
                                   FORM),
    "submission with a callback id that is no id": (interactive({**SUBMISSION, "view": {
        **VIEW, "callback_id": MARK + "\n"}}), FORM),
    "submission with unknown callback id": (interactive({**SUBMISSION, "view": {**VIEW, "callback_id": "nope"}}),
                                            FORM),
    "unknown command": (form({"command": "/nope", "user_id": BA, "trigger_id": "1.2.x"}), FORM),
}  # fmt: skip


def test_each_malformed_request_gets_a_4xx_and_changes_nothing(stack: Stack) -> None:
    before, calls, logged = rows(stack.db.engine), len(stack.fake.calls), len(stack.app.log)
    statuses = {name: stack.post(body, kind).status for name, (body, kind) in CASES.items()}
    assert {n: s for n, s in statuses.items() if not 400 <= s < 500} == {}
    assert statuses["empty body"] == 400
    time.sleep(0.3)
    assert rows(stack.db.engine) == before
    assert [c.method for c in stack.fake.calls[calls:] if c.method not in ("users.info", "auth.test")] == []
    log = stack.app.log[logged:]
    assert MARK not in log and "Traceback" not in log
    lines = [line for line in log.splitlines() if " WARNING " in line or " INFO " in line]
    said = [line for line in lines if "refused" in line or "Unhandled request" in line]
    assert len(said) == len(statuses), "one log line per refused request:\n" + "\n".join(lines)
    reporting.record("malformed Slack requests (4xx)", requests=len(statuses), processes=1, faults=len(statuses),
                     charges=0)  # fmt: skip


def test_actions_callbacks_and_commands_the_app_does_not_know_get_an_empty_200(stack: Stack) -> None:
    before, calls, logged = rows(stack.db.engine), len(stack.fake.calls), len(stack.app.log)
    answers = {name: stack.post(body, kind) for name, (body, kind) in UNKNOWN.items()}
    assert {n: (a.status, a.body) for n, a in answers.items()} == dict.fromkeys(answers, (200, b""))
    time.sleep(0.3)
    assert rows(stack.db.engine) == before
    assert [c.method for c in stack.fake.calls[calls:] if c.method not in ("users.info", "auth.test")] == []
    log = stack.app.log[logged:]
    assert MARK not in log and "Traceback" not in log
    assert log.count("the app does not handle") == len(answers)


def test_an_oversized_body_gets_a_413_before_anything_reads_it(stack: Stack) -> None:
    """The whole body is ready to go, but the 413 comes as soon as the headers are in: the
    client never has to send it (a client that sends it anyway may see the connection reset)."""
    calls = len(stack.fake.calls)
    huge = form({"command": "/settle", "user_id": BA, "trigger_id": "1.2.x", "text": MARK * 60_000})
    assert len(huge) > MAX_BODY
    for path in ("/slack/events", "/cards/new"):  # the add-card page has the same limit
        status, seconds = _answer_to(stack.app.url, _head(path, f"Content-Length: {len(huge)}"), huge, early=5.0)
        assert status.startswith(b"HTTP/1.1 413") and seconds == 0.0, (path, status, seconds)
    assert len(stack.fake.calls) == calls and MARK not in stack.app.log


def _head(path: str, *lines: str) -> bytes:
    return "\r\n".join([f"POST {path} HTTP/1.1", "Host: x", f"Content-Type: {FORM}", *lines, "", ""]).encode()


def _answer_to(url: str, head: bytes, body: bytes, *, early: float = 0.0, wait: float = 10.0) -> tuple[bytes, float]:
    """Send ``head``; if no answer comes within ``early`` seconds, send ``body`` too and wait for
    one. (status line, seconds from the last byte of the body to the answer: 0 when it came
    before the body was sent; "(reset)" when the server closed before the client was done, which
    loses an answer already sent; "(no answer)" when it never came)."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=wait) as connection:
        connection.sendall(head)
        status = _status(connection, early) if early else b""
        if status:
            return status, 0.0
        try:
            for start in range(0, len(body), 65536):
                connection.sendall(body[start : start + 65536])
        except OSError:
            pass  # answered and closed while the body was still coming: the rest was never read
        sent = time.monotonic()
        return _status(connection, wait) or b"(no answer)", time.monotonic() - sent


def _status(connection: socket.socket, wait: float) -> bytes:
    connection.settimeout(wait)
    try:
        return connection.recv(64).split(b"\r\n", 1)[0]
    except TimeoutError:
        return b""
    except ConnectionResetError:
        return b"(reset)"


def test_a_body_claimed_larger_than_the_limit_is_refused_before_it_arrives(stack: Stack) -> None:
    """Headers claiming 512 MiB (under waitress' own 1 GiB limit) and ten bytes: a 413 at once,
    not a server waiting for (and spooling to disk) the other 536,870,902 bytes."""
    for path in ("/slack/events", "/cards/new"):
        status, seconds = _answer_to(stack.app.url, _head(path, f"Content-Length: {2**29}"), b"command=/s")
        assert status.startswith(b"HTTP/1.1 413") and seconds < 5, (path, status, seconds)


def test_a_chunked_body_is_refused_once_past_the_limit_without_reading_the_rest(stack: Stack) -> None:
    """One chunk announced as 1 GiB: once just over the limit has come (the client then sends
    nothing more), the server answers 413 and closes at once, not waiting for the rest. (The
    client, whose last bytes the server never read, may see the close as a reset instead.)"""
    calls = len(stack.fake.calls)
    head = _head("/slack/events", "Transfer-Encoding: chunked") + f"{2**30:x}\r\n".encode()
    status, seconds = _answer_to(stack.app.url, head, b"x" * (MAX_BODY + 64 * 1024))
    assert (status.startswith(b"HTTP/1.1 413") or status == b"(reset)") and seconds < 5, (status, seconds)
    small = b"text=hello&command=%2Fsettle"  # a small chunked body still gets through to the door
    head = _head("/slack/events", "Transfer-Encoding: chunked", "Connection: close")
    status, _ = _answer_to(stack.app.url, head, f"{len(small):x}\r\n".encode() + small + b"\r\n0\r\n\r\n")
    assert status.startswith(b"HTTP/1.1 401")  # unsigned: refused by the door, after reading it
    assert len(stack.fake.calls) == calls


# -- generated: real payloads of every kind, mutated -----------------------------------------

LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30), st.sampled_from(["", "\ud800", "\u202e", "🇺🇳" * 50, "x" * 5000, "{", "U0DEMOBA2"]),
)  # fmt: skip
JSON_VALUES = st.recursive(
    LEAVES, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)  # fmt: skip


def _bases(stack: Stack) -> dict[str, dict[str, Any]]:
    """One real payload of each kind the app handles (trigger ids filled in at sending time)."""
    view = {**VIEW, "private_metadata": json.dumps({"subscription_id": "sub_m365_e3"})}
    message = {"ts": "1700000000.000100", "blocks": []}
    return {
        "click": payloads.block_actions(user_id=BA, action_id=ids.SETTLE_OPEN, value="sub_m365_e3",
                                        trigger_id="TRIGGER", channel_id="C0BILLING1", message=message).data,
        "card click": payloads.block_actions(user_id=READER, action_id=ids.SELECT_CARD, value="card_visa",
                                             trigger_id="TRIGGER", view=view).data,
        "submission": payloads.view_submission(user_id=READER, view=view, trigger_id="TRIGGER", state_values={
            "pay_with.x": {"pay_with_card": {"type": "static_select", "selected_option": {"value": "card_visa"}}},
        }).data,
        "closing": payloads.view_closed(user_id=READER, view=view).data,
        "home click": payloads.block_actions(user_id=BA, action_id=ids.SETTLE_OPEN, value="sub_m365_e3",
                                             trigger_id="TRIGGER", view={"id": "V0HOME01", "type": "home",
                                                                         "blocks": []}).data,
        "home": payloads.app_home_opened(user_id=READER).data,
    }  # fmt: skip


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, child in items:
        found += _paths(child, (*prefix, key))
    return found


def _mutate(body: dict[str, Any], path: tuple[Any, ...], replacement: Any, delete: bool) -> dict[str, Any]:
    copied = copy.deepcopy(body)
    parent = copied
    for key in path[:-1]:
        parent = parent[key]
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    return copied


def _fill_triggers(value: Any, stack: Stack, user: str) -> Any:
    if value == "TRIGGER":
        return stack.fake.issue_trigger_id(user)
    if isinstance(value, dict):
        return {k: _fill_triggers(v, stack, user) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill_triggers(v, stack, user) for v in value]
    return value


@examples(100)
@given(data=st.data())
def test_mutated_payloads_of_every_kind_never_get_a_5xx(stack: Stack, data: st.DataObject) -> None:
    bases = _bases(stack)
    name = data.draw(st.sampled_from(sorted(bases)), label="kind")
    body = bases[name]
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        paths = _paths(body)
        if not paths:
            break
        path = data.draw(st.sampled_from(paths), label="path")
        body = _mutate(body, path, data.draw(JSON_VALUES, label="value"), data.draw(st.booleans(), label="delete"))
    body = {**_fill_triggers(body, stack, BA), "x_sent": uuid.uuid4().hex}  # never twice the same body
    raw = json.dumps(body).encode() if name == "home" else interactive(body)
    status = stack.post(raw, JSON_TYPE if name == "home" else FORM).status
    assert status < 500, (name, body)
    assert status in (200, 400, 404)


@examples(60)
@given(
    fields=st.dictionaries(
        st.sampled_from(["command", "user_id", "text", "trigger_id", "channel_id", "team_id", "response_url"]),
        st.text(max_size=300) | st.sampled_from(["/settle", BA, "U0DEMOGA1", "", "C0BILLING1"]),
        max_size=7,
    )
)
def test_mutated_slash_commands_never_get_a_5xx(stack: Stack, fields: dict[str, str]) -> None:
    base = payloads.slash_command(text="", user_id=BA, channel_id="C0BILLING1",
                                  trigger_id=stack.fake.issue_trigger_id(BA),
                                  response_url=stack.fake.issue_response_url(BA, "C0BILLING1")).data  # fmt: skip
    body = {**base, **fields, "x_sent": uuid.uuid4().hex}  # never twice the same body (that is a replay)
    status = stack.post(form(body)).status
    assert status < 500 and status in (200, 400, 404), body
