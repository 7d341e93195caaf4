"""Blocks as the JSON Slack receives, for the messages posted by the thousand.

``slack_sdk``'s ``to_dict()`` runs every object's validators again at each level of nesting
(each one through ``dir()``): about a fifth of the CPU an alert cost settlebot. The builders
already keep within Slack's limits (``common.clip``), and their tests run slack_sdk's
validators over every kind of message; the deliverer's messages are serialised here with the
very same output (tests compare the two), the validators left out.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.basic_objects import EMPTY_ALLOWED_TYPE_AND_PROPERTY_LIST, JsonObject

_EMPTY_ALLOWED = frozenset((e["type"], e["property"]) for e in EMPTY_ALLOWED_TYPE_AND_PROPERTY_LIST)


def as_json(value: Any) -> Any:
    """What ``to_dict()`` gives for a slack_sdk object (or a list of them), without validating;
    an object whose class serialises itself its own way is left to its own ``to_dict()``."""
    if isinstance(value, list | tuple):
        return [as_json(v) for v in value]
    if not isinstance(value, JsonObject):
        return value  # text, numbers, and plain dicts (kept as they are, as slack_sdk does)
    if type(value).to_dict is not JsonObject.to_dict:
        return {k: as_json(v) for k, v in value.to_dict().items()}
    found = {key: getattr(value, key, None) for key in sorted(value.attributes)}
    return {key: as_json(v) for key, v in found.items() if _kept(value, key, v)}


def _kept(owner: JsonObject, key: str, value: Any) -> bool:
    """As slack_sdk's ``is_not_empty``: None and empty collections are left out, except where
    Slack allows an empty one."""
    if value is None:
        return False
    if (getattr(owner, "type", None), key) in _EMPTY_ALLOWED:
        return True
    return len(value) > 0 if hasattr(value, "__len__") else True
