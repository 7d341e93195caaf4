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
    kind = getattr(value, "type", None)
    keys, empty_allowed = _SHAPES.get((type(value), kind)) or _shape(value, kind)
    if keys is None:
        return {k: as_json(v) for k, v in value.to_dict().items()}
    out = {}
    for key in keys:
        v = getattr(value, key, None)
        if v is None or (not v and key not in empty_allowed and hasattr(v, "__len__")):
            continue  # as slack_sdk's is_not_empty: None and empty collections left out, but where allowed
        out[key] = as_json(v)
    return out


_Shape = tuple[tuple[str, ...] | None, frozenset[str]]
_SHAPES: dict[tuple[type, Any], _Shape] = {}


def _shape(value: JsonObject, kind: Any) -> _Shape:
    """A class's attributes in ``to_dict``'s order (None: the class serialises itself), and those
    Slack allows empty for its ``type``. slack_sdk's ``attributes`` depends on the class alone
    (a new set at each call), so it is read once per class and type."""
    cls = type(value)
    if cls.to_dict is not JsonObject.to_dict:
        shape: _Shape = (None, frozenset())
    else:
        keys = tuple(sorted(value.attributes))
        shape = (keys, frozenset(key for key in keys if (kind, key) in _EMPTY_ALLOWED))
    _SHAPES[(cls, kind)] = shape
    return shape
