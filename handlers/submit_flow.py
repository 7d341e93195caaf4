"""The settle modal's Save: parse and check what needs no database, ack with a processing
view, then (in a job) check against the database, charge, and show the outcome."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, TypeGuard

from slack_sdk.errors import SlackApiError

from domain.alerts import deliver
from domain.errors import (
    BalanceChanged,
    CardExpired,
    DomainError,
    InvalidInput,
    NotAllowed,
    NotFound,
    SettlementInProgress,
)
from domain.ports import StorageUnavailable
from domain.records import Outcome
from domain.settlement import (
    CardChoice,
    SettlementResult,
    already_settled,
    change_card_expiry,
    check_expiry,
    settle,
)
from handlers import ids
from handlers.blocks.command import receipt_message
from handlers.blocks.modal import message_modal, result_modal
from handlers.blocks.payload import as_json
from handlers.context import Deps
from handlers.home_flow import publish_home
from handlers.i18n import Translator, decline_text, error_text
from handlers.metadata import ModalMeta
from handlers.modal_flow import load_plan, notice_view, refresh
from handlers.work import FOLLOW_UP, job, task
from telemetry.settlements import counted_settlement

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Submission:
    card_id: str
    card_label: str | None  # the chosen option's text, as the modal showed it
    expiry: tuple[int, int] | None  # new (month, year) for the card being edited
    pay_block: str  # block ids as rendered, to address inline errors
    month_block: str
    year_block: str


def _selected(values: dict[str, Any], block: str, action: str) -> tuple[str, str | None, str | None]:
    """(the block id as rendered, the value chosen in it, its text) for the input whose base id is ``block``."""
    block_id = next((k for k in values if isinstance(k, str) and len(k) <= 255 and ids.base_of(k) == block), block)
    entry = values.get(block_id)
    element = entry.get(action) if isinstance(entry, dict) else None
    option = element.get("selected_option") if isinstance(element, dict) else None
    value = option.get("value") if isinstance(option, dict) else None
    text = option.get("text") if isinstance(option, dict) else None
    label = text.get("text") if isinstance(text, dict) else None
    return (block_id, value if isinstance(value, str) and len(value) <= 100 else None,
            label if isinstance(label, str) and 0 < len(label) <= 150 else None)  # fmt: skip


def parse_submission(values: Any, meta: ModalMeta) -> Submission:
    """Read the modal's inputs; a missing or odd value is an InvalidInput on its block."""
    values = values if isinstance(values, dict) else {}
    pay_block, card_id, label = _selected(values, ids.PAY_WITH_BLOCK, ids.PAY_WITH_ACTION)
    if not card_id:
        raise InvalidInput("choose_card", field=pay_block)
    if not meta.editing_card_id:
        return Submission(card_id, label, None, pay_block, "", "")
    month_block, month, _ = _selected(values, ids.EXP_MONTH_BLOCK, ids.EXP_MONTH_ACTION)
    year_block, year, _ = _selected(values, ids.EXP_YEAR_BLOCK, ids.EXP_YEAR_ACTION)
    if not _digits(month):
        raise InvalidInput("invalid_exp_month", field=month_block)
    if not _digits(year):
        raise InvalidInput("invalid_exp_year", field=year_block)
    return Submission(card_id, label, (int(month), int(year)), pay_block, month_block, year_block)


def _digits(value: str | None) -> TypeGuard[str]:
    return value is not None and value.isascii() and value.isdigit() and len(value) <= 4


def precheck(meta: ModalMeta, sub: Submission, today: dt.date) -> None:
    """What can be refused inline, in the ack, without the database: a new expiry in the past,
    or a card the modal showed as expired (the job checks both again against the database)."""
    editing, expiry = meta.editing_card_id, sub.expiry
    if editing and expiry:
        with _on_expiry_inputs(sub):
            check_expiry(*expiry, today)
    expired = meta.expired_card(sub.card_id)
    if expired and not (expiry and sub.card_id == editing):
        last4, owned = expired
        raise InvalidInput("card_expired_owner" if owned else "card_expired_other", field=sub.pay_block, last4=last4)


