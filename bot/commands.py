"""What each ``settlebot`` subcommand does."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import signal
import threading
from pathlib import Path
from typing import Any

from bot import billing_commands, workspace_commands
from bot.bootstrap import Services, build_services
from bot.clock import FixedClock
from bot.demo import demo_data
from bot.heap import freeze_boot_heap
from bot.logs import configure_logging
from bot.printing import print_balances, print_charges, print_dry_run, print_unreadable
from bot.settings import Settings, load_settings
from domain.alerts import scan
from domain.errors import ImportRefused
from domain.importing import import_billing_data
from domain.listing import balances
from domain.reconciliation import reconcile
from domain.set_aside import retry_now
from storage.db import new_installation_id, upgrade
from storage.ledger import SqlLedger

log = logging.getLogger(__name__)


class CommandError(Exception):
    """A command could not do its job; the message says why in one line."""


def run(args: argparse.Namespace) -> int:
    settings = load_settings(**({"port": args.port} if getattr(args, "port", None) is not None else {}))
    configure_logging(settings.log_level, settings.log_format)
    if args.command == "db":
        logging.getLogger("alembic").setLevel(logging.INFO)
    upgrade(settings.database_url)
    handler = {
        "serve": serve, "socket": socket_mode, "scheduler": scheduler_only, "scan": run_scan, "import": run_import,
        "balances": show_balances, "charges": show_charges, "db": run_db,
        "demo-data": load_demo, "reconcile": run_reconcile, **billing_commands.HANDLERS,
        **workspace_commands.HANDLERS,
    }[args.command]  # fmt: skip
    return int(handler(settings, args) or 0)


def serve(settings: Settings, args: argparse.Namespace) -> int:
    from bot.runtime import Runtime

    runtime = Runtime(settings, scheduler=not args.no_scheduler)
    _stop_on_signals(runtime.stop)
    freeze_boot_heap()
    runtime.serve_forever()
    return 0


def scheduler_only(settings: Settings, args: argparse.Namespace) -> int:
    """The scheduled jobs without the HTTP server (for deployments with ``serve --no-scheduler``)."""
    from bot.installation import confirm_in_background
    from bot.scheduler import Jobs, start_scheduler
    from storage.locks import LeaderLock
    from telemetry.multiproc import MetricsDir

    metrics_dir = MetricsDir.open(settings.prometheus_multiproc_dir) if settings.prometheus_multiproc_dir else None
    services = build_services(settings)
    assert services.client is not None
    confirm_in_background(services)
    lock = LeaderLock(services.engine)
    notifier = services.notifier()
    freeze_boot_heap()
    scheduler = start_scheduler(services, Jobs(services, notifier, lock))
    print("settlebot scheduler running (one scheduler works at a time; Ctrl-C stops)", flush=True)
    stopped = threading.Event()
    _stop_on_signals(stopped.set)
    stopped.wait()
    scheduler.shutdown(wait=True)
    lock.release()
    services.close()
    if metrics_dir is not None:  # its metrics are scraped from a server sharing the directory
        metrics_dir.close()
    return 0


def socket_mode(settings: Settings, args: argparse.Namespace) -> int:
    from bot.runtime import Runtime

    settings.secret("slack_app_token")
    runtime = Runtime(settings, scheduler=not args.no_scheduler)
    _stop_on_signals(runtime.stop)
    freeze_boot_heap()
    runtime.socket_forever()
    return 0


def _stop_on_signals(stop: Any) -> None:
    """Stop on SIGTERM/SIGINT, in a thread the interpreter waits for at exit: the server's loop
    returns as soon as the stop closes it, and the process must not end before the stop has
    let the workers finish (a worker still starting would lose its queues with the parent)."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: threading.Thread(target=stop, name="stop", daemon=False).start())


