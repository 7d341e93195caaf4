"""The events list (newest first, `types[]` or `type` to filter) and one event."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from sandbox.fake_stripe.context import Context
from sandbox.fake_stripe.forms import as_list
from sandbox.fake_stripe.listing import page


def list_(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    wanted = as_list(params.get("types")) or as_list(params.get("type"))
    events = ctx.table("event").newest_first()
    if wanted:
        events = [e for e in events if any(fnmatchcase(e["type"], pattern) for pattern in wanted)]
    return page(events, params, "/v1/events", ctx.table("event").order)


def retrieve(ctx: Context, params: dict[str, Any], event_id: str) -> dict[str, Any]:
    return dict(ctx.table("event").get(event_id))
