"""View submissions and closings."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from domain.errors import DomainError, InvalidInput
from handlers import ids, payloads
from handlers.background import after_ack
from handlers.blocks.modal import processing_modal
from handlers.context import Deps
from handlers.metadata import ModalMeta
from handlers.modal_flow import notice_view
from handlers.submit_flow import check, finish, inline_errors, parse_submission


def register(app: App, deps: Deps) -> None:
    @app.view(ids.SETTLE_MODAL)
    def settle_submitted(ack: Ack, body: dict[str, Any]) -> None:
        submitted = payloads.submitted_view(body)
        user = submitted.user_id
        meta = ModalMeta.loads(submitted.private_metadata)  # written by us: a bad one is a forgery (400)
        tr = deps.locales.of(user)
        try:
            submission = parse_submission(submitted.values, meta)
            plan, chosen = check(deps, user, meta, submission)
        except InvalidInput as error:
            ack(response_action="errors", errors=inline_errors(error, tr))
            return
        except DomainError as error:
            ack(response_action="update", view=notice_view(tr, error))
            return
        ack(response_action="update",
            view=processing_modal(tr, amount=plan.balance.amount, card=chosen.card, meta=meta))  # fmt: skip
        after_ack(deps.services.background, finish, deps, tr, user, meta, chosen.card.id, submitted.view_id)

    @app.view_closed(ids.SETTLE_MODAL)
    def settle_closed(ack: Ack) -> None:
        ack()
