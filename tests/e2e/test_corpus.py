"""Slack request bodies sent through the real door of ``settlebot serve``, signed as Slack
signs them: the in-house corpus (``tests/corpus``, written from Slack's documented shapes) and,
when present, the genuine one (copied from slackapi's SDK and Bolt test suites, kept outside the
repository: ``SLACK_CORPUS_DIR`` or ``<repo>/../shared/slack-corpus``; see ``tests/e2e/corpus.py``).
Each is adapted only where a listener needs the app's own ids (action and callback ids, metadata,
a known user) or a live trigger id and response URL of the fake Slack; Slack's own block ids,
teams, enterprises, containers, states and response_urls are kept. Each must reach its listener,
shown by what the fake Slack received or by the answer itself.

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
import re
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
from tests.e2e import corpus
from tests.e2e.conftest import SPEC, prepare_database, slack_users
from tests.e2e.harness import BILLING_CHANNEL, BOT_TOKEN, Inspector, wait_until
from tests.e2e.socket_harness import APP_TOKEN, SocketAppProcess, socket_env
from tests.hardening.support import BA, Stack, start_stack, stop_stack

IN_HOUSE = corpus.load(corpus.IN_HOUSE_DIR, "in-house")
GENUINE_DIR = corpus.genuine_dir()
GENUINE = corpus.load(GENUINE_DIR, "genuine")
DOCS = {**IN_HOUSE, **GENUINE}
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


KINDS = {"block_actions", "view_submission", "view_closed", "slash_command", "url_verification", "ssl_check",
         "app_rate_limited", "event:app_uninstalled", "event:tokens_revoked", "event:app_home_opened"}  # fmt: skip
SLACK_ID = re.compile(r"[TEUWCDGVAB]0[0-9A-Z]{8,}")  # sandbox.ids: a letter, "0", upper case and digits
TRIGGER_ID = re.compile(r"[0-9]{13}\.[0-9]{13}\.[0-9a-f]{32}")


def test_the_in_house_corpus_has_at_least_35_bodies_each_saying_what_it_is_shaped_after() -> None:
    assert len(IN_HOUSE) >= 35
    for name, doc in IN_HOUSE.items():
        assert doc["source"].startswith("in-house, shaped after ") and "https://" in doc["source"], name
        assert doc["content_type"] in (FORM, JSON_TYPE) and doc["note"], name
    assert {doc["kind"] for doc in IN_HOUSE.values()} >= KINDS


def test_the_in_house_corpus_covers_every_command_shape_slack_sends() -> None:
    commands = [dict(parse_qsl(b, keep_blank_values=True)) for b in corpus.bodies(IN_HOUSE, "slash_command")]
    texts = [c["text"] for c in commands]
    assert "" in texts and "payload" in texts
    assert any(set("&=+") <= set(t) for t in texts) and any(not t.isascii() for t in texts)
    assert any(c["channel_name"] == "directmessage" and c["channel_id"].startswith("D") for c in commands)
    assert any("enterprise_id" in c for c in commands) and any(c["is_enterprise_install"] == "true" for c in commands)
    assert any(b.startswith("ssl_check=1&") for b in corpus.bodies(IN_HOUSE, "ssl_check"))


def test_the_in_house_corpus_covers_clicks_in_messages_ephemerals_modals_and_the_home_tab() -> None:
    clicks = corpus.bodies(IN_HOUSE, "block_actions")
    views = [c["view"] for c in clicks if "view" in c]
    block_ids = [a["block_id"] for c in clicks for a in c["actions"]]
    assert any(c["container"]["type"] == "message" and "message" in c for c in clicks)
    assert any(c["container"].get("is_ephemeral") is True and "message" not in c for c in clicks)
    assert any(v["type"] == "modal" and v["state"]["values"] for v in views)
    assert any(v["type"] == "modal" and v["state"] == {"values": {}} for v in views)
    assert any(v["type"] == "home" and "state" in v for v in views) and any(v["type"] == "home" and "state" not in v
                                                                          for v in views)  # fmt: skip
    assert any(c.get("channel", {}).get("name") == "directmessage" for c in clicks)
    assert any("url" in a and "value" not in a for c in clicks for a in c["actions"])
    assert any(set(b) & set("+/=") for b in block_ids) and max(map(len, block_ids)) == ids.MAX_BLOCK_ID


def test_the_in_house_corpus_covers_submissions_and_closes_of_every_install_kind() -> None:
    submissions = corpus.bodies(IN_HOUSE, "view_submission")
    assert [] in [s.get("response_urls") for s in submissions]
    assert any(s.get("response_urls") for s in submissions) and any("response_urls" not in s for s in submissions)
    assert any(s["team"] is None and s["enterprise"] and s["is_enterprise_install"] for s in submissions)
    assert any(s["team"] and s["enterprise"] and not s["is_enterprise_install"] for s in submissions)
    assert any(s["team"] and s["view"]["app_installed_team_id"] != s["team"]["id"] for s in submissions)  # shared
    assert any(s["view"]["state"] == {} for s in submissions)
    closes = corpus.bodies(IN_HOUSE, "view_closed")
    assert any(c["is_cleared"] for c in closes) and any(not c["is_cleared"] for c in closes)


def test_the_in_house_corpus_covers_the_events_slack_sends_on_its_own() -> None:
    opened = [b["event"] for b in corpus.bodies(IN_HOUSE, "event:app_home_opened")]
    assert any(e["tab"] == "home" and "view" in e for e in opened) and any(e["tab"] == "home" and "view" not in e
                                                                         for e in opened)  # fmt: skip
    assert any(e["tab"] == "messages" for e in opened)
    revoked = [b["event"]["tokens"] for b in corpus.bodies(IN_HOUSE, "event:tokens_revoked")]
    assert any("bot" in t for t in revoked) and any(set(t) == {"oauth"} for t in revoked)
    assert any(b["authorizations"][0]["is_enterprise_install"] for b in corpus.bodies(IN_HOUSE, "event"))
    assert any(b["is_ext_shared_channel"] for b in corpus.bodies(IN_HOUSE, "event"))


_ID_KEYS = {"user", "team", "channel", "enterprise", "view", "user_id", "team_id", "channel_id", "enterprise_id",
            "api_app_id", "app_id", "bot_id", "view_id", "root_view_id", "app_installed_team_id"}  # fmt: skip


def test_the_in_house_ids_are_shaped_like_slacks() -> None:
    for name, doc in IN_HOUSE.items():
        body = doc["body"] if isinstance(doc["body"], dict) else dict(parse_qsl(doc["body"]))
        found = [(k, v) for k, v in _ids_in(body) if k in _ID_KEYS]
        assert found or doc["kind"] in ("ssl_check", "url_verification"), name
        assert all(SLACK_ID.fullmatch(v) for _, v in found), (name, found)
        assert "trigger_id" not in body or TRIGGER_ID.fullmatch(body["trigger_id"]), name


def _ids_in(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """(key, text) for every text in a body; an object's ``id`` is named after the object."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _ids_in(v, key if k == "id" else k)
    elif isinstance(value, list):
        for item in value:
            yield from _ids_in(item, key)
    elif isinstance(value, str):
        yield key, value


