"""``settlebot workspaces list|remove``: the workspaces settlebot knows of, and the removal of an
uninstalled one's billing data."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from typing import Any

from bot.bootstrap import build_services
from bot.settings import Settings
from domain.errors import DomainError
from domain.workspaces import Installed, Removal, WorkspaceLine, list_workspaces, remove_workspace
from installations.listing import installations
from storage.workspaces import SqlWorkspaceData

MESSAGES = {
    "invalid_workspace": "{workspace} is neither a workspace id (T…) nor an Enterprise Grid org id (E…)",
    "still_installed": "{workspace} is still installed: uninstall the app there first (its billing data "
                       "is removed only once Slack has told settlebot it is gone)",
    "no_such_workspace": "no account belongs to {workspace}; nothing removed",
    "settlements_pending": "{workspace} has {pending} pending settlements: run `settlebot reconcile` first; "
                           "nothing removed",
    "one_token_mode": "workspaces remove needs installation mode (SLACK_CLIENT_ID): in one-token mode "
                      "whether a workspace is installed is not known here",
}  # fmt: skip


class WorkspaceCommandError(Exception):
    """One line saying why the command did nothing."""


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    workspaces = sub.add_parser("workspaces", help="the Slack workspaces settlebot knows of")
    action = workspaces.add_subparsers(dest="action", required=True)
    listing = action.add_parser("list", help="installed workspaces and those whose billing data stays")
    listing.add_argument("--json", action="store_true")
    remove = action.add_parser("remove", help="remove an uninstalled workspace's billing data")
    remove.add_argument("workspace", metavar="TEAM_OR_ENTERPRISE_ID")
    remove.add_argument("--yes", action="store_true", help="do not ask for confirmation")


def run_workspaces(settings: Settings, args: argparse.Namespace) -> int:
    services = build_services(settings, with_slack=False)
    installed = installations(services.engine, settings.slack_client_id) if settings.slack_client_id else None
    data, today = SqlWorkspaceData(services.engine), services.clock.today()
    try:
        if args.action == "list":
            print_workspaces(list_workspaces(installed or [], data, today), one_token=installed is None,
                             as_json=args.json)  # fmt: skip
            return 0
        if installed is None:
            raise DomainError("one_token_mode")
        if not args.yes and not _confirmed(args.workspace):
            print("nothing removed")
            return 1
        removal = remove_workspace(args.workspace, installed, data, today)
    except DomainError as error:
        raise WorkspaceCommandError(MESSAGES[error.key].format(**error.params)) from None
    print_removal(args.workspace, removal)
    return 0


def _confirmed(workspace: str) -> bool:
    print(f"Remove every account of {workspace} and its billing data (settlement attempts and payments "
          "are kept)? Type yes: ", end="", flush=True)  # fmt: skip
    answer = sys.stdin.readline()
    return answer.strip().lower() in ("y", "yes")


def _when(value: dt.datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value is not None else "-"


def _row(line: WorkspaceLine, one_token: bool) -> dict[str, Any]:
    i: Installed | None = line.installed
    return {
        "workspace": line.workspace_id, "enterprise_id": line.enterprise_id,
        "name": i.name if i else None, "status": "one-token mode" if one_token else line.status,
        "accounts": line.accounts, "past_due_subscriptions": line.past_due,
        "installed_at": _when(i.installed_at) if i else None,
        "token_expires_at": _when(i.token_expires_at) if i and i.token_expires_at else None,
        "scopes": list(i.scopes) if i else [],
    }  # fmt: skip


HEADER = ("WORKSPACE", "ENTERPRISE", "NAME", "STATUS", "ACCOUNTS", "PAST DUE", "INSTALLED AT", "TOKEN EXPIRES",
          "SCOPES")  # fmt: skip


def _cells(row: dict[str, Any]) -> tuple[str, ...]:
    texts = (row["workspace"] or "(none)", row["enterprise_id"], row["name"], row["status"], row["accounts"],
             row["past_due_subscriptions"], row["installed_at"], row["token_expires_at"],
             ",".join(row["scopes"]))  # fmt: skip
    return tuple(str(t) if t not in (None, "") else "-" for t in texts)


def print_workspaces(lines: Sequence[WorkspaceLine], *, one_token: bool, as_json: bool) -> None:
    """Aligned columns (the scopes last, unpadded), or ``--json``; never a token."""
    rows = [_row(line, one_token) for line in lines]
    if as_json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = [HEADER, *(_cells(r) for r in rows)]
    widths = [max(len(row[n]) for row in table) for n in range(len(HEADER) - 1)]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[-1])


def print_removal(workspace: str, removal: Removal) -> None:
    removed = ", ".join(f"{n} {name}" for name, n in removal.removed.items())
    kept = ", ".join(f"{n} {name}" for name, n in removal.kept.items())
    print(f"removed the billing data of {workspace}: {removed}")
    print(f"kept (the money trail, detached from any account): {kept}")


HANDLERS = {"workspaces": run_workspaces}
