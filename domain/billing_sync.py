"""Use cases over the billing system of record: link and unlink customers, and sync (full, then
incremental through the changes since the last one seen). An incremental sync opens, updates and
closes alerts from the events it reads as the webhooks do (``domain.billing_events``); what a sync
reads whole is alerted by the past-due scan (``domain.alerts.scan``), as imported data is.

Every read of the billing system happens before the transaction that writes what it read, so
no database lock is held while waiting on Stripe. A full sync writes while it reads: each part of
the customers read whole is written (and marked synced) in a transaction of its own as it arrives,
and the cursor last, so a sync that fails midway leaves whole customers and the old cursor.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from domain.billing import (
    BillingReader,
    Changes,
    CursorExpired,
    Link,
    LinkedVia,
    RemoteCustomer,
    RemoteInvoice,
    Snapshot,
)
from domain.billing_events import act_on_changes
from domain.billing_mirror import (
    CHANNEL,
    LOCALES,
    account_for,
    apply_card,
    apply_invoice,
    apply_subscription,
    card_id_for,
    remove_card,
)
from domain.card_owners import People, snapshot_owners, with_owners
from domain.errors import InvalidInput, NotFound
from domain.model import Account, InvoiceStatus
from domain.ports import Clock, UnitOfWork
from domain.tenancy import ENTERPRISE, TEAM

log = logging.getLogger(__name__)


@dataclass
class SyncReport:
    mode: str  # "full" or "incremental"
    customers: int = 0  # customers served after the sync
    changes: int = 0  # changes read (incremental)
    applied: int = 0  # objects written
    read_whole: int = 0  # customers whose billing was read whole
    first_read: int = 0  # of them, read for the first time (a first install, a customer linked since)
    alerts: int = 0  # alerts opened, updated or closed (the outbox posts them)


def link_customer(
    uow: UnitOfWork, reader: BillingReader, clock: Clock, customer_id: str, channel: str, locale: str = "en",
    *, team_id: str | None = None, enterprise_id: str | None = None,
) -> Account:  # fmt: skip
    """Serve a customer: its alerts go to ``channel`` in ``locale``, in the Slack workspace
    ``team_id`` (or the Enterprise Grid org ``enterprise_id``; neither: the account keeps its
    workspace, none for a new one: the one-token mode's); the next sync reads it whole.

    Raises:
        InvalidInput: a malformed channel, team or enterprise id, or an unknown locale.
        NotFound: the billing system has no such customer.
    """
    if not CHANNEL.fullmatch(channel):
        raise InvalidInput("invalid_channel", field="channel", value=channel)
    if locale not in LOCALES:
        raise InvalidInput("invalid_locale", field="locale", value=locale)
    workspace = checked_workspace(team_id, enterprise_id)
    customer = reader.customer(customer_id)
    if customer is None:
        raise NotFound("no_such_customer", customer=customer_id)
    with uow:
        account = account_for(customer, uow.accounts.get(customer.id), channel, locale, workspace)
        uow.accounts.save(account)
        existing = uow.links.get(customer.id)
        linked_at = existing.linked_at if existing else clock.now()
        uow.links.save(Link(customer.id, LinkedVia.COMMAND, linked_at, existing.synced_at if existing else None))
        uow.commit()
    return account


def checked_workspace(team_id: str | None, enterprise_id: str | None) -> tuple[str | None, str | None] | None:
    """(team_id, enterprise_id) when either is given (each well-formed), else None."""
    if team_id is not None and not TEAM.fullmatch(team_id):
        raise InvalidInput("invalid_team", field="team", value=team_id)
    if enterprise_id is not None and not ENTERPRISE.fullmatch(enterprise_id):
        raise InvalidInput("invalid_enterprise", field="enterprise", value=enterprise_id)
    return None if team_id is None and enterprise_id is None else (team_id, enterprise_id)


def unlink_customer(uow: UnitOfWork, customer_id: str) -> None:
    """Stop serving a customer. Its history stays; its open invoices (Stripe's, copied) are dropped,
    so no alert is raised for them any more. A customer linked by metadata is linked again by the
    next sync unless its metadata ``settlebot_channel`` goes too.

    Raises:
        NotFound: the customer is not linked.
    """
    with uow:
        if uow.links.get(customer_id) is None:
            raise NotFound("not_linked", customer=customer_id)
        _unlink_in(uow, customer_id)
        uow.commit()


@dataclass(frozen=True)
class _Run:
    """What one sync works with."""

    reader: BillingReader
    clock: Clock
    people: People | None
    channel: str  # for an alert whose account names none


def sync(
    uow: UnitOfWork, reader: BillingReader, clock: Clock, *, full: bool = False, people: People | None = None,
    default_channel: str = "",
) -> SyncReport:  # fmt: skip
    """Bring the linked customers' copy up to date: everything the first time (or with ``full``),
    then only the changes since the last one seen, and their alerts with it. Raises
    BillingUnavailable, writing nothing. ``people``: finds a card's owner by its billing email
    (``domain.card_owners``); ``default_channel``: for an alert whose account names none."""
    run = _Run(reader, clock, people, default_channel)
    with uow:
        cursor, links = uow.links.cursor(), uow.links.all()
    if not full and cursor is not None:
        try:
            changes = reader.changes_since(cursor)
            changes = Changes(with_owners(uow, changes.items, people), changes.cursor, changes.events)
            return _incremental(uow, run, changes, links)
        except CursorExpired:
            log.warning("sync: the changes since %s are no longer kept; reading everything", cursor)
    return _full(uow, run, links)


def _full(uow: UnitOfWork, run: _Run, links: dict[str, Link]) -> SyncReport:
    reader, clock = run.reader, run.clock
    cursor = reader.latest_cursor()  # first: what changes while reading is replayed next time
    now, customers, still_open = clock.now(), dict[str, RemoteCustomer](), set[str]()
    report = SyncReport("full")
    for batch in reader.read_all(lambda c: _link_after(links.get(c.id), c, now) is not None):
        customers.update((c.id, c) for c in batch.listed)
        if batch.done:
            snapshot = snapshot_owners(uow, batch.snapshot, run.people)
            done = {cid: customers[cid] for cid in batch.done}
            served = {cid: link for cid, c in done.items() if (link := _link_after(links.get(cid), c, now))}
            report.applied += _write_whole(uow, clock, links, served, done, snapshot)
            still_open.update(i.id for i in snapshot.invoices)
    served = _links_after(links, customers.values(), now)
    missing = sorted(set(served) - set(customers))
    if missing:
        log.warning("sync: %d linked customers no longer exist in Stripe (%s...)", len(missing), missing[0])
    ids = sorted(set(served) & set(customers))
    closed = _read_again(uow, reader, ids, still_open)
    with uow:
        _unlink_gone(uow, links, served)
        report.applied += sum(apply_invoice(uow, invoice) for invoice in closed)
        uow.links.set_cursor(cursor, clock.now(), full=True)
        uow.commit()
    report.customers = report.read_whole = len(ids)
    report.first_read = sum(1 for cid in ids if served[cid].synced_at is None)
    return report


def _write_whole(
    uow: UnitOfWork, clock: Clock, before: dict[str, Link], served: dict[str, Link],
    customers: dict[str, RemoteCustomer], snapshot: Snapshot,
) -> int:  # fmt: skip
    """Customers read whole, in one transaction: their links and accounts, their billing, synced."""
    with uow:
        _save_links(uow, before, served, customers)
        applied = _apply_snapshot(uow, snapshot, set(customers), whole=True)
        _mark_synced(uow, clock, customers)
        uow.commit()
    return applied


def _incremental(uow: UnitOfWork, run: _Run, changes: Changes, links: dict[str, Link]) -> SyncReport:
    clock = run.clock
    customers = {c.id: c for c in changes.items if isinstance(c, RemoteCustomer)}
    served = _links_after(links, customers.values(), clock.now())
    fresh = sorted(cid for cid, link in served.items() if link.synced_at is None)
    snapshot = snapshot_owners(uow, run.reader.snapshot(fresh), run.people) if fresh else Snapshot()
    report = SyncReport("incremental", customers=len(served), changes=len(changes.items), read_whole=len(fresh),
                        first_read=len(fresh))  # fmt: skip
    with uow:
        _apply_links(uow, links, served, customers)
        report.applied, report.alerts = act_on_changes(uow, changes.each(), set(served), clock.now(), run.channel)
        report.applied += _apply_snapshot(uow, snapshot, set(fresh), whole=True)  # newer than the changes
        _mark_synced(uow, clock, fresh)
        uow.links.set_cursor(changes.cursor, clock.now())
        uow.commit()
    return report


def _links_after(links: dict[str, Link], customers: Iterable[RemoteCustomer], now: dt.datetime) -> dict[str, Link]:
    """The links once these customers' metadata is read: a command's link stays; a metadata link
    follows ``settlebot_channel`` (made when it appears, dropped when it goes)."""
    served = dict(links)
    for customer in customers:
        link = _link_after(served.get(customer.id), customer, now)
        if link is not None:
            served[customer.id] = link
        else:
            served.pop(customer.id, None)
    return served


def _link_after(link: Link | None, customer: RemoteCustomer, now: dt.datetime) -> Link | None:
    """A customer's link once its metadata is read (None: not served)."""
    if link is not None and link.via is LinkedVia.COMMAND:
        return link
    if customer.channel and CHANNEL.fullmatch(customer.channel):
        return link or Link(customer.id, LinkedVia.METADATA, now, None)
    return None


def _apply_links(
    uow: UnitOfWork, before: dict[str, Link], served: dict[str, Link],
    customers: dict[str, RemoteCustomer],
) -> None:  # fmt: skip
    _unlink_gone(uow, before, served)
    _save_links(uow, before, served, customers)


def _unlink_gone(uow: UnitOfWork, before: dict[str, Link], served: dict[str, Link]) -> None:
    for gone in set(before) - set(served):
        log.info("sync: %s no longer has metadata settlebot_channel; unlinked", gone)
        _unlink_in(uow, gone)


def _save_links(
    uow: UnitOfWork, before: dict[str, Link], served: dict[str, Link], customers: dict[str, RemoteCustomer]
) -> None:  # fmt: skip
    for cid, link in served.items():
        customer = customers.get(cid)
        if customer is None:
            continue
        existing = uow.accounts.get(cid)
        if link.via is LinkedVia.METADATA:
            locale = customer.locale if customer.locale in LOCALES else "en"
            uow.accounts.save(account_for(customer, existing, customer.channel, locale))
        elif existing is not None:
            uow.accounts.save(account_for(customer, existing, existing.channel, existing.locale))
        if cid not in before:
            uow.links.save(link)


def _unlink_in(uow: UnitOfWork, customer_id: str) -> None:
    uow.links.remove(customer_id)
    uow.invoices.remove_open(s.id for s in uow.subscriptions.for_accounts([customer_id]))


def _apply_snapshot(uow: UnitOfWork, snapshot: Snapshot, customers: set[str], *, whole: bool) -> int:
    """Cards, then subscriptions, then invoices (each needs the one before). With ``whole``, the
    snapshot is all these customers have: any other card of theirs is gone."""
    applied = sum(apply_card(uow, card, customers) for card in snapshot.cards)
    if whole:
        kept = {card_id_for(card.id) for card in snapshot.cards}
        for cid in customers:
            applied += sum(remove_card(uow, c.id) for c in uow.cards.for_account(cid) if c.id not in kept)
    applied += sum(apply_subscription(uow, s) for s in snapshot.subscriptions if s.customer in customers)
    return applied + sum(apply_invoice(uow, i) for i in snapshot.invoices if i.customer in customers)


def _read_again(
    uow: UnitOfWork, reader: BillingReader, customers: Sequence[str], still_open: set[str]
) -> list[RemoteInvoice]:  # fmt: skip
    """The invoices open here that Stripe no longer lists as open, as Stripe holds them now."""
    with uow:
        subscriptions = uow.subscriptions.for_accounts(customers)
        kept = uow.invoices.for_subscriptions(s.id for s in subscriptions)
    stale = sorted(i.id for invoices in kept.values() for i in invoices
                   if i.status is InvoiceStatus.OPEN and i.id not in still_open)  # fmt: skip
    return [found for invoice_id in stale if (found := reader.invoice(invoice_id)) is not None]


def _mark_synced(uow: UnitOfWork, clock: Clock, customers: Iterable[str]) -> None:
    now = clock.now()
    for cid in customers:
        link = uow.links.get(cid)
        if link is not None:
            uow.links.save(Link(cid, link.via, link.linked_at, now))
