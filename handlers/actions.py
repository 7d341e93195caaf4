"""Buttons: "Settle balance" anywhere, and the Card blocks' actions inside the modal.

Each is acknowledged at once; opening or re-rendering the modal is an (urgent) job.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App

from domain.errors import InvalidInput
from handlers import ids, payloads
from handlers.context import Deps
from handlers.metadata import ModalMeta
from handlers.modal_flow import open_modal, refresh
from handlers.work import NOW, SOON, job, task
from telemetry import context


def register(app: App, deps: Deps) -> None:
    @app.action(ids.SETTLE_OPEN)
    def settle_open(ack: Ack, body: dict[str, Any]) -> None:
        clicked = payloads.click(body, unassigned=deps.services.single_workspace)
        ack()
        context.annotate(subscription_id=clicked.value)
        deps.jobs.submit(job(open_clicked, clicked, time.time(), priority=NOW))

    @app.action(ids.SELECT_CARD)
    def select_card(ack: Ack, body: dict[str, Any]) -> None:
        _rerender(deps, ack, body, lambda meta, card: replace(meta, selected_card_id=card))

    @app.action(ids.EDIT_EXPIRY)
    def edit_expiry(ack: Ack, body: dict[str, Any]) -> None:
        _rerender(deps, ack, body, lambda meta, card: replace(meta, editing_card_id=card))

    @app.action(ids.ADD_CARD)
    def add_card(ack: Ack) -> None:
        ack()  # a url button: Slack opens the page itself and still tells the app


@task
def open_clicked(deps: Deps, clicked: payloads.Click, acked_at: float) -> None:
    tr = deps.locales.known(clicked.user_id)
    open_modal(deps, tr, clicked.user_id, clicked.value, clicked.trigger_id, clicked.channel_id, acked_at)


@task
def rerender(deps: Deps, user: str, meta: ModalMeta, view_id: str) -> None:
    refresh(deps, deps.locales.of(user), user, meta, view_id)


def _rerender(deps: Deps, ack: Ack, body: dict[str, Any], change: Callable[[ModalMeta, str], ModalMeta]) -> None:
    """Re-render the modal with the clicked card selected or opened for editing."""
    clicked = payloads.click(body, unassigned=deps.services.single_workspace)
    if clicked.view_id is None:
        raise InvalidInput("bad_request")
    meta = change(ModalMeta.loads(clicked.private_metadata), clicked.value)
    ack()
    deps.jobs.submit(job(rerender, clicked.user_id, meta, clicked.view_id, priority=SOON))
