"""``/settle``: list what is past due, open one subscription's modal, or explain."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from domain.errors import DomainError, NotFound
from domain.listing import find_subscription, list_past_due
from handlers import payloads
from handlers.blocks.command import error_message, help_message, nothing_due, past_due_list, refusal
from handlers.context import Deps
from handlers.i18n import error_text
from handlers.modal_flow import open_modal

HELP_WORDS = {"help", "?", "帮助"}


def register(app: App, deps: Deps) -> None:
    @app.command("/settle")
    def settle_command(ack: Ack, command: dict[str, Any]) -> None:
        typed = payloads.command(command)
        user, text = typed.user_id, typed.text
        tr = deps.locales.of(user)
        if text.casefold() in HELP_WORDS:
            message = help_message(tr)
        elif not text:
            message = _listing(deps, user)
        else:
            try:
                subscription_id = find_subscription(deps.services.uow(), user, text)
            except NotFound as error:
                message = refusal(tr) if error.key == "no_role" else error_message(error_text(error, tr))
            else:
                ack()
                open_modal(deps, tr, user, subscription_id, typed.trigger_id, typed.channel_id)
                return
        ack(text=message.text, blocks=message.blocks)


def _listing(deps: Deps, user: str) -> Any:
    tr = deps.locales.of(user)
    try:
        items = list_past_due(deps.services.uow(), user, deps.services.clock.today())
    except DomainError:
        return refusal(tr)
    if not items:
        return nothing_due(tr)
    roles = {account.id for account, _ in items}
    with deps.services.uow() as uow:
        may = {a: r.may_settle for a, r in uow.accounts.roles_of(user).items() if a in roles}
    return past_due_list(items, tr, may_settle=may)
