"""Genuine Slack request bodies (``tests/corpus``: copied from slackapi's SDK and Bolt test
suites, each file naming its source and commit) sent through the real door of
``settlebot serve``, signed as Slack signs them. Each is adapted only where a listener needs
the app's own ids (action and callback ids, metadata, a known user) or a live trigger id and
response URL of the fake Slack; Slack's own block ids, teams, enterprises, containers, states
and response_urls are kept. Each must reach its listener, shown by what the fake Slack
received or by the answer itself.

The transport is a parameter: each body goes through ``settlebot serve`` over HTTP, and as a
Socket Mode envelope (``slash_commands``, ``interactive`` or ``events_api``) through
``settlebot socket``, which must acknowledge it within Slack's 3 seconds. One app process per
transport serves the whole module. Socket Mode carries neither ``url_verification`` nor
``ssl_check`` (they check a Request URL), nor ``app_rate_limited`` (sent to the Request URL):
those bodies go over HTTP only.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest

from handlers import ids
from handlers.metadata import ModalMeta
from sandbox import responses
from sandbox.fake_slack import FakeSlack
from sandbox.signing import AppResponse
from sandbox.socket_log import ACK_DEADLINE
from sandbox.socket_requester import SocketModeRequester, accepts_response_payload, answer
from tests.e2e.conftest import SPEC, prepare_database, slack_users
from tests.e2e.harness import BILLING_CHANNEL, BOT_TOKEN, Inspector, wait_until
from tests.e2e.socket_harness import APP_TOKEN, SocketAppProcess, socket_env
from tests.hardening.support import BA, Stack, start_stack, stop_stack

CORPUS = Path(__file__).parents[1] / "corpus"
DOCS = {path.stem: json.loads(path.read_text()) for path in sorted(CORPUS.glob("*.json"))}
FORM, JSON_TYPE = "application/x-www-form-urlencoded", "application/json"
SUBSCRIPTION = "sub_m365_e3"  # past due in the demo data; BA may settle it


class Transport:
    """How a request reaches the app."""

    name: str
    stack: Stack
    carries: frozenset[str]  # the corpus kinds this transport delivers

    def send(self, body: bytes, content_type: str, timestamp: int) -> AppResponse: ...


@dataclass
class Http(Transport):
    stack: Stack
    name: str = "http"
    carries: frozenset[str] = frozenset({"block_actions", "view_submission", "view_closed", "slash_command",
                                         "event", "url_verification", "ssl_check", "app_rate_limited"})  # fmt: skip

    def send(self, body: bytes, content_type: str, timestamp: int) -> AppResponse:
        return self.stack.requester.post(body, content_type, timestamp=timestamp)


@dataclass
class SocketMode(Transport):
    """The body as Slack's Socket Mode sends it: a command's form fields, an interaction's
    ``payload`` JSON or an event's JSON, as an envelope's payload; the ack is the answer."""

    stack: Stack
    name: str = "socket"
    carries: frozenset[str] = frozenset({"block_actions", "view_submission", "view_closed", "slash_command", "event"})

    def send(self, body: bytes, content_type: str, timestamp: int) -> AppResponse:
        if content_type == JSON_TYPE:
            kind, payload = "events_api", json.loads(body)
        else:
            fields = dict(parse_qsl(body.decode(), keep_blank_values=True))
            is_command = "command" in fields
            kind = "slash_commands" if is_command else "interactive"
            payload = fields if is_command else json.loads(fields["payload"])
        server = self.stack.fake.socket_mode
        delivery = server.send(kind, payload, accepts_response_payload=accepts_response_payload(kind, payload))
        acked = SocketModeRequester(server).wait_ack(delivery)
        assert acked.ack_seconds is not None and acked.ack_seconds <= ACK_DEADLINE, acked
        return answer(acked)


def _start_socket_stack(tmp: Path) -> Stack:
    fake = FakeSlack(spec_path=str(SPEC) if SPEC.exists() else None, users=slack_users(), token=BOT_TOKEN,
                     app_token=APP_TOKEN)  # fmt: skip
    fake.add_channel(BILLING_CHANNEL, "billing")
    fake.start()
    url = f"sqlite:///{tmp / 'settlebot.db'}"
    prepare_database(url)
    app = SocketAppProcess(socket_env(url, fake), fake).start()
    return Stack(fake, app, Inspector(url), url)


@pytest.fixture(scope="module", params=["http", "socket"])
def transport(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Transport]:
    """One app process per transport, for every body of the module."""
    tmp = tmp_path_factory.mktemp(f"corpus-{request.param}")
    running = start_stack(tmp) if request.param == "http" else _start_socket_stack(tmp)
    try:
        yield Http(running) if request.param == "http" else SocketMode(running)
    finally:
        stop_stack(running)


def test_the_corpus_has_at_least_30_genuine_bodies_each_naming_its_source() -> None:
    assert len(DOCS) >= 30
    for name, doc in DOCS.items():
        source = doc["source"]
        assert source["repo"].startswith("slackapi/") and source["path"] and len(source["commit"]) == 40, name
    kinds = {doc["kind"] for doc in DOCS.values()}
    assert {"block_actions", "view_submission", "view_closed", "slash_command", "url_verification", "ssl_check",
            "app_rate_limited", "event:app_uninstalled", "event:tokens_revoked", "event:app_home_opened"} <= kinds


def test_the_corpus_covers_modals_with_state_the_home_tab_direct_messages_and_slacks_documentation() -> None:
    bodies = [d["body"] for d in DOCS.values() if isinstance(d["body"], dict)]
    clicks = [b for b in bodies if b.get("type") == "block_actions"]
    assert any(b.get("view", {}).get("type") == "modal" and b["view"]["state"]["values"] for b in clicks)
    assert any(b.get("view", {}).get("type") == "home" for b in clicks)
    assert any(b.get("channel", {}).get("name") == "directmessage" for b in clicks)
    assert any(b.get("event", {}).get("tab") == "home" and "view" in b["event"] for b in bodies)
    assert any(b.get("event", {}).get("tab") == "messages" for b in bodies)
    commands = [dict(parse_qsl(d["body"], keep_blank_values=True))
                for d in DOCS.values() if d["kind"] == "slash_command"]  # fmt: skip
    assert any(c.get("text") == "" for c in commands) and any("enterprise_id" in c for c in commands)
    assert sum("docs.slack.dev" in d["source"].get("note", "") for d in DOCS.values()) >= 2


def test_slack_generated_block_ids_in_the_corpus_contain_characters_beyond_letters_and_digits() -> None:
    block_ids = {a.get("block_id") for d in DOCS.values() if isinstance(d["body"], dict)
                 for a in d["body"].get("actions") or []}  # fmt: skip
    assert any(set(str(b)) & set("+/=") for b in block_ids)
    home_views = [d["body"]["event"]["view"] for d in DOCS.values() if d["kind"] == "event:app_home_opened"
                  and "view" in d["body"]["event"]]  # fmt: skip
    assert any(set(block["block_id"]) & set("+/=") for view in home_views for block in view["blocks"])


_sent = iter(range(10**6))


@pytest.mark.parametrize("name", sorted(DOCS))
def test_each_genuine_body_reaches_its_listener(name: str, transport: Transport) -> None:
    doc, stack = DOCS[name], transport.stack
    if doc["kind"].split(":")[0] not in transport.carries:
        pytest.skip(f"{transport.name} does not carry {doc['kind']}")
    body = copy.deepcopy(doc["body"])
    if isinstance(body, dict) and "event_id" in body:  # the suites reuse placeholder ids ("Ev111"): one event each
        body["event_id"] = f"{body['event_id']}-{name}"
    adapted, check = ADAPTERS[doc["kind"].split(":")[0]](body, stack)
    raw = adapted.encode() if isinstance(adapted, str) else _encode(adapted, doc["content_type"])
    # One timestamp per body (within the 5 minutes): two identical corpus bodies are two deliveries.
    answer = transport.send(raw, doc["content_type"], int(time.time()) - next(_sent) % 200)
    assert answer.status == 200, (name, answer.status, stack.app.log[-2000:])
    check(answer)


def _encode(body: dict[str, Any], content_type: str) -> bytes:
    if content_type == FORM:
        return urlencode({"payload": json.dumps(body)}).encode()
    return json.dumps(body).encode()


Check = Callable[[AppResponse], None]


def _click(body: dict[str, Any], stack: Stack) -> tuple[dict[str, Any], Check]:
    trigger = stack.fake.issue_trigger_id(BA)
    body["actions"][0].update(action_id=ids.SETTLE_OPEN, value=SUBSCRIPTION)  # its block_id stays Slack's
    body["user"]["id"], body["trigger_id"] = BA, trigger

    def opened(_: AppResponse) -> None:
        wait_until(lambda: any(c.params.get("trigger_id") == trigger for c in stack.fake.calls_to("views.open", True)))

    return body, opened


def _submission(body: dict[str, Any], stack: Stack) -> tuple[dict[str, Any], Check]:
    body["user"]["id"] = BA
    body["view"].update(callback_id=ids.SETTLE_MODAL, private_metadata=ModalMeta(SUBSCRIPTION, locale="en").dumps())

    def answered(answer: AppResponse) -> None:  # Slack's own inputs are not ours: the form asks again
        reply = answer.json()
        assert reply["response_action"] == "errors" and reply["errors"]

    return body, answered


def _closing(body: dict[str, Any], stack: Stack) -> tuple[dict[str, Any], Check]:
    body["user"]["id"] = BA
    body["view"]["callback_id"] = ids.SETTLE_MODAL
    return body, lambda answer: None


def _command(raw: str, stack: Stack) -> tuple[str, Check]:
    fields = dict(parse_qsl(raw, keep_blank_values=True))
    url = stack.fake.issue_response_url(BA, "C0BILLING1")
    fields.update(command="/settle", user_id=BA, trigger_id=stack.fake.issue_trigger_id(BA), response_url=url)

    def answered(_: AppResponse) -> None:
        wait_until(lambda: any(url.endswith(str(c.params.get("url"))) for c in stack.fake.calls_to(responses.METHOD)))

    return urlencode(fields), answered


def _event(body: dict[str, Any], stack: Stack) -> tuple[dict[str, Any], Check]:
    if body["event"]["type"] != "app_home_opened" or body["event"].get("tab", "home") != "home":
        return body, lambda answer: None  # acknowledged; the Messages tab publishes nothing
    body["event"]["user"] = BA
    published = len(stack.fake.calls_to("views.publish", True))
    return body, lambda _: wait_until(lambda: len(stack.fake.calls_to("views.publish", True)) > published)


def _as_is(body: Any, stack: Stack) -> tuple[Any, Check]:
    return body, lambda answer: None


def _url_verification(body: dict[str, Any], stack: Stack) -> tuple[dict[str, Any], Check]:
    def answered(answer: AppResponse) -> None:
        assert body["challenge"] in answer.text

    return body, answered


ADAPTERS: dict[str, Callable[[Any, Stack], tuple[Any, Check]]] = {
    "block_actions": _click, "view_submission": _submission, "view_closed": _closing,
    "slash_command": _command, "event": _event, "url_verification": _url_verification,
    "ssl_check": _as_is, "app_rate_limited": _as_is,
}  # fmt: skip
