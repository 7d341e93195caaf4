"""Plain-text and JSON output of the command line."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence

from domain.alerts import ScanReport
from domain.charges import InvoiceCharge
from domain.listing import ProductLine
from domain.model import Account
from domain.settlement import subscription_of_key
from handlers.i18n import translator
from payments.sandbox import LedgerEntry
from payments.stripe.gateway import line_key


def print_dry_run(report: ScanReport) -> None:
    tr = translator("en")
    print(f"dry run: {report.alerts} alerts and {report.reminders} reminders would be posted")
    for alert in report.shown_alerts:
        view = report.views[alert.id]
        card = view.card
        flag = " (EXPIRED)" if view.card_expired else ""
        card_text = f"{tr.card(card)} exp {tr.expiry(card)}{flag}" if card else "no card"
        print(f"  alert -> {alert.channel}: {view.product} ({view.account.name}) {tr.money(view.amount)} due, "
              f"{view.days_past_due} days past due, {card_text} [Settle balance]")  # fmt: skip
    for reminder in report.shown_reminders:
        view = report.views[reminder.alert_id]
        owner = f"<@{view.card.owner_slack_user_id}> " if view.card and view.card.owner_slack_user_id else ""
        print(f"  reminder (thread) -> {owner}{view.product}: {view.days_past_due} days past due")


def print_balances(rows: Sequence[tuple[Account, ProductLine]], *, as_json: bool) -> None:
    items = [
        {"subscription_id": line.subscription.id, "product": line.subscription.product,
         "account_id": account.id, "account": account.name,
         "amount": str(line.balance.amount.amount), "currency": line.balance.amount.currency,
         "days_past_due": line.days_past_due, "status": line.subscription.status.value}
        for account, line in rows
    ]  # fmt: skip
    if as_json:
        print(json.dumps(items, indent=2, ensure_ascii=False))
        return
    print(f"{'SUBSCRIPTION':<24} {'ACCOUNT':<16} {'AMOUNT':>12} CUR  DAYS  STATUS")
    for i in items:
        print(f"{i['subscription_id']:<24} {i['account_id']:<16} {i['amount']:>12} {i['currency']}  "
              f"{i['days_past_due']:>4}  {i['status']}")  # fmt: skip


def print_unreadable(unreadable: Mapping[str, str]) -> None:
    """One warning line per account left out of a listing (id and reason, never its values)."""
    for account_id, reason in unreadable.items():
        print(f"settlebot: warning: account {account_id} not listed, its records cannot be read: {reason}",
              file=sys.stderr)  # fmt: skip


def charge_rows(entries: Sequence[LedgerEntry]) -> list[dict[str, object]]:
    """The gateway's ledger as plain rows (``settlebot charges --json``)."""
    return [
        {"id": e.id, "idempotency_key": e.idempotency_key,
         "subscription_id": subscription_of_key(e.idempotency_key),
         "card_token": e.token, "amount": str(e.amount.amount), "currency": e.amount.currency,
         "outcome": e.status.value, "decline_code": e.decline_code, "created_at": e.created_at.isoformat()}
        for e in entries
    ]  # fmt: skip


def print_charges(entries: Sequence[LedgerEntry], *, as_json: bool) -> None:
    items = charge_rows(entries)
    if as_json:
        print(json.dumps(items, indent=2))
        return
    for i in items:
        print(f"{i['created_at']}  {i['id']}  {i['subscription_id']}  {i['amount']} {i['currency']}  "
              f"{i['outcome']}  {i['idempotency_key']}")  # fmt: skip
    print(f"{len(items)} charges")


def invoice_charge_rows(charges: Sequence[InvoiceCharge]) -> list[dict[str, object]]:
    """What settlebot paid through Stripe as plain rows (``settlebot charges --json`` with Stripe)."""
    rows = []
    for c in charges:
        a = c.attempt
        row: dict[str, object] = {
            "attempt_id": a.id, "created_at": a.created_at.isoformat(),
            "completed_at": a.completed_at.isoformat() if a.completed_at else None, "actor": a.actor,
            "account_id": a.account_id, "subscription_id": a.subscription_id, "invoice_id": c.invoice_id,
            "amount": str(c.amount.amount) if c.amount else None, "currency": a.amount.currency,
            "card_id": a.card_id, "card": c.card, "outcome": c.outcome, "decline_code": c.decline_code,
            "idempotency_key": line_key(a.idempotency_key, c.invoice_id),
        }  # fmt: skip
        if c.remote is not None:
            due = c.remote.amount_due
            row.update(stripe_status=c.remote.status, stripe_amount_due=str(due.amount) if due else None,
                       differs=c.remote.differs)  # fmt: skip
        rows.append(row)
    return rows


def print_invoice_charges(charges: Sequence[InvoiceCharge], *, as_json: bool) -> None:
    items = invoice_charge_rows(charges)
    if as_json:
        print(json.dumps(items, indent=2, ensure_ascii=False))
        return
    for i in items:
        checked = f"  stripe: {i['stripe_status']} {i['stripe_amount_due']}" if "stripe_status" in i else ""
        checked += "  DIFFERS" if i.get("differs") else ""
        outcome = f"{i['outcome']}/{i['decline_code']}" if i["decline_code"] else i["outcome"]
        print(f"{i['created_at']}  {i['invoice_id']}  {i['subscription_id']}  {i['amount']} {i['currency']}  "
              f"{i['card'] or i['card_id']}  {i['actor']}  {outcome}  {i['idempotency_key']}{checked}")  # fmt: skip
    differing = sum(1 for i in items if i.get("differs"))
    print(f"{len(items)} invoice payments by settlebot" + (f", {differing} differ from Stripe" if differing else ""))
