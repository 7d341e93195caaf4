"""Opening and refreshing the settle modal for one subscription."""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.models.views import View
from sqlalchemy.exc import SQLAlchemyError

from domain.errors import BalanceChanged, DomainError
from domain.ports import StorageUnavailable
from domain.settlement import SettlementPlan, prepare_settlement
from handlers.blocks.modal import loading_modal, message_modal, settle_modal
from handlers.cardlinks import LINK_TTL
from handlers.context import Deps
from handlers.i18n import Translator, error_text
from handlers.metadata import ModalMeta
from handlers.work import SOON, job, task

log = logging.getLogger(__name__)


def initial_meta(plan: SettlementPlan, actor: str, channel_id: str | None) -> ModalMeta:
    """Open on the default card; if it is expired and the actor owns it, show its expiry inputs."""
    default = plan.default_card
    editing = default.card.id if default and default.expired and default.is_owner else None
    return ModalMeta(plan.subscription.id, None, editing if plan.may_settle else None, channel_id)


def load_plan(deps: Deps, actor: str, subscription_id: str) -> SettlementPlan:
    return prepare_settlement(deps.services.uow(read_only=True), actor, subscription_id, deps.services.clock.today())


def render(deps: Deps, tr: Translator, actor: str, meta: ModalMeta, notice: str | None = None,
           level: str = "error", plan: SettlementPlan | None = None,
           ) -> tuple[View, str | None, SettlementPlan]:  # fmt: skip
    """The modal for ``meta``, the nonce of its add-card link (None if no link), and its plan."""
    plan = plan or load_plan(deps, actor, meta.subscription_id)
    owed = plan.balance.amount
    if notice is None and meta.shown and meta.shown != plan.balance.stamp:  # it changed while open
        notice, level = error_text(BalanceChanged(old=meta.shown_balance() or owed, new=owed), tr), "warning"
    expired = tuple(f"{c.card.id}:{c.card.last4}:{int(c.is_owner)}" for c in plan.cards if c.expired)
    meta = replace(meta, locale=tr.locale, balance=f"{owed.amount}:{owed.currency}", shown=plan.balance.stamp,
                   expired=expired[:20])  # fmt: skip
    nonce, url = deps.links.new(plan.subscription.id) if plan.may_settle else (None, None)
    view = settle_modal(plan, tr, actor=actor, meta=meta, add_card_url=url,
                        notice=notice, notice_level=level, today=deps.services.clock.today(),
                        sandbox=deps.services.sandbox)  # fmt: skip
    return view, nonce, plan


TRIGGER_BUDGET = 2.5  # seconds of a trigger id's 3 within which views.open is still worth trying


def open_modal(deps: Deps, tr: Translator | None, actor: str, subscription_id: str, trigger_id: str,
               channel_id: str | None, acked_at: float) -> None:  # fmt: skip
    """Open a loading modal now (the trigger id lives 3 seconds from the click), then fill it
    in a job of its own; a trigger id that expired first gets the person a "try again"."""
    if time.time() - acked_at > TRIGGER_BUDGET:
        _too_late(deps, actor, channel_id, time.time() - acked_at)
        return
    try:
        opened = deps.client_for(actor).views_open(trigger_id=trigger_id, view=loading_modal(tr))
    except SlackApiError as exc:
        if exc.response.get("error") != "expired_trigger_id":
            raise
        _too_late(deps, actor, channel_id, time.time() - acked_at)
        return
    deps.jobs.submit(job(fill_modal, actor, subscription_id, channel_id, opened["view"]["id"], priority=SOON))


@task
def fill_modal(deps: Deps, actor: str, subscription_id: str, channel_id: str | None, view_id: str) -> None:
    """Replace the loading modal with the form (or a notice: no role, nothing to pay...)."""
    tr = deps.locales.of(actor)
    try:
        plan = load_plan(deps, actor, subscription_id)
    except DomainError as error:
        deps.client_for(actor).views_update(view_id=view_id, view=notice_view(tr, error))
        return
    refresh(deps, tr, actor, initial_meta(plan, actor, channel_id), view_id, plan=plan)


def _too_late(deps: Deps, actor: str, channel_id: str | None, waited: float) -> None:
    log.warning("a modal was not opened: its trigger id expired (%.1f s after the ack)", waited)
    text = deps.locales.of(actor)("busy_retry")
    try:
        if channel_id:
            deps.client_for(actor).chat_postEphemeral(channel=channel_id, user=actor, text=text)
        else:
            deps.client_for(actor).chat_postMessage(channel=actor, text=text)
    except SlackApiError as exc:
        log.warning("the busy notice was not delivered: %s", exc.response.get("error"))


def refresh(deps: Deps, tr: Translator, actor: str, meta: ModalMeta, view_id: str,
            notice: str | None = None, level: str = "error", plan: SettlementPlan | None = None,
            ) -> None:  # fmt: skip
    """Re-render an open modal in place (after a card change, a decline or a new card)."""
    try:
        view, nonce, plan = render(deps, tr, actor, meta, notice, level, plan)
    except DomainError as error:
        deps.client_for(actor).views_update(view_id=view_id, view=notice_view(tr, error))
        return
    bind_link(deps, nonce, plan.account.id, actor, view_id)  # before the modal shows its link
    deps.client_for(actor).views_update(view_id=view_id, view=view)


def refresh_after_card(deps: Deps, tr: Translator, actor: str, subscription_id: str, view_id: str,
                       card_id: str) -> None:  # fmt: skip
    """Show a card just added, selected, in the modal that sent the person to add it; the card is
    kept whatever happens to the modal (closed meanwhile, Slack or the database unreachable)."""
    meta = ModalMeta(subscription_id, selected_card_id=card_id)
    try:
        refresh(deps, tr, actor, meta, view_id, tr("card_added"), "success")
    except SlackApiError as exc:  # the modal was closed meanwhile: nothing to refresh
        log.info("modal %s not refreshed: %s", view_id, exc.response.get("error"))
    except (SlackClientError, OSError, StorageUnavailable, SQLAlchemyError) as exc:
        log.warning("modal %s not refreshed after a card was added: %s", view_id, type(exc).__name__)


def bind_link(deps: Deps, nonce: str | None, account_id: str, actor: str, view_id: str | None) -> None:
    if nonce is None:
        return
    expires = deps.services.clock.now() + LINK_TTL
    deps.services.card_links.create(nonce, account_id, actor, view_id, expires)


def notice_view(tr: Translator, error: DomainError) -> View:
    return message_modal(tr, title=tr("modal.title"), text=error_text(error, tr), level="warning")


def with_card(meta: ModalMeta, card_id: str) -> ModalMeta:
    return replace(meta, selected_card_id=card_id)
