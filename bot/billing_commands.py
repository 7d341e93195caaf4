"""The command line's billing subcommands: link, unlink, admins, sync."""

from __future__ import annotations

import argparse

from bot.bootstrap import Services, build_services
from bot.printing import print_invoice_charges
from bot.settings import Settings
from domain.admins import add_admin, list_admins, remove_admin
from domain.billing import BillingReader, BillingUnavailable
from domain.billing_sync import link_customer, unlink_customer
from domain.charges import checked, invoice_charges
from domain.errors import DomainError

MESSAGES = {
    "invalid_channel": "--channel must be a Slack channel id such as C0123456789",
    "invalid_locale": "--locale must be en or zh-CN",
    "invalid_team": "--team must be a Slack workspace id such as T0123456789",
    "invalid_enterprise": "--enterprise must be an Enterprise Grid org id such as E0123456789",
    "no_such_customer": "Stripe has no customer {customer}",
    "not_linked": "{customer} is not linked",
    "invalid_user": "--user must be a Slack user id such as U012ABC",
    "invalid_role": "--role must be global_admin, billing_admin or billing_reader",
    "no_such_account": "no account {account} (link the Stripe customer or import the account first)",
    "not_an_admin": "{user} has no role on this account",
}


class BillingCommandError(Exception):
    """One line saying why the command did nothing."""


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    link = sub.add_parser("link", help="serve a Stripe customer: its alerts go to a channel")
    link.add_argument("customer")
    link.add_argument("--channel", required=True, help="Slack channel id for its alerts")
    link.add_argument("--locale", default="en", choices=["en", "zh-CN"])
    link.add_argument("--team", help="the Slack workspace (team id T...) whose admins see the account")
    link.add_argument("--enterprise", help="or the Enterprise Grid org (E...) of an org-wide install")
    unlink = sub.add_parser("unlink", help="stop serving a Stripe customer")
    unlink.add_argument("customer")
    admins = sub.add_parser("admins", help="who may settle or see an account's balances")
    admins.add_argument("action", choices=["add", "remove", "list"])
    admins.add_argument("--account", required=True, help="the account id (a Stripe customer id)")
    admins.add_argument("--user", help="Slack user id (add, remove)")
    admins.add_argument("--role", choices=["global_admin", "billing_admin", "billing_reader"], help="(add)")
    sync_ = sub.add_parser("sync", help="read the linked customers' billing from Stripe")
    sync_.add_argument("--full", action="store_true", help="read everything again, not only the changes")


def _reader(services: Services) -> BillingReader:
    if services.billing is None:
        raise BillingCommandError("this needs BILLING_BACKEND=stripe (the sandbox has no Stripe customers)")
    return services.billing


def _explained(error: DomainError) -> BillingCommandError:
    return BillingCommandError(MESSAGES.get(error.key, error.key).format(**error.params))


def run_link(settings: Settings, args: argparse.Namespace) -> int:
    services = build_services(settings, with_slack=False)
    try:
        account = link_customer(services.uow(), _reader(services), services.clock, args.customer, args.channel,
                                args.locale, team_id=args.team, enterprise_id=args.enterprise)  # fmt: skip
    except DomainError as error:
        raise _explained(error) from None
    except BillingUnavailable as error:
        raise BillingCommandError(f"Stripe is unavailable ({error}); nothing changed") from None
    workspace = account.team_id or account.enterprise_id or "the one-token workspace"
    print(f"linked {account.id} ({account.name}) to {account.channel} of {workspace} in {account.locale}; "
          "`settlebot sync` reads its billing")  # fmt: skip
    return 0


def run_unlink(settings: Settings, args: argparse.Namespace) -> int:
    services = build_services(settings, with_slack=False)
    try:
        unlink_customer(services.uow(), args.customer)
    except DomainError as error:
        raise _explained(error) from None
    print(f"unlinked {args.customer}")
    return 0


def run_admins(settings: Settings, args: argparse.Namespace) -> int:
    uow = build_services(settings, with_slack=False).uow()
    try:
        if args.action == "list":
            for admin in list_admins(uow, args.account):
                print(f"{admin.slack_user_id} {admin.role.value}")
            return 0
        if not args.user or (args.action == "add" and not args.role):
            needs = "--user and --role" if args.action == "add" else "--user"
            raise BillingCommandError(f"admins {args.action} needs {needs}")
        if args.action == "add":
            add_admin(uow, args.account, args.user, args.role)
            print(f"{args.user} is {args.role} of {args.account}")
        else:
            remove_admin(uow, args.account, args.user)
            print(f"{args.user} has no role on {args.account} any more")
    except DomainError as error:
        raise _explained(error) from None
    return 0


def run_sync(settings: Settings, args: argparse.Namespace) -> int:
    """Sync, then deliver the alerts its events changed (with a bot token; else the scheduler does)."""
    from bot.scheduler import Jobs, sync_once

    services = build_services(settings, with_slack=settings.reaches_slack)  # card owners, alerts
    _reader(services)
    try:
        report = sync_once(services, full=args.full)
    except BillingUnavailable as error:
        raise BillingCommandError(f"Stripe is unavailable ({error}); nothing changed, try again") from None
    print(f"{report.mode} sync: {report.customers} linked customers, {report.read_whole} read whole, "
          f"{report.changes} changes, {report.applied} objects written, {report.alerts} alerts changed")  # fmt: skip
    if report.alerts and services.clients is not None:
        delivered = Jobs(services, services.notifier()).deliver()
        print(f"posted {delivered.posted}, updated {delivered.updated}, failed {delivered.failed}")
    elif report.alerts:
        print("the scheduler posts them (no SLACK_BOT_TOKEN here)")
    if report.first_read:
        print("past-due subscriptions of the customers read for the first time are alerted by the scan "
              "(the scheduler's sync runs it; here: `settlebot scan`)")  # fmt: skip
    return 0


def run_charges(settings: Settings, args: argparse.Namespace) -> int:
    """What settlebot paid through Stripe, invoice by invoice, from its own records; ``--check``
    reads each invoice back from Stripe (exit code 1 when one differs)."""
    services = build_services(settings, with_slack=False)
    charges = invoice_charges(services.uow(read_only=True))
    if args.check:
        try:
            charges = checked(charges, _reader(services))
        except BillingUnavailable as error:
            raise BillingCommandError(f"Stripe is unavailable ({error}); nothing checked, try again") from None
    print_invoice_charges(charges, as_json=args.json)
    return 1 if any(c.remote is not None and c.remote.differs for c in charges) else 0


HANDLERS = {"link": run_link, "unlink": run_unlink, "admins": run_admins, "sync": run_sync}
