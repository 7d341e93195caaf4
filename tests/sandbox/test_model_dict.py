"""The fake's block check (``checked_dict``) does exactly what slack_sdk's ``to_dict()`` does:
the same dict for every valid block, the same error for every invalid one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from handlers.blocks import result_modal
from handlers.blocks.alert import alert_message
from handlers.blocks.payload import as_json
from sandbox.model_dict import checked_dict
from tests.unit.test_blocks_data import SETTLED, alert_view, result, tr
from tests.unit.test_blocks_home import home
from tests.unit.test_blocks_modal import modal

ROOT = Path(__file__).resolve().parents[1]
LONG = "x" * 3001
TEXT = {"type": "plain_text", "text": "Go"}
BUTTON = {"type": "button", "text": TEXT, "action_id": "go"}
INVALID = [
    {"type": "section"},
    {"type": "section", "text": {"type": "mrkdwn", "text": LONG}},
    {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}},
    {"type": "actions", "elements": [BUTTON] * 26},
    {"type": "actions", "elements": [{**BUTTON, "text": {"type": "plain_text", "text": "b" * 76}}]},
    {"type": "actions", "elements": [{**BUTTON, "style": "loud"}]},
    {"type": "actions", "elements": [{**BUTTON, "url": "u" * 3001}]},
    {"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11},
    {"type": "image", "image_url": "https://example.com/a.png", "alt_text": "a" * 2001},
    {"type": "input", "label": {"type": "plain_text", "text": "l" * 2001},
     "element": {"type": "plain_text_input", "action_id": "i"}},
    {"type": "section", "text": {"type": "mrkdwn", "text": "s"}, "block_id": "b" * 256},
    {"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11},
    {"type": "actions", "elements": [{**BUTTON, "value": "v" * 2001}]},
    {"type": "actions", "elements": [{**BUTTON, "action_id": "a" * 256}]},
]  # fmt: skip


def _blocks_in(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "blocks" and isinstance(value, list):
                yield from (b for b in value if isinstance(b, dict))
            else:
                yield from _blocks_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from _blocks_in(item)


def _built() -> list[dict[str, Any]]:
    """What the app sends (alerts, modals, the Home tab) and what Slack's payloads carry."""
    payloads: list[Any] = [as_json(alert_message(alert_view(), tr(locale)).blocks) for locale in ("en", "zh-CN")]
    payloads += [as_json(alert_message(alert_view(settled=SETTLED), tr("en")).blocks)]
    payloads += [modal(), home([]), result_modal(result(), tr("en")).to_dict()]
    for folder in (ROOT / "corpus", ROOT / "sandbox" / "fixtures"):
        payloads += [json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))]
    return [
        block
        for payload in payloads
        for block in _blocks_in({"blocks": payload} if isinstance(payload, list) else payload)
    ]


def _outcome(make: Any) -> tuple[str, Any]:
    try:
        return "ok", make()
    except Exception as error:  # the same kind and message either way
        return type(error).__name__, str(error)


def test_the_corpus_and_the_apps_blocks_give_the_same_dict_as_to_dict() -> None:
    blocks = _built()
    assert len(blocks) > 30
    for raw in blocks:
        parsed = Block.parse(raw)
        if parsed is not None:
            assert _outcome(partial(checked_dict, parsed)) == _outcome(parsed.to_dict)


@pytest.mark.parametrize("raw", INVALID, ids=lambda raw: str(raw.get("type")))
def test_an_invalid_block_fails_with_to_dicts_own_error(raw: dict[str, Any]) -> None:
    parsed = Block.parse(raw)
    assert parsed is not None
    expected = _outcome(parsed.to_dict)

    assert expected[0] == "SlackObjectFormationError"
    assert _outcome(partial(checked_dict, parsed)) == expected
