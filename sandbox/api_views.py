"""views.open, views.push, views.update and views.publish."""

from __future__ import annotations

from typing import Any

from sandbox.errors import ApiError
from sandbox.params import Params, invalid, required_arg, text_arg
from sandbox.state import Workspace
from sandbox.validation import VIEW_BLOCK_LIMIT, blocks_errors, view_errors


def _view(ws: Workspace, params: Params, allowed: tuple[str, ...]) -> dict[str, Any]:
    """The `view` argument, checked like Slack checks it; blocks sent without an id get one."""
    view = params.get("view")
    if not isinstance(view, dict):
        raise invalid("invalid_arguments", ["expected a view object [json-pointer:/view]"])
    errors = view_errors(view, allowed)
    if "blocks" not in view:
        errors.append("missing required field: blocks [json-pointer:/view/blocks]")
    if errors:
        raise invalid("invalid_arguments", errors)
    errors = blocks_errors(view["blocks"], VIEW_BLOCK_LIMIT, "/view/blocks")
    if errors:
        raise invalid("invalid_blocks", errors)
    return {**view, "blocks": ws.ids.with_block_ids(view["blocks"])}


def _pointer(params: Params) -> str:
    pointer = text_arg(params, "trigger_id") or text_arg(params, "interactivity_pointer")
    if pointer is None:
        raise invalid("invalid_arguments", ["missing required field: trigger_id"])
    return pointer


def open_view(ws: Workspace, params: Params) -> dict[str, Any]:
    view = _view(ws, params, ("modal",))
    return {"ok": True, "view": ws.views.open(_pointer(params), view)}


def push_view(ws: Workspace, params: Params) -> dict[str, Any]:
    view = _view(ws, params, ("modal",))
    return {"ok": True, "view": ws.views.push(_pointer(params), view)}


def update_view(ws: Workspace, params: Params) -> dict[str, Any]:
    view_id, external_id = text_arg(params, "view_id"), text_arg(params, "external_id")
    if view_id is None and external_id is None:
        raise invalid("invalid_arguments", ["view_id or external_id is required"])
    view = _view(ws, params, ("modal", "home"))
    updated = ws.views.update(view, view_id, external_id, text_arg(params, "hash"))
    return {"ok": True, "view": updated}


def publish_view(ws: Workspace, params: Params) -> dict[str, Any]:
    user_id = required_arg(params, "user_id")
    view = _view(ws, params, ("home",))
    if ws.users.get(user_id) is None:
        raise ApiError("user_not_found")
    return {"ok": True, "view": ws.views.publish(user_id, view, text_arg(params, "hash"))}


HANDLERS = {
    "views.open": open_view,
    "views.push": push_view,
    "views.update": update_view,
    "views.publish": publish_view,
}
