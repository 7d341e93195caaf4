"""``/settle``: list what is past due, open one subscription's modal, or explain.

The command is acknowledged at once (nothing is shown yet); a job then answers through the
command's response_url, or opens the modal while its trigger id is still valid.
"""

from __future__ import annotations

import time
from typing import Any

from slack_bolt import Ack, App

from domain.errors import DomainError, NotFound
from domain.listing import find_subscription, past_due_of, your_products
from domain.ports import StorageUnavailable
from handlers import payloads
from handlers.blocks.command import error_message, help_message, nothing_due, past_due_list, refusal
from handlers.blocks.common import Message
from handlers.context import Deps
from handlers.i18n import Translator, error_text
from handlers.modal_flow import open_modal
from handlers.work import NOW, SOON, job, task

HELP_WORDS = {"help", "?", "帮助"}


def register(app: App, deps: Deps) -> None:
    @app.command("/settle")
    def settle_command(ack: Ack, command: dict[str, Any]) -> None:
        typed = payloads.command(command, unassigned=deps.services.single_workspace)
        ack()
        names_one = bool(typed.text) and typed.text.casefold() not in HELP_WORDS  # a modal to open
        deps.jobs.submit(job(answer_command, typed, time.time(), priority=NOW if names_one else SOON))


@task
def answer_command(deps: Deps, typed: payloads.Command, acked_at: float) -> None:
    user, text = typed.user_id, typed.text
    try:
        if text and text.casefold() not in HELP_WORDS:
            try:
                subscription_id = find_subscription(deps.services.uow(read_only=True), user, text,
                                                    deps.services.failures)  # fmt: skip
            except NotFound as error:
                tr = deps.locales.of(user)
                message = refusal(tr) if error.key == "no_role" else error_message(error_text(error, tr))
            else:
                tr_known = deps.locales.known(user)
                open_modal(deps, tr_known, user, subscription_id, typed.trigger_id, typed.channel_id, acked_at)
                return
        else:
            tr = deps.locales.of(user)
            message = help_message(tr) if text else _listing(deps, user, tr)
    except StorageUnavailable:
        _reply(deps, typed, Message(deps.locales.of(user)("unavailable")))
        raise
    _reply(deps, typed, message)


def _reply(deps: Deps, typed: payloads.Command, message: Message) -> None:
    if typed.response_url:
        deps.replies.send(typed.response_url, message)


def _listing(deps: Deps, user: str, tr: Translator) -> Message:
    services = deps.services
    groups = your_products(services.uow(read_only=True), user, services.clock.today(), services.failures)
    try:
        items = past_due_of(groups)
    except DomainError:
        return refusal(tr)
    unreadable = [g.account for g in groups if g.unreadable]
    if not items:
        return nothing_due(tr, unreadable)
    may_settle = {g.account.id: g.role.may_settle for g in groups}
    return past_due_list(items, tr, may_settle=may_settle, unreadable=unreadable)