def check(deps: Deps, actor: str, meta: ModalMeta, sub: Submission) -> CardChoice:
    """Every check against the database, all of them before the one write (the expiry
    change), so that a refused submission changes nothing."""
    today = deps.services.clock.today()
    plan = load_plan(deps, actor, meta.subscription_id)
    if not plan.role.may_settle:
        raise NotAllowed("reader_cannot_settle")
    if not plan.may_settle:
        raise already_settled(plan.last_payment)
    confirmed = meta.confirmed()
    if confirmed is None or not confirmed.matches(plan.balance):  # the domain checks again, under lock
        raise BalanceChanged(old=meta.shown_balance() or plan.balance.amount, new=plan.balance.amount)
    chosen = next((c for c in plan.cards if c.card.id == sub.card_id), None)
    if chosen is None:
        raise InvalidInput("card_not_found", field=sub.pay_block)
    editing, expiry = meta.editing_card_id, sub.expiry
    if editing and expiry:
        with _on_expiry_inputs(sub):
            check_expiry(*expiry, today)
    if chosen.expired and not (expiry and chosen.card.id == editing):
        key = "card_expired_owner" if chosen.is_owner else "card_expired_other"
        raise InvalidInput(key, field=sub.pay_block, last4=chosen.card.last4)
    if editing and expiry:
        with _on_expiry_inputs(sub):
            change_card_expiry(deps.services.uow(), actor, editing, *expiry, today, deps.services.gateway)
    return chosen


@contextmanager
def _card_errors_inline(sub: Submission) -> Iterator[None]:
    """A card the claim finds missing from the account is shown on the card input, as ``check`` shows it."""
    try:
        yield
    except NotFound as error:
        if error.key != "card_not_found":
            raise
        raise InvalidInput("card_not_found", field=sub.pay_block) from error


@contextmanager
def _on_expiry_inputs(sub: Submission) -> Iterator[None]:
    """An expiry refused by the domain is shown on the month (or year) input."""
    try:
        yield
    except InvalidInput as error:
        field = sub.year_block if error.field == "exp_year" else sub.month_block
        raise InvalidInput(error.key, field=field) from error
    except NotAllowed as error:
        raise InvalidInput(error.key, field=sub.month_block) from error


def inline_errors(error: InvalidInput, tr: Translator) -> dict[str, str]:
    return {error.field or ids.PAY_WITH_BLOCK: error_text(error, tr)[:150]}


@task
def settle_submission(deps: Deps, actor: str, meta: ModalMeta, sub: Submission, view_id: str) -> None:
    """After the ack: check, charge, then show the outcome where the user is looking.

    A refusal (a card expired or not on the account, a reader, a balance already paid) replaces
    the processing view with the form and the reason, or with a notice."""
    tr = deps.locales.of(actor)
    card_id = sub.card_id
    try:
        if (meta.editing_card_id and sub.expiry) or meta.confirmed() is None:  # every check, then the one write
            card_id = check(deps, actor, meta, sub).card.id
        with _card_errors_inline(sub):  # else the claim checks it all, in the transaction that records it
            result = _settle_when_free(deps, actor, meta, card_id)
    except BalanceChanged as error:
        log.info("Save for %s refused, nothing charged: the balance changed since the modal showed it",
                 meta.subscription_id)  # fmt: skip
        refresh(deps, tr, actor, replace(meta, selected_card_id=card_id), view_id, error_text(error, tr), "warning")
        return
    except CardExpired as error:
        editing = meta.editing_card_id or (card_id if error.params.get("is_owner") else None)
        refresh(deps, tr, actor, replace(meta, editing_card_id=editing), view_id, error_text(error, tr))
        return
    except InvalidInput as error:
        refresh(deps, tr, actor, replace(meta, selected_card_id=card_id), view_id, error_text(error, tr))
        return
    except DomainError as error:
        deps.client_for(actor).views_update(view_id=view_id, view=notice_view(tr, error))
        return
    except StorageUnavailable:
        log.warning("settlement of %s not recorded: the database is unavailable", meta.subscription_id)
        deps.client_for(actor).views_update(view_id=view_id, view=message_modal(
            tr, title=tr("modal.title"), text=tr("unavailable_save"), level="error"))  # fmt: skip
        return
    if result.outcome in SHOWN_AS_RESULT:
        shown = as_json(result_modal(result, tr, sandbox=deps.services.sandbox))
        try:
            deps.client_for(actor).views_update(view_id=view_id, view=shown)
        finally:  # the receipt is owed even when the modal was closed meanwhile
            deps.jobs.submit(job(after_settlement, actor, meta, result, priority=FOLLOW_UP))
    else:
        notice = decline_text(result.attempt.decline_code or "generic_decline", tr)
        refresh(deps, tr, actor, replace(meta, selected_card_id=card_id), view_id, notice)


