"""``make run``: the real bot when Slack tokens are set, otherwise the app in a local Slack sandbox.

Without tokens, this process runs the real settlebot (its HTTP server, handlers, domain,
SQLite and sandbox gateway) against `FakeSlack`, the same fake Web API the end-to-end tests
use, and serves the sandbox page that shows what Slack would show. Everything listens on
127.0.0.1. The sandbox keeps its own database, ``./sandbox.db``, emptied at every start: the
fake Slack lives in memory, so the alerts of an earlier run would point at messages that no
longer exist.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import signal
import socket
import sys
import threading
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli import main as cli
from bot.settings import ConfigError, Settings

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.sandbox_stripe import SandboxStripe
    from sandbox.page import Person
    from sandbox.server import ServerThread

log = logging.getLogger(__name__)
SANDBOX_DB = "sandbox.db"
SANDBOX_LOG = "sandbox.log"
CHANNEL_NAME = "billing"
# Where the demo people live, so that Slack's date tokens show each of them their own time.
ZONES = {"U0DEMOGA1": "America/New_York", "U0DEMOBA2": "America/Los_Angeles", "U0DEMORD3": "Europe/London",
         "U0DEMOZH4": "Asia/Shanghai", "U0DEMOOT5": "Europe/Berlin", "U0DEMONO6": "UTC",
         "U0DEMOTA7": "Europe/London", "U0DEMOLI8": "Asia/Shanghai"}  # fmt: skip
HINTS = """  It runs the real settlebot against a simulated Slack, with a {paying}:
  no real money moves. It is installed in two workspaces ("Add to Slack"): switch workspace on
  the left, people at the top right; "+1 day" ... "+14 days" run the daily
  scan later on, for reminders. Fresh data on every run (./sandbox.db); logs in ./sandbox.log.
  Ctrl-C stops everything.

  To use a real Slack workspace instead: create an app from app_manifest.yml (README,
  "Connect to Slack"), put SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (and SLACK_APP_TOKEN for
  Socket Mode) in .env, set BILLING_CHANNEL, and run `make run` again.
"""
STRIPE_HINTS = """
  Billing is Stripe's here: a fake Stripe API runs in this process (test mode, no account,
  no real money), holding the demo customers, cards, subscriptions and invoices; settlebot
  synced them, pays with invoices.pay and hears Stripe's webhooks. "Add a new card" in the
  settle modal opens the fake's Checkout page: pick a test card (Visa 9995 declines).
