"""What a Slack request body must look like before Bolt routes it.

Bolt reads some fields without checking their types (``body["view"]["type"]``, ``"id" in
user``, ``payload.get(...)`` on a list), so a signed but hand-made body could crash it with a
500. Here the body is parsed the way Bolt parses it and its envelope checked; the listeners
then parse the fields they use (``handlers.payloads``). Reasons name what is wrong, never
the content, so they are safe to log.

Ids Slack generates (block ids, action ids of elements sent without one, view, trigger and
team ids) are checked for their JSON type and length only, never their alphabet: Slack's own
block ids contain ``+``, ``/`` and ``=``. What the app relies on (its own action and callback
ids, its metadata) is checked by the listeners that rely on it.
"""

from __future__ import annotations

import binascii
import json
import re
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

INTERACTIONS = {"block_actions", "view_submission", "view_closed"}
NOTICES = {"app_rate_limited"}  # sent by Slack on its own, outside event_callback
_ID_FIELDS = ("user", "team", "enterprise", "channel")  # str, {"id": str, ...} or null
MAX_ID = 255  # Slack documents block ids (the longest of the ids it routes on) as up to 255 characters
_EVENT_FIELDS = {"app_home_opened": ("user",)}  # what the subscribed events always carry
_STRAY_PERCENT = re.compile(rb"%(?![0-9A-Fa-f]{2})")
_OBJECT_FIELDS = ("container", "message", "previous_message", "item", "state", "assistant_thread")


class BadEnvelope(ValueError):
    """The body cannot be a Slack request; ``args[0]`` is a reason safe to log."""


def parse_body(raw: bytes, content_type: str | None) -> dict[str, Any]:
    """The body as Bolt will see it (JSON, a form, or a form's ``payload`` JSON), checked."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadEnvelope("body is not UTF-8") from exc
    if not text:
        raise BadEnvelope("empty body")
    kind = (content_type or "").split(";")[0]
    if kind == "application/json" or text.startswith("{"):
        body = _json(text, "body")
    elif text.startswith("payload=") and "&" not in text:  # how Slack sends interactions
        body = _json(form_value(text[len("payload=") :]), "payload")
    else:
        body = _form(text)
    check_envelope(body)
    return body


def _form(text: str) -> dict[str, Any]:
    """A form: a slash command (or ssl_check) by its fields, an interaction by its ``payload`` field."""
    fields = dict(parse_qsl(text, keep_blank_values=True))
    if "command" in fields or "payload" not in fields:
        return fields
    return _json(fields["payload"], "payload")


def unsigned_ssl_check(raw: bytes) -> bool:
    """Slack's certificate check (``ssl_check=1&token=...``), which it may send unsigned; Bolt
    answers it before verifying anything. It asks for nothing but a 200."""
    if len(raw) > 512 or (not raw.startswith(b"ssl_check=") and b"&ssl_check=" not in raw):
        return False
    fields = dict(parse_qsl(raw.decode("ascii", "replace"), keep_blank_values=True))
    return fields.get("ssl_check") == "1" and not {"command", "payload"} & fields.keys()


def form_value(encoded: str) -> str:
    """``urllib.parse.unquote_plus(encoded)``, for one value of a form, decoded in C.

    A Save's payload is some 6 KB of JSON in which every brace, quote and colon is
    percent-encoded; ``unquote_plus`` decodes it in a Python loop (about a fifth of the ack's
    time). In a well-formed form value a raw ``=`` never appears and ``%`` only starts an
    escape, so turning ``%XX`` into ``=XX`` lets binascii's quoted-printable decoder do the
    work. Anything else (a raw ``=``, a line break, a stray ``%``, non-ASCII) takes the slow path.
    """
    try:
        raw = encoded.encode("ascii")
    except UnicodeEncodeError:
        return unquote_plus(encoded)
    if b"=" in raw or b"\n" in raw or b"\r" in raw or _STRAY_PERCENT.search(raw):
        return unquote_plus(encoded)
    return binascii.a2b_qp(raw.replace(b"+", b" ").replace(b"%", b"=")).decode("utf-8", "replace")


def _json(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise BadEnvelope(f"{what} is not JSON") from exc
    if not isinstance(value, dict):
        raise BadEnvelope(f"{what} is not a JSON object")
    return value


def check_envelope(body: dict[str, Any]) -> None:
    """Raise BadEnvelope unless ``body`` is a request kind the app handles, shaped as Slack sends it."""
    _check_ids(body, "body")
    if "ssl_check" in body:
        _require_text(body, ("ssl_check",), "ssl_check")
        return
    if "command" in body:
        _require_text(body, ("user_id", "trigger_id"), "slash command")
        command = body["command"]
        if not isinstance(command, str) or not command.startswith("/") or len(command) > MAX_ID:
            raise BadEnvelope("slash command without a valid command")
        return
    kind = body.get("type") if isinstance(body.get("type"), str) else None
    if kind in NOTICES:
        return
    if kind == "url_verification":
        _require_text(body, ("challenge",), "url_verification")
    elif kind == "event_callback":
        _check_event(body)
    elif kind in INTERACTIONS:
        _check_interaction(body, kind)
    else:
        raise BadEnvelope("unsupported request type")


def _require_text(obj: dict[str, Any], keys: tuple[str, ...], what: str) -> None:
    for key in keys:
        if not isinstance(obj.get(key), str) or not obj[key]:
            raise BadEnvelope(f"{what} without a valid {key}")


def _require_id(obj: dict[str, Any], key: str, what: str, *, optional: bool = False) -> None:
    """Ids Bolt routes on must be text (Bolt matches them with ``re``); their content is
    Slack's business: any text up to ``MAX_ID`` characters."""
    value = obj.get(key)
    if optional and key not in obj:
        return
    if not isinstance(value, str) or len(value) > MAX_ID:
        raise BadEnvelope(f"{what} without a valid {key}")