# Outcomes shown as the modal's result, with a receipt and the alert refreshed: paid, paid in
# part (what was paid and what is still owed), or waiting for the cardholder's 3-D Secure.
SHOWN_AS_RESULT = frozenset({Outcome.SUCCEEDED, Outcome.PARTIAL, Outcome.ACTION_REQUIRED})
WAITS = (0.1, 0.25, 0.5, 1.0, 1.0, 2.0, 2.0, 2.0)  # seconds, about 9 in all


@counted_settlement
def _settle_when_free(deps: Deps, actor: str, meta: ModalMeta, card_id: str) -> SettlementResult:
    """Settle; while another Save for the same balance is being charged, wait for its outcome.

    If it paid, the retry ends in AlreadySettled (naming who paid); if it was declined, this
    Save goes ahead with its own card, as the user asked.
    """
    services, confirmed = deps.services, meta.confirmed()
    if confirmed is None:  # check() refused it already
        raise BalanceChanged(old=meta.shown_balance(), new=meta.shown_balance())
    for wait in (*WAITS, None):
        try:
            return settle(services.uow(), services.gateway, services.clock, actor, meta.subscription_id, card_id,
                          confirmed=confirmed)  # fmt: skip
        except SettlementInProgress:
            if wait is None:
                raise
            time.sleep(wait)
    raise AssertionError("unreachable")


@task
def after_settlement(deps: Deps, actor: str, meta: ModalMeta, result: SettlementResult) -> None:
    """Once the result is shown: its alert refreshed, the Home tab (when the modal came from
    it) and the receipt. A job of its own, at FOLLOW_UP: under load the next Saves' charges
    (what people are waiting for) go before the receipts of those already shown."""
    services, tr = deps.services, deps.locales.of(actor)
    deliver(services.uow(), services.clock, services.notifier(), updates_only=True,
            failures=services.failures, backoff=services.backoff,
            subscription_id=result.subscription.id, reader=services.uow(read_only=True))  # fmt: skip
    if meta.channel_id is None:  # opened from the Home tab, which the person goes back to; any other
        publish_home(deps, actor)  # time the tab is republished as they open it (app_home_opened)
    receipt = receipt_message(result, tr, sandbox=services.sandbox)
    blocks = as_json(receipt.blocks)
    try:
        if meta.channel_id and not meta.channel_id.startswith("D"):
            deps.client_for(actor).chat_postEphemeral(channel=meta.channel_id, user=actor, text=receipt.text,
                                                      blocks=blocks)  # fmt: skip
        else:
            deps.client_for(actor).chat_postMessage(channel=actor, text=receipt.text, blocks=blocks)
    except SlackApiError as exc:
        log.warning("receipt for attempt %s not delivered: %s", result.attempt.id, exc.response.get("error"))


def failure_view(tr: Translator, reference: str) -> Any:
    return message_modal(tr, title=tr("modal.title"), text=tr("error_generic", reference=reference), level="error")