"""


def demo_people(first_team: str) -> list[Person]:
    """The people of the demo as the sandbox shows them: ``bot.demo.DEMO_USERS`` in ``first_team``,
    ``SECOND_USERS`` in the second workspace."""
    from bot.demo import DEMO_USERS, SECOND_TEAM, SECOND_USERS
    from sandbox.page import Person

    people = []
    for team, users in ((first_team, DEMO_USERS), (SECOND_TEAM[0], SECOND_USERS)):
        for user_id, (label, locale) in users.items():
            name, _, title = label.partition(" (")
            people.append(Person(user_id, name, title.removesuffix(")"), locale, ZONES.get(user_id, "UTC"), team))
    return people


def reset_database(path: Path) -> str:
    """Remove the sandbox's SQLite file (its journals, its replay record); the URL of the fresh one."""
    for suffix in ("", "-wal", "-shm", "-journal", "-requests", "-requests-wal", "-requests-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class LocalSandbox:
    """The real app, the fake Slack and the sandbox page, in this process, on loopback.

    Args:
        base: the settings read from the environment (time zone, reminder days, channel...).
        database: the sandbox's SQLite file, emptied at `start`.
        page_port: the page's port; 0, or a port in use, lets the OS choose.
        billing: "sandbox" (the sandbox gateway) or "stripe" (a fake Stripe in this process).
    """

    def __init__(self, base: Settings, *, database: Path, page_port: int = 0, billing: str = "sandbox") -> None:
        from bot.demo import SECOND_CHANNEL, SECOND_TEAM
        from sandbox.fake_slack import FakeSlack
        from sandbox.ids import Identity
        from sandbox.page import PageInfo, SandboxPage, WorkspaceInfo

        self.base, self.database, self.page_port = base, database, page_port
        self._secret = secrets.token_hex(16)
        first = Identity()
        self.people = demo_people(first.team_id)
        # Installation mode: only the tokens its "Add to Slack" issues are accepted (none is configured).
        self.fake = FakeSlack(users={p.id: p.slack_fields() for p in self.people}, identity=first,
                              token="xoxb-none-" + secrets.token_hex(12))  # fmt: skip
        self.fake.add_team(*SECOND_TEAM)
        self.workspaces = (
            WorkspaceInfo(first.team_id, first.team_name, base.billing_channel, CHANNEL_NAME),
            WorkspaceInfo(SECOND_TEAM[0], SECOND_TEAM[1], SECOND_CHANNEL, CHANNEL_NAME),
        )
        for workspace in self.workspaces:
            self.fake.add_channel(workspace.channel_id, workspace.channel_name)
        self.page = SandboxPage(self.fake, self.people, PageInfo(self.workspaces, f"./{database.name}"))
        self.runtime: Runtime | None = None
        self.stripe: SandboxStripe | None = None
        if billing == "stripe":
            from bot.sandbox_stripe import SandboxStripe

            self.stripe = SandboxStripe()
        self.url = ""
        self._page_server: ServerThread | None = None
        self._scan_lock = threading.Lock()
        self._stopping = threading.Event()
        self._http: threading.Thread | None = None

    def start(self) -> str:
        """Serve the page and the app, load the demo data, scan once; the page's URL."""
        from sandbox.driver import SlackDriver
        from sandbox.installing import install
        from sandbox.signing import SlackRequester

        self.url = self._serve_page()
        if self.stripe is not None:
            self.stripe.start()
        runtime = self.runtime = self._start_app(f"{self.url}api/")
        for workspace in self.workspaces:  # through the app's own "Add to Slack" pages, as an admin would
            install(runtime.url, workspace.team_id)
        self._load_demo_data(runtime)
        teams = {p.id: p.team_id for p in self.people}
        driver = SlackDriver(self.fake, SlackRequester(runtime.url, self._secret), hooks_url=self.url,
                             team_of=teams.get)  # fmt: skip
        self.page.connect(driver, self.scan)
        self.page.memory.last_scan = self.scan(0)
        return self.url

    def _serve_page(self) -> str:
        from sandbox.server import ServerThread

        try:
            self._page_server = ServerThread(self.page, "127.0.0.1", self.page_port)
        except OSError:
            log.info("port %s is taken; letting the system choose one", self.page_port)
            self._page_server = ServerThread(self.page, "127.0.0.1", 0)
        self._page_server.start()
        return f"http://127.0.0.1:{self._page_server.port}/"

    def _settings(self, api_url: str, database_url: str, port: int) -> Settings:
        """The app's settings: the environment's, with the sandbox's Slack, database and address."""
        from bot.settings import load_settings

        oauth = self.fake.oauth
        return load_settings(
            slack_bot_token=None, slack_client_id=oauth.client_id, slack_client_secret=oauth.client_secret,
            slack_signing_secret=self._secret, slack_app_token=None,
            slack_api_url=api_url, database_url=database_url, host="127.0.0.1", port=port,
            public_url=f"http://127.0.0.1:{port}", http_threads=8, workers=0, worker_threads=8,
            **(self.stripe.settings() if self.stripe is not None else {}),
        )  # fmt: skip

    def _start_app(self, api_url: str) -> Runtime:
        """The real app on a free loopback port (its add-card links point there), serving."""
        from bot.runtime import Runtime
        from storage.db import upgrade

        database_url = reset_database(self.database)
        upgrade(database_url)
        for attempt in range(5):  # the port may be taken between probing and binding
            try:
                runtime = Runtime(self._settings(api_url, database_url, free_port()), scheduler=False)
                break
            except OSError:
                if attempt == 4:
                    raise
        self._http = threading.Thread(target=self._serve, args=(runtime,), name="settlebot-http", daemon=True)
        self._http.start()
        return runtime

    def _serve(self, runtime: Runtime) -> None:
        """Serve until `stop`, when waitress's loop may find its socket closed under it (EBADF)."""
        try:
            runtime.server.run()
        except (OSError, ValueError):  # EBADF, or a closed socket's fd of -1
            if not self._stopping.is_set():
                raise

    def _load_demo_data(self, runtime: Runtime) -> None:
        from bot.demo import two_workspaces_demo_data
        from domain.importing import import_billing_data

        services = runtime.services
        data = two_workspaces_demo_data(services.clock.today(), self.workspaces[0].team_id)
        if self.stripe is not None:
            self.stripe.load_demo(services, data, self.base.billing_channel, runtime.url)
            return
        import_billing_data(services.uow(), data)

    def _running(self) -> Runtime:
        if self.runtime is None:
            raise RuntimeError("the sandbox is not started")
        return self.runtime

    def scan(self, days: int) -> str:
        """The app's daily scan and delivery as if ``days`` days from now; a summary line."""
        from bot.clock import FixedClock
        from bot.scheduler import Jobs
        from handlers.notifier import ChannelPacer

        runtime = self._running()
        settings = runtime.settings
        at = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
        services = replace(runtime.services, clock=FixedClock(at, settings.zone))
        # The fake has no rate limit, so posts need not be spaced a second apart as on Slack.
        notifier = runtime.services.notifier(ChannelPacer(interval=0))
        with self._scan_lock:
            report, sent = Jobs(services, notifier).scan_and_deliver()
        when = at.astimezone(settings.zone).strftime("%a %d %b")
        label = "today" if days == 0 else f"today +{days} day{'s' if days > 1 else ''}"
        failed = f", {sent.failed} failed" if sent.failed else ""
        return (f"Scan as of {when} ({label}): {report.alerts} new alerts, "
                f"{report.reminders} reminders; {sent.posted} posted, {sent.updated} updated, "
                f"{sent.replies} thread replies{failed}.")  # fmt: skip

    def stop(self) -> None:
        """Stop the app (letting its after-ack work finish), then the page and fake Slack."""
        self._stopping.set()
        if self.runtime is not None:
            self.runtime.stop()
            self.runtime = None
        if self._http is not None:
            self._http.join(timeout=5)
            self._http = None
        if self._page_server is not None:
            self._page_server.stop()
            self._page_server = None
        if self.stripe is not None:
            self.stripe.stop()


def _log_to_file(path: Path) -> None:
    """Details to ``path``; only warnings on the console, so the URL line stands out."""
    console = logging.StreamHandler()
    console.setLevel(logging.WARNING)
    detail = logging.FileHandler(path, encoding="utf-8")
    detail.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[console, detail], force=True)


