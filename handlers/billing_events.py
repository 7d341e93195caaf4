"""The work after a Stripe webhook's 2xx: read the event's object again, update settlebot's copy and
the subscription's alert, and deliver a changed alert at once (through the outbox, as the scheduler
would, under the same delivery lock)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from domain.alerts import deliver
from domain.billing import BillingUnavailable, EventRef
from domain.billing_events import Handled, handle_event
from domain.card_checkout import complete_checkout
from handlers.modal_flow import refresh_after_card
from handlers.work import task
from storage.errors import ConflictError

if TYPE_CHECKING:
    from handlers.context import Deps

log = logging.getLogger(__name__)
DELIVERY_WAIT_SECONDS = 60.0  # for a run already delivering (its alerts, perhaps this one, go out with it)


@task
def stripe_event(
    deps: Deps, event_id: str, type_: str, kind: str, object_id: str, customer: str | None,
    automatic: bool = False, by_settlebot: bool = False,
) -> None:  # fmt: skip
    services = deps.services
    if services.billing is None:
        return
    event = EventRef(event_id, type_, kind, object_id, customer, automatic, by_settlebot)
    if kind == "checkout":
        card_added(deps, event)
        return
    try:
        done = _handle(deps, event)
    except BillingUnavailable as error:
        log.warning("stripe event %s (%s) not handled now, Stripe unavailable (%s): the next sync brings it",
                    event_id, type_, error)  # fmt: skip
        return
    log.info("stripe event %s (%s): %s, %d alerts changed", event_id, type_, "applied" if done else "nothing to do",
             done.alerts)  # fmt: skip
    if done.alerts:
        deliver_now(deps)


def _handle(deps: Deps, event: EventRef) -> Handled:
    services = deps.services
    assert services.billing is not None
    channel, people = services.settings.billing_channel, services.people
    try:
        return handle_event(services.uow(), services.billing, services.clock, event, default_channel=channel,
                            people=people)  # fmt: skip
    except ConflictError:  # another event of the subscription opened its alert first: update that one
        return handle_event(services.uow(), services.billing, services.clock, event, default_channel=channel,
                            people=people)  # fmt: skip


def card_added(deps: Deps, event: EventRef) -> None:
    """A card added on Stripe's hosted page: keep it (owned by who added it) and show it, selected,
    in the modal that sent the person there."""
    services = deps.services
    if services.checkout is None:
        return
    try:
        added = complete_checkout(services.uow(), services.checkout, event.object_id, now=services.clock.now(),
                                  today=services.clock.today())  # fmt: skip
    except BillingUnavailable as error:
        log.warning("checkout session %s not read now, Stripe unavailable (%s): the next sync brings the card",
                    event.object_id, error)  # fmt: skip
        return
    if added is None:
        log.info("stripe event %s (%s): not a settlebot session, or not linked", event.id, event.type)
        return
    card, done = added
    log.info("stripe event %s (%s): card %s added by %s", event.id, event.type, card.id, done.owner)
    link = services.card_links.get(done.link) if done.link else None
    if link is not None and link.view_id and done.subscription_id:
        actor = deps.actor_on(done.owner, card.account_id)  # the modal is in the account's workspace
        refresh_after_card(deps, deps.locales.of(actor), actor, done.subscription_id, link.view_id, card.id)


def deliver_now(deps: Deps) -> None:
    """Post or update what the outbox holds now, holding the delivery lock (never beside another run)."""
    services = deps.services
    if services.delivery_paused() is not None or services.delivery_lock is None:
        return  # uninstalled: the outbox waits for the scheduler after a start-up clears it
    with services.delivery_lock.hold(DELIVERY_WAIT_SECONDS) as held:
        if not held:
            log.info("delivery after a Stripe event left to the next run: another run kept the lock")
            return
        notifier = services.notifier()
        report = deliver(services.uow(), services.clock, notifier, failures=services.failures, backoff=services.backoff)
    log.info("delivery after a Stripe event: posted %d, updated %d, failed %d", report.posted, report.updated,
             report.failed)  # fmt: skip
