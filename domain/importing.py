"""Loading billing data from a JSON document: checked whole against the file and the database,
then applied in one transaction, never reverting what settlebot itself did."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.import_file import BillingData, parse_billing_data
from domain.import_rules import Kept, Plan, plan_import
from domain.ports import UnitOfWork

__all__ = ["BillingData", "ImportReport", "Kept", "import_billing_data", "parse_billing_data"]


@dataclass(frozen=True, slots=True)
class ImportReport:
    accounts: int
    cards: int
    subscriptions: int
    invoices: int
    kept: tuple[Kept, ...] = ()  # what the file would have changed, left as settlebot has it


def import_billing_data(uow: UnitOfWork, doc: Any) -> ImportReport:
    """Validate, then upsert everything in one transaction (re-importing changes nothing).

    Raises ImportRefused, with the path of the first problem, and writes nothing, when the file
    is malformed, refers to what neither it nor the database holds, or contradicts the database
    (``domain.import_rules``).
    """
    data = parse_billing_data(doc)
    with uow:
        plan = plan_import(uow, data)
        _write(uow, plan)
        uow.commit()
    counts = len(data.accounts), len(data.cards), len(data.subscriptions), len(data.invoices)
    return ImportReport(*counts, kept=tuple(plan.kept))


def _write(uow: UnitOfWork, plan: Plan) -> None:
    for account in plan.accounts:
        uow.accounts.save(account)
        uow.accounts.replace_admins(account.id, plan.admins[account.id])
    for card in plan.cards:
        uow.cards.save(card)
    for sub in plan.subscriptions:
        uow.subscriptions.save(sub)
    for invoice in plan.invoices:
        uow.invoices.save(invoice)
