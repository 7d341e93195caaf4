"""In-memory fakes of every domain port, for unit tests (and the repository contract)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Self

from domain.alert_views import DIGEST_PREFIX
from domain.alerts import ReminderPolicy
from domain.errors import SettlementInProgress
from domain.model import Account, Admin, Card, Invoice, InvoiceStatus, Role, Subscription, SubscriptionStatus
from domain.records import Alert, Claim, Claimed, Outcome, PastDueRow, Payment, Reminder, SettlementAttempt


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

    def copy(self) -> _Tables:
        return _Tables(
            dict(self.accounts), {k: list(v) for k, v in self.admins.items()}, dict(self.cards),
            dict(self.subscriptions), dict(self.invoices), dict(self.attempts),
            list(self.payments), dict(self.alerts), dict(self.reminders),
        )  # fmt: skip


class _Repo:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    @property
    def t(self) -> _Tables:
        return self._uow.work


class FakeAccounts(_Repo):
    def get(self, account_id: str) -> Account | None:
        return self.t.accounts.get(account_id)

    def all(self) -> list[Account]:
        return sorted(self.t.accounts.values(), key=lambda a: a.id)

    def save(self, account: Account) -> None:
        self.t.accounts[account.id] = account

    def roles_of(self, slack_user_id: str) -> dict[str, Role]:
        return {
            a.account_id: a.role for admins in self.t.admins.values() for a in admins
            if a.slack_user_id == slack_user_id
        }  # fmt: skip

    def admins(self, account_id: str) -> list[Admin]:
        return list(self.t.admins.get(account_id, []))

    def replace_admins(self, account_id: str, admins: list[Admin]) -> None:
        self.t.admins[account_id] = list(admins)


class FakeCards(_Repo):
    def get(self, card_id: str) -> Card | None:
        return self.t.cards.get(card_id)

    def for_account(self, account_id: str) -> list[Card]:
        return [c for c in self.t.cards.values() if c.account_id == account_id]

    def save(self, card: Card) -> None:
        self.t.cards[card.id] = card


class FakeSubscriptions(_Repo):
    def get(self, subscription_id: str, *, lock: bool = False) -> Subscription | None:
        return self.t.subscriptions.get(subscription_id)

    def for_accounts(self, account_ids: Iterable[str]) -> list[Subscription]:
        wanted = set(account_ids)
        return [s for s in self.t.subscriptions.values() if s.account_id in wanted]

    def save(self, subscription: Subscription) -> None:
        self.t.subscriptions[subscription.id] = subscription

    def set_status(self, subscription_ids: list[str], status: SubscriptionStatus) -> None:
        for sid in subscription_ids:
            self.t.subscriptions[sid] = replace(self.t.subscriptions[sid], status=status)


class FakeInvoices(_Repo):
    def get(self, invoice_id: str) -> Invoice | None:
        return self.t.invoices.get(invoice_id)

    def for_subscriptions(self, subscription_ids: Iterable[str]) -> dict[str, list[Invoice]]:
        wanted = set(subscription_ids)
        out: dict[str, list[Invoice]] = {}
        for inv in sorted(self.t.invoices.values(), key=lambda i: i.id):
            if inv.subscription_id in wanted:
                out.setdefault(inv.subscription_id, []).append(inv)
        return out

    def save(self, invoice: Invoice) -> None:
        self.t.invoices[invoice.id] = invoice


class FakeAttempts(_Repo):
    def get(self, attempt_id: str) -> SettlementAttempt | None:
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


class FakePayments(_Repo):
    def add(self, payment: Payment) -> None:
        self.t.payments.append(payment)

    def last_for(self, subscription_id: str) -> Payment | None:
        mine = [p for p in self.t.payments if p.subscription_id == subscription_id]
        return max(mine, key=lambda p: p.paid_at) if mine else None


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
             if a.subscription_id == subscription_id and not a.is_settled),
            None,
        )  # fmt: skip

    def get(self, alert_id: str) -> Alert | None:
        return self.t.alerts.get(alert_id)

    def add(self, alerts: Iterable[Alert]) -> None:
        for alert in alerts:
            if self.open_for(alert.subscription_id):
                raise RuntimeError("unique violation: one open alert per subscription")
            self.t.alerts[alert.id] = alert

    def save(self, alert: Alert) -> None:
        self.t.alerts[alert.id] = alert

    def claim(self, claim: Claim) -> Claimed:
        """As the SQL claim, row by row."""
        alerts, reminders = self._claim_alerts(claim), self._claim_reminders(claim)
        digests = Counter(a.channel for a in alerts if a.ts == DIGEST_PREFIX)
        return Claimed(len(alerts), len(reminders), dict(digests))

    def claimed(self, claim: Claim) -> tuple[list[Alert], list[Reminder]]:
        alerts = [a for a in self.t.alerts.values() if a.id.startswith(f"{claim.id_prefix}-a")]
        reminders = [r for r in self.t.reminders.values() if r.id.startswith(f"{claim.id_prefix}-r")]
        return sorted(alerts, key=lambda a: a.id), sorted(reminders, key=lambda r: r.id)

    def _claim_alerts(self, claim: Claim) -> list[Alert]:
        fresh = [(row, _stage(claim, row)) for row in self.past_due(claim.today) if row.alert is None]
        channels = Counter(row.channel or claim.default_channel for row, _ in fresh)
        made = []
        for n, (row, stage) in enumerate(fresh, start=1):
            channel = row.channel or claim.default_channel
            ts = DIGEST_PREFIX if channels[channel] > claim.digest_threshold else None
            made.append(Alert(f"{claim.id_prefix}-a{ID_BASE + n}", row.subscription_id, row.episode,
                              channel, claim.now, stage, ts=ts))  # fmt: skip
        self.add(made)
        self.t.subscriptions.update(
            (a.subscription_id, replace(self.t.subscriptions[a.subscription_id], status=SubscriptionStatus.PAST_DUE))
            for a in made
        )  # fmt: skip
        return made

    def _claim_reminders(self, claim: Claim) -> list[Reminder]:
        made = []
        for row in self.past_due(claim.today):
            stage = _stage(claim, row)
            if row.alert is not None and stage > row.alert.stage:
                made.append(Reminder(f"{claim.id_prefix}-r{ID_BASE + len(made) + 1}", row.alert.id, stage, claim.now))
                self.t.alerts[row.alert.id] = replace(row.alert, stage=stage, version=row.alert.version + 1)
        self.add_reminders(made)
        return made

    def awaiting_digest(self, channel: str) -> list[Alert]:
        waiting = [a for a in self.t.alerts.values()
                   if a.channel == channel and a.ts == DIGEST_PREFIX and not a.is_settled]  # fmt: skip
        return sorted(waiting, key=lambda a: (a.created_at, a.id))

    def mark_posted(self, alert_ids: Iterable[str], ts: str) -> None:
        for alert_id in alert_ids:
            alert = self.t.alerts[alert_id]
            self.t.alerts[alert_id] = replace(alert, ts=ts, delivered_version=alert.version)

    def add_reminders(self, reminders: Iterable[Reminder]) -> None:
        for r in reminders:
            if any(x.alert_id == r.alert_id and x.stage == r.stage for x in self.t.reminders.values()):
                raise RuntimeError("unique violation: one reminder per stage")
            self.t.reminders[r.id] = r

    def save_reminder(self, reminder: Reminder) -> None:
        self.t.reminders[reminder.id] = reminder

    def undelivered(self, limit: int) -> list[Alert]:
        pending = [a for a in self.t.alerts.values() if a.needs_delivery]
        return sorted(pending, key=lambda a: (a.created_at, a.id))[:limit]

    def undelivered_reminders(self, limit: int) -> list[Reminder]:
        pending = [r for r in self.t.reminders.values() if r.ts is None]
        return sorted(pending, key=lambda r: (r.created_at, r.id))[:limit]


ID_BASE = 10**9  # as storage.repositories.claims


def _stage(claim: Claim, row: PastDueRow) -> int:
    return ReminderPolicy(claim.stage_days, claim.every).stage_for((claim.today - row.oldest_overdue).days)


class FakeUnitOfWork:
    """Each ``with`` block works on a copy; ``commit()`` publishes it, leaving discards it."""

    def __init__(self) -> None:
        self.committed = _Tables()
        self.work = self.committed
        self.commits = 0
        self.accounts = FakeAccounts(self)
        self.cards = FakeCards(self)
        self.subscriptions = FakeSubscriptions(self)
        self.invoices = FakeInvoices(self)
        self.attempts = FakeAttempts(self)
        self.payments = FakePayments(self)
        self.alerts = FakeAlerts(self)

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
