"""Stripe's metadata rules: updates merge keys, an empty value deletes its key."""

from __future__ import annotations

from typing import Any

from sandbox.fake_stripe.errors import invalid


def merged(current: dict[str, str], update: Any) -> dict[str, str]:
    """`current` with `update` applied (`""` for the whole of it clears every key)."""
    if update == "":
        return {}
    if not isinstance(update, dict):
        raise invalid("Invalid hash", "metadata")
    result = dict(current)
    for key, value in update.items():
        if len(str(key)) > 40 or len(str(value)) > 500:
            raise invalid("Metadata keys can be at most 40 characters and values 500.", f"metadata[{key}]")
        if value == "":
            result.pop(key, None)
        else:
            result[str(key)] = str(value)
    if len(result) > 50:
        raise invalid("You can specify up to 50 keys.", "metadata")
    return result
