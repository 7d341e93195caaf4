"""The Slack side of the app benchmarks: people and their data, the fake Slack, and the
requests Slack would send them (a ``/settle``, a "Settle balance" click, a modal submission)."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bench import data
from bench.load import Body
from bench.procs import BILLING_CHANNEL, BOT_TOKEN
from domain.alert_views import AlertView
from domain.model import Account, Card
from domain.money import Money
from handlers import ids
from handlers.blocks.alert import alert_message
from handlers.i18n import translator
from sandbox import payloads
from sandbox.fake_slack import FakeSlack
from sandbox.inputs import state_values


def user_of(account: int) -> str:
    return f"U0B{account:06d}"


@dataclass(frozen=True)
class People:
    """``accounts`` accounts, each with its own billing admin (who owns its one card) and
    two past-due subscriptions; account ``j`` serves one settlement, by ``user_of(j)``."""

    accounts: int
    today: dt.date

    @property
    def shape(self) -> data.Shape:
        users = tuple(user_of(j) for j in range(self.accounts))
        return data.Shape(self.accounts * 2, self.today, subs_per_account=2, past_due_every=1,
                          alerted=False, channel_every=0, users=users)  # fmt: skip

    def subscription(self, account: int) -> str:
        return data.sub_id(account * 2)


FAKE_SLACK_NICE = 10


def fake_slack(people: People) -> FakeSlack:
    """The fake Slack the app posts to, its request threads at ``FAKE_SLACK_NICE``: it stands in
    for Slack's servers, whose work (here, validating every payload) is not on the app's cores."""
    users = {user_of(j): {"real_name": f"Admin {j}", "locale": "en-US"} for j in range(people.accounts)}
    fake = FakeSlack(users=users, token=BOT_TOKEN, nice=FAKE_SLACK_NICE)
    fake.add_channel(BILLING_CHANNEL, "billing")
    return fake


def list_request(fake: FakeSlack, user: str) -> Body:
    p = payloads.slash_command(text="", user_id=user, channel_id=BILLING_CHANNEL,
                               trigger_id=fake.issue_trigger_id(user),
                               response_url=fake.issue_response_url(user, BILLING_CHANNEL))  # fmt: skip
    return p.body(), p.content_type


def click_request(
    fake: FakeSlack, user: str, subscription: str, today: dt.date, message: dict[str, Any] | None = None
) -> Body:
    """The click on an alert's "Settle balance", with the alert message as Slack sends it
    (``message``: made beforehand with ``alert_message_of``, so that making the request is cheap)."""
    p = payloads.block_actions(
        user_id=user, action_id=ids.SETTLE_OPEN, trigger_id=fake.issue_trigger_id(user),
        channel_id=BILLING_CHANNEL, message=message or alert_message_of(fake, subscription, today),
    )  # fmt: skip
    return p.body(), p.content_type


def alert_message_of(fake: FakeSlack, subscription: str, today: dt.date) -> dict[str, Any]:
    account = Account("acc", "Contoso Ltd", "USD")
    card = Card("card", "acc", "visa", "4242", 8, today.year + 3, "U0OWNER01", "tok")
    view = AlertView("alert", subscription, "Microsoft 365 E3", account, Money(Decimal("129.99"), "USD"),
                     5, card, False, None, today)  # fmt: skip
    message = alert_message(view, translator("en")).to_dict()
    message["blocks"] = fake.workspace.ids.with_block_ids(message["blocks"])  # as Slack stores it
    return {"type": "message", "user": "U0BOT", "ts": "1700000000.000100", **message}


def submit_request(fake: FakeSlack, user: str, view_id: str) -> Body:
    """Press the modal's "Settle" with the default card as chosen."""
    view = fake.view(view_id)
    if view is None:
        raise LookupError(f"no view {view_id}")
    p = payloads.view_submission(user_id=user, view=dict(view), state_values=state_values(view, {}),
                                 trigger_id=fake.issue_trigger_id(user))  # fmt: skip
    return p.body(), p.content_type


def open_modals(fake: FakeSlack, wanted: list[tuple[str, str]], timeout: float = 10.0) -> list[str | None]:
    """For each (user, subscription), the id of the settle modal the app opened; None where
    none opened in ``timeout`` (e.g. views.open came after the trigger id's 3 seconds)."""
    found: list[str | None] = [None] * len(wanted)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for i, (user, subscription) in enumerate(wanted):
            view = fake.current_view(user) if found[i] is None else None
            if view and view.get("callback_id") == ids.SETTLE_MODAL and _meta(view).get("subscription_id") == \
                    subscription:  # fmt: skip
                found[i] = str(view["id"])
        if all(found):
            break
        time.sleep(0.02)
    return found


def _meta(view: dict[str, Any]) -> dict[str, Any]:
    meta = json.loads(view.get("private_metadata") or "{}")
    return meta if isinstance(meta, dict) else {}


class ResultWatcher:
    """Notes when the app shows each modal's result (``views.update`` to the result modal,
    sent after the settlement is committed): settled views and their times (when the fake
    received the update). One thread follows the fake's call log as calls arrive and wakes
    whoever waits for that view: the load generator neither polls nor copies the whole log,
    so it takes no CPU, lock or delay from the fake and the app it measures."""

    def __init__(self, fake: FakeSlack) -> None:
        self._fake = fake
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self.done: dict[str, float] = {}  # view id -> when the fake received it (time.time())
        threading.Thread(target=self._follow, name="result-watcher", daemon=True).start()

    def __enter__(self) -> ResultWatcher:
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()

    def _follow(self) -> None:
        seen = 0
        while not self._stop.is_set():
            calls = self._fake.calls_after(seen, timeout=0.5)
            seen += len(calls)
            shown = {
                str(call.params.get("view_id")): call.at for call in calls
                if call.method == "views.update" and isinstance(view := call.params.get("view"), dict)
                and view.get("callback_id") == ids.RESULT_MODAL
            }  # fmt: skip
            if shown:
                with self._changed:
                    for view_id, at in shown.items():
                        self.done.setdefault(view_id, at)
                    self._changed.notify_all()

    def wait(self, view_ids: set[str], timeout: float) -> float:
        """Wait until every view in ``view_ids`` shows a result; the time it took."""
        start = time.perf_counter()
        with self._changed:
            if self._changed.wait_for(lambda: view_ids <= self.done.keys(), timeout):
                return time.perf_counter() - start
            missing = len(view_ids - self.done.keys())
        raise TimeoutError(f"{missing} of {len(view_ids)} settlements not shown after {timeout}s")
