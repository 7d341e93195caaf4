"""The work after a Stripe webhook's 2xx: read the event's object again, update settlebot's copy and
the subscription's alert, and deliver a changed alert at once (through the outbox, as the scheduler
would, under the same delivery lock)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from domain.alerts import deliver
from domain.billing import BillingUnavailable, EventRef
from domain.billing_sync import Handled, handle_event
from handlers.notifier import SlackNotifier
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


def deliver_now(deps: Deps) -> None:
    """Post or update what the outbox holds now, holding the delivery lock (never beside another run)."""
    services = deps.services
    if services.installation.gone() is not None or services.delivery_lock is None:
        return  # uninstalled: the outbox waits for the scheduler after a start-up clears it
    with services.delivery_lock.hold(DELIVERY_WAIT_SECONDS) as held:
        if not held:
            log.info("delivery after a Stripe event left to the next run: another run kept the lock")
            return
        notifier = SlackNotifier(deps.client, sandbox=services.sandbox)
        report = deliver(services.uow(), services.clock, notifier, failures=services.failures)
    log.info("delivery after a Stripe event: posted %d, updated %d, failed %d", report.posted, report.updated,
             report.failed)  # fmt: skip
