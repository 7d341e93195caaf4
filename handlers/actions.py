"""Buttons: "Settle balance" anywhere, and the Card blocks' actions inside the modal."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App

from domain.errors import InvalidInput
from handlers import ids
from handlers.context import Deps
from handlers.metadata import ModalMeta
from handlers.modal_flow import open_modal, refresh

_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def _value(body: dict[str, Any]) -> str:
    """The clicked button's value, which must look like one of our ids (it is still untrusted)."""
    actions = body.get("actions") or [{}]
    value = actions[0].get("value") if isinstance(actions[0], dict) else None
    if not isinstance(value, str) or not _ID.match(value):
        raise InvalidInput("bad_request")
    return value


def register(app: App, deps: Deps) -> None:
    @app.action(ids.SETTLE_OPEN)
    def settle_open(ack: Ack, body: dict[str, Any]) -> None:
        subscription_id = _value(body)
        ack()
        user = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        open_modal(deps, deps.locales.of(user), user, subscription_id, body["trigger_id"], channel)

    @app.action(ids.SELECT_CARD)
    def select_card(ack: Ack, body: dict[str, Any]) -> None:
        _rerender(deps, ack, body, lambda meta, card: replace(meta, selected_card_id=card))

    @app.action(ids.EDIT_EXPIRY)
    def edit_expiry(ack: Ack, body: dict[str, Any]) -> None:
        _rerender(deps, ack, body, lambda meta, card: replace(meta, editing_card_id=card))

    @app.action(ids.ADD_CARD)
    def add_card(ack: Ack) -> None:
        ack()  # a url button: Slack opens the page itself and still tells the app


def _rerender(deps: Deps, ack: Ack, body: dict[str, Any], change: Any) -> None:
    """Re-render the modal with the clicked card selected or opened for editing."""
    view = body.get("view") or {}
    meta = change(ModalMeta.loads(view.get("private_metadata")), _value(body))
    ack()
    user = body["user"]["id"]
    refresh(deps, deps.locales.of(user), user, meta, view["id"])
