"""Stripe's list objects: `limit` (1-100, default 10), `starting_after` / `ending_before`
cursors over newest-first data, `has_more`, and `expand[]` of ids into objects."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from sandbox.fake_stripe.errors import invalid
from sandbox.fake_stripe.forms import as_int, as_list
from sandbox.fake_stripe.state import Account, Table

Keep = Callable[[dict[str, Any]], bool]


def _limit(params: dict[str, Any]) -> int:
    limit = as_int(params, "limit", 10) or 0
    if not 1 <= limit <= 100:
        raise invalid("This value must be greater than or equal to 1 and less than or equal to 100.",
                      "limit")  # fmt: skip
    return limit


def _cursor(order: dict[str, int], object_id: str, param: str) -> int:
    try:
        return order[object_id]
    except KeyError:
        raise invalid(f"No such object: '{object_id}'", param, "resource_missing") from None


def page(
    objects: list[dict[str, Any]], params: dict[str, Any], url: str, order: dict[str, int]
) -> dict[str, Any]:  # fmt: skip
    """One page of `objects` (newest first) as Stripe's `list` object.

    `order`: every object's creation rank, so that a cursor may be an object the filters left out.
    """
    limit = _limit(params)
    after, before = params.get("starting_after"), params.get("ending_before")
    if after:
        rank = _cursor(order, str(after), "starting_after")
        rest = [o for o in objects if order[o["id"]] < rank]
        data, more = rest[:limit], len(rest) > limit
    elif before:
        rank = _cursor(order, str(before), "ending_before")
        rest = [o for o in objects if order[o["id"]] > rank]
        data, more = rest[-limit:], len(rest) > limit
    else:
        data, more = objects[:limit], len(objects) > limit
    return {"object": "list", "data": [copy.deepcopy(o) for o in data], "has_more": more, "url": url}


def table_page(
    table: Table, params: dict[str, Any], url: str, keep: Keep, customer: str | None = None
) -> dict[str, Any]:  # fmt: skip
    """As `page` over the table's objects (of `customer`) that `keep` accepts. Account-wide, it
    walks from the cursor and stops after the page, so a page costs the same whatever the table holds."""
    if customer:  # a customer's few objects
        return page([o for o in table.newest_first(customer) if keep(o)], params, url, table.order)
    limit = _limit(params)
    after, before = params.get("starting_after"), params.get("ending_before")
    if before and not after:
        start, step = _cursor(table.order, str(before), "ending_before") + 1, 1
    else:
        start, step = (_cursor(table.order, str(after), "starting_after") if after else len(table.ids)) - 1, -1
    found: list[dict[str, Any]] = []
    while 0 <= start < len(table.ids) and len(found) <= limit:
        obj = table.rows[table.ids[start]]
        if keep(obj):
            found.append(obj)
        start += step
    data = found[:limit][::-1] if step == 1 else found[:limit]
    return {"object": "list", "data": [copy.deepcopy(o) for o in data], "has_more": len(found) > limit, "url": url}


def expand(account: Account, obj: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """`obj` (a copy) with the ids named by `expand[]` replaced by their objects.

    Paths are dotted (`latest_invoice`, `data.default_payment_method`, `setup_intent.payment_method`);
    `data` steps into a list's items.
    """
    paths = as_list(params.get("expand"))
    if not paths and obj.get("object") == "list":
        return obj  # a list page is made of copies already
    result = copy.deepcopy(obj)
    for path in paths:
        _expand_path(account, result, str(path).split("."))
    return result


def _expand_path(account: Account, node: Any, path: list[str]) -> None:
    if not path or not isinstance(node, dict):
        return
    head, rest = path[0], path[1:]
    if head == "data" and isinstance(node.get("data"), list):
        for item in node["data"]:
            _expand_path(account, item, rest)
        return
    value = node.get(head)
    if isinstance(value, str):
        found = account.resolve(value)
        if found is None:
            raise invalid(f"This property cannot be expanded ({head}).", "expand")
        node[head] = value = copy.deepcopy(found)
    _expand_path(account, value, rest)