def _check_ids(obj: dict[str, Any], where: str) -> None:
    for key in _ID_FIELDS:
        value = obj.get(key)
        if isinstance(value, dict):
            if not isinstance(value.get("id", ""), str):
                raise BadEnvelope(f"{where}.{key}.id is not text")
        elif value is not None and not isinstance(value, str):
            raise BadEnvelope(f"{where}.{key} has the wrong type")
    for key in _OBJECT_FIELDS:
        if obj.get(key) is not None and not isinstance(obj[key], dict):
            raise BadEnvelope(f"{where}.{key} is not an object")
        if isinstance(obj.get(key), dict) and key in ("message", "previous_message"):
            _check_ids(obj[key], f"{where}.{key}")
    for key in ("authorizations", "response_urls"):
        value = obj.get(key)
        checked = value is not None or key == "response_urls"  # Bolt takes the length of any response_urls
        if checked and key in obj and not (isinstance(value, list) and all(isinstance(v, dict) for v in value)):
            raise BadEnvelope(f"{where}.{key} is not a list of objects")
    for item in obj.get("authorizations") or []:
        _check_ids(item, f"{where}.authorizations[]")


def _check_event(body: dict[str, Any]) -> None:
    event = body.get("event")
    if not isinstance(event, dict):
        raise BadEnvelope("event_callback without an event object")
    _require_id(event, "type", "event")
    _require_text(event, _EVENT_FIELDS.get(event["type"], ()), event["type"])
    _check_ids(event, "event")
    if body.get("is_ext_shared_channel") is not None and not isinstance(body["is_ext_shared_channel"], bool):
        raise BadEnvelope("body.is_ext_shared_channel is not a boolean")


def _check_interaction(body: dict[str, Any], kind: str) -> None:
    user = body.get("user")
    if not isinstance(user, dict) or not isinstance(user.get("id"), str) or not user["id"]:
        raise BadEnvelope(f"{kind} without a user id")
    view = body.get("view")
    if view is not None or kind != "block_actions":  # a click in a message has no view
        if not isinstance(view, dict):
            raise BadEnvelope(f"{kind} without a view object")
        _require_text(view, ("id", "type"), "view")
        # Bolt reads a submission's callback_id unchecked; "" in a Home tab or a modal opened without one
        _require_id(view, "callback_id", "view", optional=kind == "block_actions")
        if view.get("state") is not None and not isinstance(view["state"], dict):
            raise BadEnvelope("view.state is not an object")  # absent, null or without values: no inputs
    if kind == "block_actions":
        actions = body.get("actions")
        if not isinstance(actions, list) or not actions or not all(isinstance(a, dict) for a in actions):
            raise BadEnvelope("block_actions without a list of actions")
        for action in actions:
            _require_id(action, "action_id", "action")
            _require_id(action, "block_id", "action", optional=True)
