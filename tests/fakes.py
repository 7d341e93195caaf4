"""In-memory fakes of every domain port, for unit tests (and the repository contract)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Self, TypeVar

from domain.alert_views import DIGEST_PREFIX
from domain.alerts import ReminderPolicy
from domain.billing import Link
from domain.errors import BadRecord, SettlementInProgress
from domain.model import Account, Admin, Card, Invoice, InvoiceStatus, Role, Subscription, SubscriptionStatus
from domain.records import (
    Alert,
    CardEvent,
    Claim,
    Claimed,
    Outcome,
    PastDueRow,
    Payment,
    Reminder,
    SettlementAttempt,
)
from domain.tenancy import Tenant

T = TypeVar("T")


@dataclass
class _Tables:
    accounts: dict[str, Account] = field(default_factory=dict)
    admins: dict[str, list[Admin]] = field(default_factory=dict)
    cards: dict[str, Card] = field(default_factory=dict)
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    invoices: dict[str, Invoice] = field(default_factory=dict)
    attempts: dict[str, SettlementAttempt] = field(default_factory=dict)
    payments: list[Payment] = field(default_factory=list)
    alerts: dict[str, Alert] = field(default_factory=dict)
    reminders: dict[str, Reminder] = field(default_factory=dict)
    scans: dict[str, _Scan] = field(default_factory=dict)  # untaken scans, by id
    claims: dict[str, _Claim] = field(default_factory=dict)
    card_events: list[CardEvent] = field(default_factory=list)
    card_links: dict[str, tuple[dt.datetime, dt.datetime | None]] = field(default_factory=dict)  # expires, used
    links: dict[str, Link] = field(default_factory=dict)
    sync: dict[str, object] = field(default_factory=dict)  # cursor, synced_at, full_at
    events: dict[str, dt.datetime | None] = field(default_factory=dict)  # event id -> handled at

    def copy(self) -> _Tables:
        return _Tables(
            dict(self.accounts), {k: list(v) for k, v in self.admins.items()}, dict(self.cards),
            dict(self.subscriptions), dict(self.invoices), dict(self.attempts),
            list(self.payments), dict(self.alerts), dict(self.reminders), dict(self.scans), dict(self.claims),
            list(self.card_events),
            dict(self.card_links),
            dict(self.links), dict(self.sync), dict(self.events),
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Scan:
    """As a row of ``alert_scans``."""

    id: str
    at: dt.datetime
    default_channel: str
    digest_threshold: int


@dataclass(frozen=True, slots=True)
class _Claim:
    """As a row of ``alert_claims``."""

    id: str
    scan_id: str
    subscription_id: str
    episode: str
    stage: int
    alert_id: str | None
    created_at: dt.datetime


class _Repo:
    table = ""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    @property
    def t(self) -> _Tables:
        return self._uow.work

    def _read(self, record: T) -> T:
        """As a SQL row that fails to map: BadRecord for the ids made unreadable."""
        record_id = getattr(record, "id", None)
        if record_id in self._uow.unreadable:
            raise BadRecord(self.table, record_id, "ValueError")
        return record


class FakeAccounts(_Repo):
    table = "accounts"

    def get(self, account_id: str) -> Account | None:
        return self._read(self.t.accounts.get(account_id))

    def get_many(self, account_ids: Iterable[str]) -> dict[str, Account]:
        wanted = set(account_ids)
        return {a.id: self._read(a) for a in self.t.accounts.values() if a.id in wanted}

    def ids(self) -> list[str]:
        return sorted(self.t.accounts)

    def all(self) -> list[Account]:
        return sorted((self._read(a) for a in self.t.accounts.values()), key=lambda a: a.id)

    def save(self, account: Account) -> None:
        self.t.accounts[account.id] = account

    def roles_of(self, slack_user_id: str, tenant: Tenant) -> dict[str, Role]:
        accounts = self.t.accounts
        return {
            a.account_id: a.role for admins in self.t.admins.values() for a in admins
            if a.slack_user_id == slack_user_id and a.account_id in accounts
            and tenant.owns(accounts[a.account_id].team_id, accounts[a.account_id].enterprise_id)
        }  # fmt: skip

    def admins(self, account_id: str) -> list[Admin]:
        return list(self.t.admins.get(account_id, []))

    def replace_admins(self, account_id: str, admins: list[Admin]) -> None:
        self.t.admins[account_id] = list(admins)


class FakeCards(_Repo):
    table = "cards"

    def get(self, card_id: str) -> Card | None:
        return self._read(self.t.cards.get(card_id))

    def get_many(self, card_ids: Iterable[str]) -> dict[str, Card]:
        return {i: self._read(self.t.cards[i]) for i in set(card_ids) if i in self.t.cards}

    def for_account(self, account_id: str) -> list[Card]:
        return [self._read(c) for c in self.t.cards.values() if c.account_id == account_id]

    def for_accounts(self, account_ids: Iterable[str]) -> list[Card]:
        wanted = set(account_ids)
        return sorted((self._read(c) for c in self.t.cards.values() if c.account_id in wanted), key=lambda c: c.id)

    def save(self, card: Card) -> None:
        self.t.cards[card.id] = card

    def add_event(self, event: CardEvent) -> None:
        if event.card_id not in self.t.cards:
            raise RuntimeError("foreign key violation: no such card")
        self.t.card_events.append(event)

    def events(self, card_id: str) -> list[CardEvent]:
        return sorted((e for e in self.t.card_events if e.card_id == card_id), key=lambda e: (e.day, e.id))

    def remove(self, card_id: str) -> None:
        if any(s.payment_method_id == card_id for s in self.t.subscriptions.values()):
            raise RuntimeError("foreign key violation: a subscription still names this card")
        self.t.cards.pop(card_id, None)


class FakeSubscriptions(_Repo):
    table = "subscriptions"

    def get(self, subscription_id: str, *, lock: bool = False) -> Subscription | None:
        return self._read(self.t.subscriptions.get(subscription_id))

    def get_many(self, subscription_ids: Iterable[str]) -> dict[str, Subscription]:
        return {i: self._read(self.t.subscriptions[i]) for i in set(subscription_ids) if i in self.t.subscriptions}

    def for_accounts(self, account_ids: Iterable[str]) -> list[Subscription]:
        wanted = set(account_ids)
        return [self._read(s) for s in self.t.subscriptions.values() if s.account_id in wanted]

    def save(self, subscription: Subscription) -> None:
        self.t.subscriptions[subscription.id] = subscription

    def set_status(self, subscription_ids: list[str], status: SubscriptionStatus) -> None:
        for sid in subscription_ids:
            self.t.subscriptions[sid] = replace(self.t.subscriptions[sid], status=status)


class FakeInvoices(_Repo):
    table = "invoices"

    def get(self, invoice_id: str) -> Invoice | None:
        return self._read(self.t.invoices.get(invoice_id))

    def for_subscriptions(self, subscription_ids: Iterable[str]) -> dict[str, list[Invoice]]:
        wanted = set(subscription_ids)
        out: dict[str, list[Invoice]] = {}
        for inv in sorted(self.t.invoices.values(), key=lambda i: i.id):
            if inv.subscription_id in wanted:
                out.setdefault(inv.subscription_id, []).append(self._read(inv))
        return out

    def save(self, invoice: Invoice) -> None:
        self.t.invoices[invoice.id] = invoice

    def remove_open(self, subscription_ids: Iterable[str]) -> None:
        wanted = set(subscription_ids)
        for invoice in list(self.t.invoices.values()):
            if invoice.subscription_id in wanted and invoice.status is InvoiceStatus.OPEN:
                del self.t.invoices[invoice.id]


class FakeAttempts(_Repo):
    def get(self, attempt_id: str, *, lock: bool = False) -> SettlementAttempt | None:
        return self.t.attempts.get(attempt_id)

    def add(self, attempt: SettlementAttempt) -> None:
        if attempt.outcome is Outcome.PENDING and self.pending_for(attempt.subscription_id):
            raise SettlementInProgress()  # as the SQL unique index does
        self.t.attempts[attempt.id] = attempt

    def save(self, attempt: SettlementAttempt) -> None:
        self.t.attempts[attempt.id] = attempt

    def pending_for(self, subscription_id: str) -> SettlementAttempt | None:
        return next(
            (a for a in self.t.attempts.values()
             if a.subscription_id == subscription_id and a.outcome is Outcome.PENDING),
            None,
        )  # fmt: skip

    def count_for_key_prefix(self, prefix: str) -> int:
        return sum(1 for a in self.t.attempts.values() if a.idempotency_key.startswith(prefix))

    def pending(self) -> list[SettlementAttempt]:
        return sorted(
            (a for a in self.t.attempts.values() if a.outcome is Outcome.PENDING),
            key=lambda a: a.created_at,
        )

    def for_subscription(self, subscription_id: str) -> list[SettlementAttempt]:
        return sorted(
            (a for a in self.t.attempts.values() if a.subscription_id == subscription_id),
            key=lambda a: a.created_at,
        )

    def all(self) -> list[SettlementAttempt]:
        return sorted(self.t.attempts.values(), key=lambda a: (a.created_at, a.id))


class FakePayments(_Repo):
    def add(self, payment: Payment) -> None:
        if any(p.attempt_id == payment.attempt_id for p in self.t.payments):
            raise RuntimeError("unique violation: one payment per attempt")  # as payments.attempt_id
        self.t.payments.append(payment)

    def last_for(self, subscription_id: str) -> Payment | None:
        mine = [p for p in self.t.payments if p.subscription_id == subscription_id]
        return max(mine, key=lambda p: p.paid_at) if mine else None


class FakeCardLinks(_Repo):
    def add(self, nonce: str, expires_at: dt.datetime) -> None:
        """(Links are created apart from any unit of work in the app; here, for tests.)"""
        self.t.card_links[nonce] = (expires_at, None)

    def spend(self, nonce: str, at: dt.datetime) -> bool:
        expires, used = self.t.card_links.get(nonce, (at, at))
        if used is not None or expires <= at:
            return False
        self.t.card_links[nonce] = (expires, at)
        return True


class FakeAlerts(_Repo):
    def past_due(self, today: dt.date) -> Iterator[PastDueRow]:
        for sub in sorted(self.t.subscriptions.values(), key=lambda s: s.id):
            overdue = sorted(
                (i for i in self.t.invoices.values()
                 if i.subscription_id == sub.id and i.status is InvoiceStatus.OPEN
                 and i.due_date < today),
                key=lambda i: (i.due_date, i.id),
            )  # fmt: skip
            if overdue:
                account = self.t.accounts.get(sub.account_id)
                yield PastDueRow(sub.id, sub.account_id, overdue[0].due_date, overdue[0].id,
                                 self.open_for(sub.id), account.channel if account else None)  # fmt: skip

    def open_for(self, subscription_id: str) -> Alert | None:
        return next(
            (a for a in self.t.alerts.values()
             if a.subscription_id == subscription_id and a.is_open),
            None,
        )  # fmt: skip

    def get(self, alert_id: str) -> Alert | None:
        return self.t.alerts.get(alert_id)

    def get_many(self, alert_ids: Iterable[str]) -> dict[str, Alert]:
        return {i: self.t.alerts[i] for i in set(alert_ids) if i in self.t.alerts}

    def add(self, alerts: Iterable[Alert]) -> None:
        for alert in alerts:
            if self.open_for(alert.subscription_id):
                raise RuntimeError("unique violation: one open alert per subscription")
            self.t.alerts[alert.id] = alert

    def save(self, alert: Alert) -> None:
        self.t.alerts[alert.id] = alert

    def claim(self, claim: Claim) -> Claimed:
        """As the SQL claim, row by row."""
        claiming = {c.subscription_id for c in self.t.claims.values() if c.alert_id is None}
        reminding: dict[str, int] = {}
        for c in self.t.claims.values():
            if c.alert_id is not None:
                reminding[c.alert_id] = max(c.stage, reminding.get(c.alert_id, 0))
        made = Claimed()
        for row in self.past_due(claim.today):
            stage, alert = _stage(claim, row), row.alert
            if alert is None and row.subscription_id not in claiming:
                made += Claimed(alerts=1)
            elif alert is not None and stage > max(alert.stage, reminding.get(alert.id, 0)):
                made += Claimed(reminders=1)
            else:
                continue
            kind = "a" if alert is None else "r"
            made_id = f"{claim.id_prefix}-{kind}-{row.subscription_id}"
            self.t.claims[made_id] = _Claim(made_id, claim.id_prefix, row.subscription_id, row.episode, stage,
                                            alert.id if alert else None, claim.now)  # fmt: skip
        self.t.scans[claim.id_prefix] = _Scan(claim.id_prefix, claim.now, claim.default_channel, claim.digest_threshold)
        return made

    def take_claims(self, now: dt.datetime) -> Claimed:
        made = Claimed()
        for scan in sorted(self.t.scans.values(), key=lambda s: (s.at, s.id)):
            claims = sorted((c for c in self.t.claims.values() if c.scan_id == scan.id), key=lambda c: c.id)
            made += self._take_alerts(scan, [c for c in claims if c.alert_id is None])
            made += self._take_reminders([c for c in claims if c.alert_id is not None])
            for c in claims:
                del self.t.claims[c.id]
            del self.t.scans[scan.id]
        return made

    def claimed(self, claim: Claim) -> tuple[list[Alert], list[Reminder]]:
        alerts = [a for a in self.t.alerts.values() if a.id.startswith(f"{claim.id_prefix}-a-")]
        reminders = [r for r in self.t.reminders.values() if r.id.startswith(f"{claim.id_prefix}-r-")]
        return sorted(alerts, key=lambda a: a.id), sorted(reminders, key=lambda r: r.id)

    def _take_alerts(self, scan: _Scan, claims: list[_Claim]) -> Claimed:
        fresh = []
        for c in claims:
            invoice = self.t.invoices.get(c.episode)
            if invoice is not None and invoice.status is InvoiceStatus.OPEN and not self.open_for(c.subscription_id):
                account = self.t.accounts.get(self.t.subscriptions[c.subscription_id].account_id)
                channel = (account.channel if account else None) or scan.default_channel
                fresh.append((c, channel, (account.team_id, account.enterprise_id) if account else (None, None)))
        lanes = Counter((channel, workspace) for _, channel, workspace in fresh)  # a channel id is a workspace's
        made = [
            Alert(c.id, c.subscription_id, c.episode, channel, c.created_at, c.stage,
                  ts=DIGEST_PREFIX if lanes[(channel, workspace)] > scan.digest_threshold else None)
            for c, channel, workspace in fresh
        ]  # fmt: skip
        self.add(made)
        self.t.subscriptions.update(
            (a.subscription_id, replace(self.t.subscriptions[a.subscription_id], status=SubscriptionStatus.PAST_DUE))
            for a in made
        )  # fmt: skip
        digests = Counter(a.channel for a in made if a.ts == DIGEST_PREFIX)
        return Claimed(len(made), 0, dict(digests))

    def _take_reminders(self, claims: list[_Claim]) -> Claimed:
        made = []
        for c in claims:
            alert = self.t.alerts.get(c.alert_id or "")
            if alert is not None and alert.is_open and c.stage > alert.stage:
                made.append(Reminder(c.id, alert.id, c.stage, c.created_at))
                self.t.alerts[alert.id] = replace(alert, stage=c.stage, version=alert.version + 1)
        self.add_reminders(made)
        return Claimed(reminders=len(made))

    def awaiting_digest(self, channel: str) -> list[Alert]:
        waiting = [a for a in self.t.alerts.values()
                   if a.channel == channel and a.ts == DIGEST_PREFIX and a.is_open]  # fmt: skip
        return sorted(waiting, key=lambda a: (a.created_at, a.id))

    def mark_posted(self, alert_ids: Iterable[str], ts: str) -> None:
        for alert_id in alert_ids:
            alert = self.t.alerts[alert_id]
            self.t.alerts[alert_id] = replace(alert, ts=ts, delivered_version=alert.version, failures=0, retry_at=None)

    def mark_delivered(self, delivered: Iterable[tuple[str, str, int]]) -> None:
        for alert_id, ts, version in delivered:
            if (alert := self.t.alerts.get(alert_id)) is not None:
                done = max(alert.delivered_version, version)
                self.t.alerts[alert_id] = replace(alert, ts=ts, delivered_version=done, failures=0, retry_at=None)

    def add_reminders(self, reminders: Iterable[Reminder]) -> None:
        for r in reminders:
            if any(x.alert_id == r.alert_id and x.stage == r.stage for x in self.t.reminders.values()):
                raise RuntimeError("unique violation: one reminder per stage")
            self.t.reminders[r.id] = r

    def save_reminder(self, reminder: Reminder) -> None:
        self.t.reminders[reminder.id] = reminder

    def undelivered(
        self, limit: int, due_at: dt.datetime | None = None, subscription_id: str | None = None
    ) -> list[Alert]:
        pending = [
            a for a in self.t.alerts.values()
            if a.needs_delivery and _due(a, due_at) and subscription_id in (None, a.subscription_id)
        ]  # fmt: skip
        return sorted(pending, key=_outbox_order)[:limit]

    def undelivered_reminders(self, limit: int, due_at: dt.datetime | None = None) -> list[Reminder]:
        threads = {a.id for a in self.t.alerts.values() if a.ts is not None and a.ts != DIGEST_PREFIX}
        pending = [r for r in self.t.reminders.values() if r.ts is None and r.alert_id in threads and _due(r, due_at)]
        return sorted(pending, key=_outbox_order)[:limit]

    def set_aside(self, alert_ids: Iterable[str], retry_at: dt.datetime) -> None:
        for alert_id in alert_ids:
            alert = self.t.alerts[alert_id]
            self.t.alerts[alert_id] = replace(alert, failures=alert.failures + 1, retry_at=retry_at)

    def set_aside_reminders(self, reminder_ids: Iterable[str], retry_at: dt.datetime) -> None:
        for reminder_id in reminder_ids:
            reminder = self.t.reminders[reminder_id]
            self.t.reminders[reminder_id] = replace(reminder, failures=reminder.failures + 1, retry_at=retry_at)

    def due_again(self, at: dt.datetime) -> None:
        for table in (self.t.alerts, self.t.reminders):
            for record_id, record in table.items():
                if record.retry_at is not None and record.retry_at > at:
                    table[record_id] = replace(record, retry_at=at)  # type: ignore[assignment]


def _due(record: Alert | Reminder, at: dt.datetime | None) -> bool:
    return at is None or record.retry_at is None or record.retry_at <= at


def _outbox_order(record: Alert | Reminder) -> tuple[object, ...]:
    """Never set aside first, oldest first; then set aside, by when each is due again."""
    return (record.retry_at is not None, record.retry_at or record.created_at, record.created_at, record.id)


class FakeLinks(_Repo):
    def all(self) -> dict[str, Link]:
        return dict(self.t.links)

    def get(self, account_id: str) -> Link | None:
        return self.t.links.get(account_id)

    def save(self, link: Link) -> None:
        if link.account_id not in self.t.accounts:
            raise RuntimeError("foreign key violation: no such account")
        self.t.links[link.account_id] = link

    def remove(self, account_id: str) -> None:
        self.t.links.pop(account_id, None)

    def cursor(self) -> str | None:
        cursor = self.t.sync.get("cursor")
        return cursor if isinstance(cursor, str) else None

    def set_cursor(self, cursor: str | None, at: dt.datetime, *, full: bool = False) -> None:
        self.t.sync.update(cursor=cursor, synced_at=at, **({"full_at": at} if full else {}))

    def record_events(self, events: Sequence[tuple[str, str]], at: dt.datetime) -> set[str]:
        new = {event_id for event_id, _ in events if event_id not in self.t.events}
        self.t.events.update(dict.fromkeys(new))
        return new

    def claim_event(self, event_id: str, type_: str, at: dt.datetime) -> bool:
        if self.t.events.get(event_id) is not None:
            return False
        self.t.events[event_id] = at
        return True


def _stage(claim: Claim, row: PastDueRow) -> int:
    return ReminderPolicy(claim.stage_days, claim.every).stage_for((claim.today - row.oldest_overdue).days)


class FakeInstallation:
    def __init__(self, installation_id: str) -> None:
        self._id = installation_id

    def id(self) -> str:
        return self._id


class FakeUnitOfWork:
    """Each ``with`` block works on a copy; ``commit()`` publishes it, leaving discards it."""

    def __init__(self, installation_id: str = "0f1e2d3c4b5a69788796a5b4c3d2e1f0") -> None:
        self.committed = _Tables()
        self.work = self.committed
        self.commits = 0
        self.unreadable: set[str] = set()  # ids of records whose rows fail to map (BadRecord)
        self.accounts = FakeAccounts(self)
        self.cards = FakeCards(self)
        self.subscriptions = FakeSubscriptions(self)
        self.invoices = FakeInvoices(self)
        self.attempts = FakeAttempts(self)
        self.payments = FakePayments(self)
        self.alerts = FakeAlerts(self)
        self.card_links = FakeCardLinks(self)
        self.installation = FakeInstallation(installation_id)
        self.links = FakeLinks(self)

    def __enter__(self) -> Self:
        self.work = self.committed.copy()
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        self.committed = self.work
        self.work = self.committed.copy()
        self.commits += 1

    def rollback(self) -> None:
        self.work = self.committed.copy()


class FakeClock:
    """A settable clock; ``today`` is the date at ``now`` in UTC unless a zone is given."""

    def __init__(self, now: dt.datetime, tz: dt.tzinfo = dt.UTC) -> None:
        self.current = now
        self.tz = tz

    def now(self) -> dt.datetime:
        return self.current

    def today(self) -> dt.date:
        return self.current.astimezone(self.tz).date()

    def advance(self, **kwargs: float) -> None:
        self.current += dt.timedelta(**kwargs)
