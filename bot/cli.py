"""The ``settlebot`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot import billing_commands, commands, workspace_commands
from bot.logs import configure_logging
from bot.settings import ConfigError


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="settlebot", description="Settle past-due balances from Slack.")
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve Slack over HTTP (POST /slack/events)")
    serve.add_argument("--no-scheduler", action="store_true", help="do not run the scheduled jobs here")
    serve.add_argument("--port", type=int, help="override PORT (0 picks a free port)")
    socket = sub.add_parser("socket", help="connect to Slack with Socket Mode (SLACK_APP_TOKEN)")
    socket.add_argument("--no-scheduler", action="store_true")
    sub.add_parser("scheduler", help="run only the scheduled jobs (alerts, outbox, reconciliation)")
    scan = sub.add_parser("scan", help="run the past-due alert and reminder job once")
    scan.add_argument("--at", help="as if at this ISO-8601 time (default: now)")
    scan.add_argument("--dry-run", action="store_true", help="print what would be posted; change nothing")
    imp = sub.add_parser("import", help="load or update billing data from a JSON file")
    imp.add_argument("file")
    bal = sub.add_parser("balances", help="outstanding balances per subscription")
    bal.add_argument("--json", action="store_true")
    charges = sub.add_parser("charges", help="what settlebot charged: the sandbox's ledger, or its Stripe payments")
    charges.add_argument("--json", action="store_true")
    charges.add_argument("--check", action="store_true", help="(Stripe) read each invoice back and flag differences")
    db = sub.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade", "new-installation-id"],
                    help="upgrade: create or upgrade the schema; new-installation-id: for a copy of a "
                         "database run beside its original (never the same idempotency keys)")  # fmt: skip
    sub.add_parser("demo-data", help="load a small realistic data set (dated from today)")
    sub.add_parser("reconcile", help="complete settlements left pending by a crash")
    billing_commands.add_parsers(sub)
    workspace_commands.add_parsers(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    configure_logging()
    try:
        return commands.run(args)
    except ConfigError as error:
        print(f"settlebot: configuration error: {error}", file=sys.stderr)
        return 2
    except (commands.CommandError, billing_commands.BillingCommandError,
            workspace_commands.WorkspaceCommandError) as error:
        print(f"settlebot: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
