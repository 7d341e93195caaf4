"""slack_sdk's ``JsonObject.to_dict()`` with each class's validators found once.

``JsonObject.validate_json`` looks for its validators afresh on every call: ``dir()`` of the
object and a ``getattr`` of each name (about half of what checking a message's blocks cost the
fake). ``checked_dict`` does what ``to_dict()`` does (run every validator, in the same order,
then the non-empty attributes, recursively) with the validator names of each class listed once.
A class that changes how it validates or serialises (its own ``to_dict``, ``validate_json``...)
is left to its own ``to_dict()``. ``tests/sandbox`` holds the two equal on every block and view
the app builds and on invalid ones.
"""

from __future__ import annotations

import functools
from typing import Any

from slack_sdk.models.basic_objects import EMPTY_ALLOWED_TYPE_AND_PROPERTY_LIST, JsonObject

_BASE = JsonObject
_OWN = ("to_dict", "validate_json", "get_non_null_attributes", "get_object_attribute")
_EMPTY_ALLOWED = frozenset((e["type"], e["property"]) for e in EMPTY_ALLOWED_TYPE_AND_PROPERTY_LIST)


@functools.cache
def _validators(cls: type) -> tuple[str, ...] | None:
    """The names of ``cls``'s validators in the order ``validate_json`` calls them (``dir``'s),
    or None when ``cls`` validates or serialises in a way of its own."""
    if any(getattr(cls, name) is not getattr(_BASE, name) for name in _OWN):
        return None
    found = []
    for name in dir(cls):
        if name.startswith("__"):
            continue
        member = getattr(cls, name, None)
        if callable(member) and hasattr(member, "validator"):
            found.append(name)
    return tuple(found)


def checked_dict(obj: JsonObject) -> dict[str, Any]:
    """``obj.to_dict()``: the same validators run (raising the same errors), the same dict."""
    names = _validators(type(obj))
    if names is None:
        return obj.to_dict()
    for name in names:
        method = getattr(obj, name, None)
        if callable(method) and hasattr(method, "validator"):  # as validate_json asks (of the instance)
            method()
    kind = getattr(obj, "type", None)
    kept = {}
    for key in sorted(obj.attributes):
        value = getattr(obj, key, None)
        if _present(kind, key, value):
            kept[key] = _compatible(value)
    return kept


def _present(kind: Any, key: str, value: Any) -> bool:
    """``get_non_null_attributes``' test: set, and not an empty collection (but where allowed)."""
    if value is None:
        return False
    if (kind, key) in _EMPTY_ALLOWED:
        return True
    return len(value) > 0 if getattr(value, "__len__", None) is not None else True


def _compatible(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_compatible(v) for v in value]
    if isinstance(value, JsonObject) and _validators(type(value)) is not None:
        return checked_dict(value)  # already made of compatible values
    to_dict = getattr(value, "to_dict", None)
    if to_dict and callable(to_dict):
        return {k: _compatible(v) for k, v in to_dict().items()}
    return value
