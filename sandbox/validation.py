"""Block Kit checks like Slack's: slack_sdk's models, plus the limits and rules they skip.

Each check returns Slack-style error strings ("... [json-pointer:/blocks/0/text]"); an empty
list means valid. A field that slack_sdk's model drops when it re-serialises a block is
reported as an unknown field, as Slack reports "invalid additional property"; an empty list
it drops (e.g. `elements: []`) is reported too, as Slack requires at least one item.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from sandbox.model_dict import checked_dict

MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100


def _dropped(sent: Any, kept: Any, pointer: str) -> list[str]:
    """Fields present in what was sent but missing from slack_sdk's re-serialised form."""
    if isinstance(sent, dict) and isinstance(kept, dict):
        errors: list[str] = []
        for key, value in sent.items():
            where = f"{pointer}/{key}"
            if value is None or value == "":
                continue
            if key not in kept:
                empty = value in ([], {})
                errors.append(
                    f"{'must not be empty' if empty else 'invalid additional property'}"
                    f" [json-pointer:{where}]"
                )
            else:
                errors.extend(_dropped(value, kept[key], where))
        return errors
    if isinstance(sent, list) and isinstance(kept, list) and len(sent) == len(kept):
        pairs = enumerate(zip(sent, kept, strict=True))
        return [e for i, (s, k) in pairs for e in _dropped(s, k, f"{pointer}/{i}")]
    if isinstance(sent, str) and isinstance(kept, dict):
        return [f"expected an object, got a string [json-pointer:{pointer}]"]
    return []


def block_errors(block: Any, pointer: str) -> list[str]:
    """Errors for one block, parsed and validated with slack_sdk's models."""
    if not isinstance(block, dict):
        return [f"expected an object [json-pointer:{pointer}]"]
    try:
        parsed = Block.parse(block)
        if parsed is None:
            return [f"unsupported block type {block.get('type')!r} [json-pointer:{pointer}]"]
        kept = checked_dict(parsed)  # to_dict(): every validator, then the fields it keeps
    except (SlackObjectFormationError, ValueError, TypeError, KeyError) as error:
        return [f"{error} [json-pointer:{pointer}]"]
    return _dropped(block, kept, pointer)


def blocks_errors(
    blocks: Any, limit: int = MESSAGE_BLOCK_LIMIT, pointer: str = "/blocks"
) -> list[str]:
    """Errors for a list of blocks: its shape, its length (at most `limit`), each block."""
    if not isinstance(blocks, list):
        return [f"expected an array of blocks [json-pointer:{pointer}]"]
    errors: list[str] = []
    if len(blocks) > limit:
        errors.append(f"no more than {limit} items allowed [json-pointer:{pointer}]")
    for i, block in enumerate(blocks):
        errors.extend(block_errors(block, f"{pointer}/{i}"))
    return errors


def _slack_view_rules(view: dict[str, Any]) -> list[str]:
    """Rules Slack enforces that slack_sdk's `View` does not."""
    errors: list[str] = []
    if view.get("type") == "modal" and not view.get("title"):
        errors.append("missing required field: title [json-pointer:/view/title]")
    blocks = view.get("blocks") or []
    has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
    if view.get("type") == "modal" and has_input and not view.get("submit"):
        errors.append("submit is required when a view has input blocks [json-pointer:/view/submit]")
    return errors


def view_errors(view: Any, allowed_types: tuple[str, ...] = ("modal", "home")) -> list[str]:
    """Errors in the view's own fields (title, type, metadata...), blocks aside."""
    if not isinstance(view, dict):
        return ["expected a view object [json-pointer:/view]"]
    if view.get("type") not in allowed_types:
        return [f"type must be one of {list(allowed_types)} [json-pointer:/view/type]"]
    outer = {k: v for k, v in view.items() if k != "blocks"}
    try:
        checked = View(**outer, blocks=[{"type": "divider"}])
        checked.validate_json()
        kept = checked.to_dict()
    except (SlackObjectFormationError, ValueError, TypeError) as error:
        return [f"{error} [json-pointer:/view]"]
    return _slack_view_rules(view) + _dropped(outer, kept, "/view")


def response_action_errors(view: dict[str, Any], response: dict[str, Any]) -> list[str]:
    """Errors in an app's answer to a view_submission (`response_action` and its view)."""
    action = response.get("response_action")
    if action in ("update", "push"):
        new = response.get("view")
        errors = view_errors(new, ("modal",))
        if errors or not isinstance(new, dict):
            return errors
        return blocks_errors(new.get("blocks") or [], VIEW_BLOCK_LIMIT, "/view/blocks")
    if action == "errors":
        inputs = {b.get("block_id") for b in view.get("blocks", []) if b.get("type") == "input"}
        wrong = sorted(set(response.get("errors") or {}) - inputs)
        return [f"errors name {b!r}, which is not an input block of the view" for b in wrong]
    if action not in (None, "clear"):
        return [f"unknown response_action {action!r}"]
    return []
