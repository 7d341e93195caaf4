"""The events list (newest first, `types[]` or `type` to filter) and one event."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from sandbox.fake_stripe.context import Context
from sandbox.fake_stripe.forms import as_list
from sandbox.fake_stripe.listing import table_page


def list_(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    wanted = as_list(params.get("types")) or as_list(params.get("type"))
    def keep(event: dict[str, Any]) -> bool:
        return not wanted or any(fnmatchcase(event["type"], pattern) for pattern in wanted)

    return table_page(ctx.table("event"), params, "/v1/events", keep)


def retrieve(ctx: Context, params: dict[str, Any], event_id: str) -> dict[str, Any]:
    return dict(ctx.table("event").get(event_id))
