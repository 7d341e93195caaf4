"""Find interactive elements in blocks, and fill in `view.state.values` as Slack would."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

Element = dict[str, Any]

# Element type -> the key Slack puts its current value under in `state.values`.
STATE_KEYS = {
    "plain_text_input": "value", "email_text_input": "value", "url_text_input": "value",
    "number_input": "value", "static_select": "selected_option",
    "external_select": "selected_option", "radio_buttons": "selected_option",
    "multi_static_select": "selected_options", "checkboxes": "selected_options",
    "users_select": "selected_user", "conversations_select": "selected_conversation",
    "channels_select": "selected_channel", "datepicker": "selected_date",
    "timepicker": "selected_time", "datetimepicker": "selected_date_time",
}  # fmt: skip
_INITIAL = {
    "value": "initial_value", "selected_option": "initial_option",
    "selected_options": "initial_options", "selected_user": "initial_user",
    "selected_conversation": "initial_conversation", "selected_channel": "initial_channel",
    "selected_date": "initial_date", "selected_time": "initial_time",
    "selected_date_time": "initial_date_time",
}  # fmt: skip


def elements(blocks: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], Element]]:
    """Every interactive element with its block: actions, section accessories, inputs."""
    for block in blocks:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            yield block, element
        for key in ("accessory", "element"):
            if isinstance(block.get(key), dict) and "action_id" in block[key]:
                yield block, block[key]


def find_element(blocks: list[dict[str, Any]], action_id: str) -> tuple[str, Element] | None:
    """The block id and element whose `action_id` is given, if any."""
    found = next(((b, e) for b, e in elements(blocks) if e.get("action_id") == action_id), None)
    return (found[0].get("block_id", ""), found[1]) if found else None


def _options(element: Element) -> list[dict[str, Any]]:
    groups = element.get("option_groups") or []
    return list(element.get("options") or []) + [o for g in groups for o in g.get("options", [])]


def _option(element: Element, value: str) -> dict[str, Any]:
    option = next((o for o in _options(element) if o.get("value") == value), None)
    if option is None:
        raise ValueError(f"{element.get('action_id')!r} has no option with value {value!r}")
    return option


def state_value(element: Element, answer: Any = None) -> dict[str, Any]:
    """The `state.values` entry of an element: the answer given, else its initial value.

    For selects, radio buttons and checkboxes, give option values (a list for the multi ones);
    they become the full option objects Slack sends.
    """
    key = STATE_KEYS[element["type"]]
    if answer is None:
        return {"type": element["type"], key: element.get(_INITIAL[key])}
    if key == "selected_option":
        answer = _option(element, answer)
    elif key == "selected_options":
        answer = [_option(element, v) for v in answer]
    return {"type": element["type"], key: answer}


def state_values(view: Mapping[str, Any], answers: Mapping[str, Any]) -> dict[str, Any]:
    """A view's `state.values` after a user answered: every stateful element appears
    (untouched ones with their initial value or null, as in Slack), keyed by block and action id.

    Args:
        view: the view as Slack holds it (with block ids).
        answers: by action id, the text typed or the option value(s) picked.
    """
    values: dict[str, Any] = {}
    unused = set(answers)
    for block, element in elements(view.get("blocks", [])):
        if element.get("type") in STATE_KEYS and "action_id" in element:
            action_id = element["action_id"]
            unused.discard(action_id)
            entry = state_value(element, answers.get(action_id))
            values.setdefault(block["block_id"], {})[action_id] = entry
    if unused:
        raise ValueError(f"no input in the view has action_id {sorted(unused)}")
    return values
