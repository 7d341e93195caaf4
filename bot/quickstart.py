"""``make run``: the real bot when Slack tokens are set, otherwise a tour on the embedded defaults."""

from __future__ import annotations

import os
import sys

from bot.cli import main as cli

NEXT_STEPS = """
Next: connect settlebot to a Slack workspace
  1. https://api.slack.com/apps -> Create New App -> From an app manifest -> paste app_manifest.yml
  2. Install it to your workspace; copy the Bot User OAuth Token (xoxb-...) and the Signing Secret,
     and for Socket Mode an app-level token with connections:write (xapp-...).
  3. Put them in .env (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_APP_TOKEN) with BILLING_CHANNEL=C...,
     invite @settlebot to that channel, and run `make run` again.
"""


def main() -> int:
    from bot.settings import load_settings

    settings = load_settings()
    if settings.slack_bot_token is not None:
        return cli(["socket" if settings.slack_app_token is not None else "serve"])
    print("No Slack tokens set: running on the embedded defaults (SQLite, sandbox gateway).\n")
    for step in (["db", "upgrade"], ["demo-data"], ["balances"], ["scan", "--dry-run"]):
        print(f"$ settlebot {' '.join(step)}")
        code = cli(step)
        if code:
            return code
        print()
    print(NEXT_STEPS)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
