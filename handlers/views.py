"""View submissions and closings."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from domain.errors import InvalidInput
from handlers import ids, payloads
from handlers.blocks.modal import processing_modal
from handlers.context import Deps
from handlers.i18n import translator
from handlers.metadata import ModalMeta
from handlers.submit_flow import inline_errors, parse_submission, precheck, settle_submission
from handlers.work import job
from telemetry import context


def register(app: App, deps: Deps) -> None:
    @app.view(ids.SETTLE_MODAL)
    def settle_submitted(ack: Ack, body: dict[str, Any]) -> None:
        """Ack with the processing view (or inline errors) from the submission alone; the
        checks against the database and the charge run in a job."""
        submitted = payloads.submitted_view(body, unassigned=deps.services.single_workspace)
        meta = ModalMeta.loads(submitted.private_metadata)  # written by us: a bad one is a forgery (400)
        context.annotate(subscription_id=meta.subscription_id)  # for the log lines of this Save and its job
        tr = translator(meta.locale)
        try:
            submission = parse_submission(submitted.values, meta)
            precheck(meta, submission, deps.services.clock.today())
        except InvalidInput as error:
            ack(response_action="errors", errors=inline_errors(error, tr))
            return
        processing = processing_modal(tr, amount=meta.shown_balance(), card_label=submission.card_label, meta=meta,
                                      sandbox=deps.services.sandbox)  # fmt: skip
        ack(response_action="update", view=processing)
        deps.jobs.submit(job(settle_submission, submitted.user_id, meta, submission, submitted.view_id))

    @app.view_closed(ids.SETTLE_MODAL)
    def settle_closed(ack: Ack) -> None:
        ack()