def run_scan(settings: Settings, args: argparse.Namespace) -> int:
    services = build_services(settings, with_slack=not args.dry_run)
    if args.at:
        try:
            services.clock = FixedClock(dt.datetime.fromisoformat(args.at), settings.zone)
        except ValueError as exc:
            raise CommandError(f"--at {args.at!r} is not an ISO-8601 time") from exc
    if args.dry_run:
        report = scan(services.uow(), services.clock, settings.reminder_policy,
                      settings.billing_channel, dry_run=True,
                      digest_threshold=settings.digest_threshold)  # fmt: skip
        print_dry_run(report)
        return 0
    from bot.scheduler import Jobs

    assert services.client is not None
    retry_now(services.uow(), services.clock.now())  # run by hand: what was set aside is tried too
    report, delivered = Jobs(services, services.notifier()).scan_and_deliver()
    print(f"{report.alerts} new alerts, {report.reminders} reminders; "
          f"posted {delivered.posted}, updated {delivered.updated}, replies {delivered.replies}, "
          f"failed {delivered.failed}")  # fmt: skip
    return 1 if delivered.failed else 0


def run_import(settings: Settings, args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"{path}: cannot read ({type(exc).__name__})") from exc
    except json.JSONDecodeError as exc:
        raise CommandError(f"{path}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    except RecursionError as exc:
        raise CommandError(f"{path}: not JSON (nested too deeply)") from exc
    try:
        report = import_billing_data(build_services(settings, with_slack=False).uow(), doc)
    except ImportRefused as exc:
        raise CommandError(f"{path}: refused, nothing imported: {exc.path}: {exc.reason}") from exc
    print(f"imported {report.accounts} accounts, {report.cards} payment methods, "
          f"{report.subscriptions} subscriptions, {report.invoices} invoices")  # fmt: skip
    if report.kept:
        print(f"kept as settlebot has it ({len(report.kept)}):")
        for kept in report.kept:
            print(f"  {kept}")
    return 0


def load_demo(settings: Settings, args: argparse.Namespace) -> int:
    services = build_services(settings, with_slack=False)
    report = import_billing_data(services.uow(), demo_data(services.clock.today()))
    print(f"demo data loaded: {report.accounts} accounts, {report.subscriptions} subscriptions, "
          f"{report.invoices} invoices")  # fmt: skip
    return 0


def show_balances(settings: Settings, args: argparse.Namespace) -> int:
    """What is owed; an account that cannot be read is named on stderr and the exit code is 1,
    so a script never takes a partial list (short of some accounts' debts) for the whole."""
    services = build_services(settings, with_slack=False)
    sheet = balances(services.uow(read_only=True), services.clock.today())
    print_balances(sheet.rows, as_json=args.json)
    print_unreadable(sheet.unreadable)
    return 1 if sheet.unreadable else 0


def run_db(settings: Settings, args: argparse.Namespace) -> int:
    """``db upgrade`` is done by ``run`` for every command; ``db new-installation-id`` also
    gives the database a new installation id."""
    if args.action == "new-installation-id":
        print(f"new installation id: {new_installation_id(settings.database_url)}")
    return 0


def show_charges(settings: Settings, args: argparse.Namespace) -> int:
    """The sandbox gateway's own ledger; with Stripe, what settlebot paid through it (its records)."""
    if settings.uses_stripe:
        return billing_commands.run_charges(settings, args)
    if args.check:
        raise CommandError("--check reads invoices back from Stripe: it needs BILLING_BACKEND=stripe")
    services = build_services(settings, with_slack=False)
    print_charges(SqlLedger(services.engine).entries(), as_json=args.json)
    return 0


def run_reconcile(settings: Settings, args: argparse.Namespace) -> int:
    services: Services = build_services(settings, with_slack=settings.reaches_slack)
    payer = None
    if services.clients is not None:  # payers are told (in their account's workspace), as by the scheduler
        from handlers.notifier import SlackNotifier

        payer = SlackNotifier(services.clients)
    done = reconcile(services.uow(), services.gateway, services.clock,
                     dt.timedelta(seconds=settings.reconcile_grace_seconds), payer)  # fmt: skip
    for attempt in done:
        print(f"{attempt.id} {attempt.subscription_id} {attempt.idempotency_key} -> {attempt.outcome}")
    print(f"{len(done)} pending settlements completed")
    return 0