def run_sandbox(settings: Settings, billing: str = "sandbox") -> int:
    """Start the sandbox, print the one URL to open, run until SIGINT or SIGTERM."""
    _log_to_file(Path(SANDBOX_LOG).resolve())
    paying = "fake Stripe" if billing == "stripe" else "sandbox payment gateway"
    print(f"No Slack tokens set: starting settlebot in a local Slack sandbox (SQLite, {paying}).", flush=True)
    sandbox = LocalSandbox(settings, database=Path(SANDBOX_DB).resolve(), page_port=settings.port, billing=billing)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        url = sandbox.start()
        hints = HINTS.format(paying=paying) + (STRIPE_HINTS if billing == "stripe" else "")
        print(f"\nOpen {url} in your browser\n\n{hints}", flush=True)
        while not stop.wait(0.5):
            pass
        print("Stopping the sandbox...", flush=True)
    finally:
        sandbox.stop()
    print("Stopped.", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    import argparse

    from bot.settings import load_settings

    parser = argparse.ArgumentParser(prog="python -m bot.quickstart", description="make run: the bot, or a sandbox")
    parser.add_argument("--billing", choices=["sandbox", "stripe"], default="sandbox",
                        help="the sandbox's billing: its own gateway, or a fake Stripe in this process")  # fmt: skip
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"settlebot: configuration error: {error}", file=sys.stderr)
        return 2
    if settings.slack_bot_token is not None:
        return cli(["socket" if settings.slack_app_token is not None else "serve"])
    return run_sandbox(settings, args.billing)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