def test_the_genuine_corpus_has_at_least_30_bodies_each_naming_its_source_and_commit() -> None:
    if GENUINE_DIR is None:
        pytest.skip(corpus.why_no_genuine())
    assert GENUINE_DIR.is_dir(), f"{corpus.GENUINE_ENV}={GENUINE_DIR} is not a directory"
    assert len(GENUINE) >= 30
    for name, doc in GENUINE.items():
        source = doc["source"]
        assert source["repo"].startswith("slackapi/") and source["path"] and len(source["commit"]) == 40, name
    assert {doc["kind"] for doc in GENUINE.values()} >= KINDS
    assert sum("docs.slack.dev" in d["source"].get("note", "") for d in GENUINE.values()) >= 2


def test_the_loaded_corpus_covers_modals_with_state_the_home_tab_and_direct_messages() -> None:
    every = [d["body"] for d in DOCS.values() if isinstance(d["body"], dict)]
    clicks = [b for b in every if b.get("type") == "block_actions"]
    assert any(b.get("view", {}).get("type") == "modal" and b["view"]["state"]["values"] for b in clicks)
    assert any(b.get("view", {}).get("type") == "home" for b in clicks)
    assert any(b.get("channel", {}).get("name") == "directmessage" for b in clicks)
    assert any(b.get("event", {}).get("tab") == "home" and "view" in b["event"] for b in every)
    assert any(b.get("event", {}).get("tab") == "messages" for b in every)
    commands = [dict(parse_qsl(b, keep_blank_values=True)) for b in corpus.bodies(DOCS, "slash_command")]
    assert any(c.get("text") == "" for c in commands) and any("enterprise_id" in c for c in commands)


def test_slack_generated_block_ids_in_the_loaded_corpus_contain_characters_beyond_letters_and_digits() -> None:
    block_ids = {a.get("block_id") for d in DOCS.values() if isinstance(d["body"], dict)
                 for a in d["body"].get("actions") or []}  # fmt: skip
    assert any(set(str(b)) & set("+/=") for b in block_ids)
    home_views = [b["event"]["view"] for b in corpus.bodies(DOCS, "event:app_home_opened") if "view" in b["event"]]
    assert any(set(block["block_id"]) & set("+/=") for view in home_views for block in view["blocks"])


_sent = iter(range(10**6))
_ABSENT = pytest.mark.skip(reason=corpus.why_no_genuine())
_GENUINE_ABSENT = [] if GENUINE_DIR else [pytest.param("genuine", marks=_ABSENT)]


@pytest.mark.parametrize("name", sorted(DOCS) + _GENUINE_ABSENT)
def test_each_body_reaches_its_listener(name: str, transport: Transport) -> None:
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
    url, trigger = stack.fake.issue_response_url(BA, "C0BILLING1"), stack.fake.issue_trigger_id(BA)
    fields.update(command="/settle", user_id=BA, trigger_id=trigger, response_url=url)

    def answered(_: AppResponse) -> None:  # a reply through the response_url, or the modal a subscription opens
        wait_until(
            lambda: (
                any(url.endswith(str(c.params.get("url"))) for c in stack.fake.calls_to(responses.METHOD))
                or any(c.params.get("trigger_id") == trigger for c in stack.fake.calls_to("views.open", True))
            )
        )

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
