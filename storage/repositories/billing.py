"""Billing data: accounts and their admins, cards, subscriptions, invoices."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, insert, select, update

from domain.model import Account, Admin, Card, Invoice, Role, Subscription, SubscriptionStatus
from domain.records import CardEvent
from domain.tenancy import Tenant
from storage.models import AccountRow, AdminRow, CardEventRow, CardRow, InvoiceRow, SubscriptionRow
from storage.repositories import mapping
from storage.repositories.base import SqlRepository, batches, table_of
from storage.repositories.tenancy import of_tenant


class SqlAccounts(SqlRepository):
    def get(self, account_id: str) -> Account | None:
        row = self._get(AccountRow, account_id)
        return None if row is None else mapping.account(row)

    def get_many(self, account_ids: Iterable[str]) -> dict[str, Account]:
        return {row.id: mapping.account(row) for row in self._by_ids(AccountRow, account_ids)}

    def ids(self) -> list[str]:
        return list(self.session.scalars(select(AccountRow.id).order_by(AccountRow.id)))

    def all(self) -> list[Account]:
        return [mapping.account(row) for row in self._all(select(AccountRow).order_by(AccountRow.id))]

    def save(self, account: Account) -> None:
        self._upsert(AccountRow, mapping.account_values(account))

    def roles_of(self, slack_user_id: str, tenant: Tenant) -> dict[str, Role]:
        stmt = (
            select(AdminRow).join(AccountRow, AccountRow.id == AdminRow.account_id)
            .where(AdminRow.slack_user_id == slack_user_id, of_tenant(tenant))
        )  # fmt: skip
        return {row.account_id: Role(row.role) for row in self._all(stmt)}

    def admins(self, account_id: str) -> list[Admin]:
        stmt = (
            select(AdminRow).where(AdminRow.account_id == account_id)
            .order_by(AdminRow.slack_user_id)
        )  # fmt: skip
        return [mapping.admin(row) for row in self._all(stmt)]

    def replace_admins(self, account_id: str, admins: list[Admin]) -> None:
        """Set the account's admins; a user listed twice keeps the last role given."""
        if any(a.account_id != account_id for a in admins):
            raise ValueError("every admin must belong to the account being replaced")
        self.session.execute(
            delete(AdminRow).where(AdminRow.account_id == account_id),
            execution_options={"synchronize_session": False},
        )
        unique = {a.slack_user_id: a for a in admins}
        if unique:
            self.session.execute(insert(AdminRow), [mapping.admin_values(a) for a in unique.values()])


class SqlCards(SqlRepository):
    def get(self, card_id: str) -> Card | None:
        row = self._get(CardRow, card_id)
        return None if row is None else mapping.card(row)

    def get_many(self, card_ids: Iterable[str]) -> dict[str, Card]:
        return {row.id: mapping.card(row) for row in self._by_ids(CardRow, card_ids)}

    def for_account(self, account_id: str) -> list[Card]:
        stmt = select(CardRow).where(CardRow.account_id == account_id).order_by(CardRow.id)
        return [mapping.card(row) for row in self._all(stmt)]

    def for_accounts(self, account_ids: Iterable[str]) -> list[Card]:
        found: list[Card] = []
        for batch in batches(set(account_ids)):
            found.extend(mapping.card(row) for row in self._all(select(CardRow).where(CardRow.account_id.in_(batch))))
        return sorted(found, key=lambda c: c.id)

    def save(self, card: Card) -> None:
        self._upsert(CardRow, mapping.card_values(card))

    def add_event(self, event: CardEvent) -> None:
        self.session.execute(insert(CardEventRow), [mapping.card_event_values(event)])

    def events(self, card_id: str) -> list[CardEvent]:
        stmt = (
            select(CardEventRow).where(CardEventRow.card_id == card_id)
            .order_by(CardEventRow.day, CardEventRow.id)
        )  # fmt: skip
        return [mapping.card_event(row) for row in self._all(stmt)]

    def remove(self, card_id: str) -> None:
        stmt = delete(CardRow).where(CardRow.id == card_id)
        self.session.execute(stmt, execution_options={"synchronize_session": False})


class SqlSubscriptions(SqlRepository):
    def get(self, subscription_id: str, *, lock: bool = False) -> Subscription | None:
        """With ``lock``, ``SELECT ... FOR UPDATE`` on PostgreSQL (SQLite's BEGIN IMMEDIATE
        already holds the database's one write lock)."""
        row = self._get(SubscriptionRow, subscription_id, lock=lock)
        return None if row is None else mapping.subscription(row)

    def get_many(self, subscription_ids: Iterable[str]) -> dict[str, Subscription]:
        return {row.id: mapping.subscription(row) for row in self._by_ids(SubscriptionRow, subscription_ids)}

    def for_accounts(self, account_ids: Iterable[str]) -> list[Subscription]:
        found: list[Subscription] = []
        for batch in batches(set(account_ids)):
            stmt = select(SubscriptionRow).where(SubscriptionRow.account_id.in_(batch))
            found.extend(mapping.subscription(row) for row in self._all(stmt))
        return sorted(found, key=lambda s: s.id)

    def save(self, subscription: Subscription) -> None:
        self._upsert(SubscriptionRow, mapping.subscription_values(subscription))

    def set_status(self, subscription_ids: list[str], status: SubscriptionStatus) -> None:
        """Rows already in ``status`` are not written (no new row version, no WAL)."""
        for batch in batches(subscription_ids):
            self.session.execute(
                update(SubscriptionRow)
                .where(SubscriptionRow.id.in_(batch), SubscriptionRow.status != status.value)
                .values(status=status.value),
                execution_options={"synchronize_session": False},
            )  # fmt: skip


class SqlInvoices(SqlRepository):
    def get(self, invoice_id: str) -> Invoice | None:
        row = self._get(InvoiceRow, invoice_id)
        return None if row is None else mapping.invoice(row)

    def for_subscriptions(self, subscription_ids: Iterable[str]) -> dict[str, list[Invoice]]:
        """Each subscription's invoices (paid ones too), by invoice id."""
        found: dict[str, list[Invoice]] = {}
        for batch in batches(set(subscription_ids)):
            invoices = table_of(InvoiceRow)
            stmt = select(invoices).where(invoices.c.subscription_id.in_(batch)).order_by(invoices.c.id)
            for row in self._rows(stmt):
                found.setdefault(row.subscription_id, []).append(mapping.invoice(row))
        return found

    def save(self, invoice: Invoice) -> None:
        self._upsert(InvoiceRow, mapping.invoice_values(invoice))

    def remove_open(self, subscription_ids: Iterable[str]) -> None:
        for batch in batches(set(subscription_ids)):
            self.session.execute(
                delete(InvoiceRow).where(InvoiceRow.subscription_id.in_(batch), InvoiceRow.status == "open"),
                execution_options={"synchronize_session": False},
            )
