"""The settle modal's Save: validate fast, ack with a processing view, then charge."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from slack_sdk.errors import SlackApiError

from domain.alerts import deliver
from domain.errors import AlreadySettled, CardExpired, DomainError, InvalidInput, NotAllowed
from domain.records import Outcome
from domain.settlement import CardChoice, SettlementPlan, SettlementResult, change_card_expiry, settle
from handlers import ids
from handlers.blocks.command import receipt_message
from handlers.blocks.modal import message_modal, result_modal
from handlers.context import Deps
from handlers.home_flow import publish_home
from handlers.i18n import Translator, error_text
from handlers.metadata import ModalMeta
from handlers.modal_flow import load_plan, notice_view, refresh
from handlers.notifier import SlackNotifier

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Submission:
    card_id: str
    expiry: tuple[int, int] | None  # new (month, year) for the card being edited


def _selected(values: dict[str, Any], block: str, action: str) -> str | None:
    option = ((values.get(block) or {}).get(action) or {}).get("selected_option") or {}
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) and len(value) <= 100 else None


def parse_submission(values: Any, meta: ModalMeta) -> Submission:
    """Read the modal's inputs; a missing or odd value is an InvalidInput on its block."""
    values = values if isinstance(values, dict) else {}
    card_id = _selected(values, ids.PAY_WITH_BLOCK, ids.PAY_WITH_ACTION)
    if not card_id:
        raise InvalidInput("choose_card", field=ids.PAY_WITH_BLOCK)
    if not meta.editing_card_id:
        return Submission(card_id, None)
    month = _selected(values, ids.EXP_MONTH_BLOCK, ids.EXP_MONTH_ACTION)
    year = _selected(values, ids.EXP_YEAR_BLOCK, ids.EXP_YEAR_ACTION)
    if not month or not month.isdigit():
        raise InvalidInput("invalid_exp_month", field=ids.EXP_MONTH_BLOCK)
    if not year or not year.isdigit():
        raise InvalidInput("invalid_exp_year", field=ids.EXP_YEAR_BLOCK)
    return Submission(card_id, (int(month), int(year)))


_FIELDS = {"exp_month": ids.EXP_MONTH_BLOCK, "exp_year": ids.EXP_YEAR_BLOCK}


def check(deps: Deps, actor: str, meta: ModalMeta, sub: Submission) -> tuple[SettlementPlan, CardChoice]:
    """Checks fast enough for the ack: the expiry change, then the card to pay with."""
    today = deps.services.clock.today()
    if sub.expiry and meta.editing_card_id:
        try:
            change_card_expiry(deps.services.uow(), actor, meta.editing_card_id, *sub.expiry, today)
        except InvalidInput as error:
            raise InvalidInput(error.key, field=_FIELDS.get(error.field or "", ids.EXP_MONTH_BLOCK)) from error
        except NotAllowed as error:
            raise InvalidInput(error.key, field=ids.EXP_MONTH_BLOCK) from error
    plan = load_plan(deps, actor, meta.subscription_id)
    if not plan.role.may_settle:
        raise NotAllowed("reader_cannot_settle")
    if not plan.may_settle:
        raise AlreadySettled()
    chosen = next((c for c in plan.cards if c.card.id == sub.card_id), None)
    if chosen is None:
        raise InvalidInput("card_not_found", field=ids.PAY_WITH_BLOCK)
    if chosen.expired:
        key = "card_expired_owner" if chosen.is_owner else "card_expired_other"
        raise InvalidInput(key, field=ids.PAY_WITH_BLOCK, last4=chosen.card.last4)
    return plan, chosen


def inline_errors(error: InvalidInput, tr: Translator) -> dict[str, str]:
    return {error.field or ids.PAY_WITH_BLOCK: error_text(error, tr)[:150]}


def finish(deps: Deps, tr: Translator, actor: str, meta: ModalMeta, card_id: str, view_id: str) -> None:
    """After the ack: charge, then show the outcome where the user is looking."""
    services = deps.services
    try:
        result = settle(services.uow(), services.gateway, services.clock, actor, meta.subscription_id, card_id)
    except CardExpired as error:
        editing = meta.editing_card_id or (card_id if error.params.get("is_owner") else None)
        refresh(deps, tr, actor, replace(meta, editing_card_id=editing), view_id, error_text(error, tr))
        return
    except DomainError as error:
        deps.client.views_update(view_id=view_id, view=notice_view(tr, error))
        return
    if result.outcome is Outcome.SUCCEEDED:
        deps.client.views_update(view_id=view_id, view=result_modal(result, tr))
        _after_success(deps, tr, actor, meta, result)
    else:
        notice = tr(result.attempt.decline_code or "generic_decline")
        refresh(deps, tr, actor, replace(meta, selected_card_id=card_id), view_id, notice)


def _after_success(deps: Deps, tr: Translator, actor: str, meta: ModalMeta, result: SettlementResult) -> None:
    services = deps.services
    deliver(services.uow(), services.clock, SlackNotifier(deps.client), updates_only=True)
    publish_home(deps, actor)
    receipt = receipt_message(result, tr)
    try:
        if meta.channel_id and not meta.channel_id.startswith("D"):
            deps.client.chat_postEphemeral(channel=meta.channel_id, user=actor, text=receipt.text, blocks=receipt.blocks)
        else:
            deps.client.chat_postMessage(channel=actor, text=receipt.text, blocks=receipt.blocks)
    except SlackApiError as exc:
        log.warning("receipt for attempt %s not delivered: %s", result.attempt.id, exc.response.get("error"))


def failure_view(tr: Translator, reference: str) -> Any:
    return message_modal(tr, title=tr("modal.title"), text=tr("error_generic", reference=reference), level="error")
