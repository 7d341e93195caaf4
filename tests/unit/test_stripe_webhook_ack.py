"""The webhook's acknowledgement in-process (bot.stripe_webhook as a WSGI app, stand-in services):
recorded before its 2xx and handed on once, refused when forged, 503 while the database is down."""

from __future__ import annotations

import datetime as dt
import json
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

from werkzeug.test import Client

from bot.stripe_webhook import StripeWebhook
from domain.ports import StorageUnavailable
from handlers.work import Job
from sandbox.fake_stripe.webhooks import sign
from tests.fakes import FakeClock, FakeUnitOfWork

SECRET = "whsec_settlebot_unit_tests_000000"
NOW = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)


class DatabaseDown:
    def __enter__(self) -> None:
        raise StorageUnavailable("OperationalError")

    def __exit__(self, *exc: object) -> None:
        return None


def webhook(uow: Any) -> tuple[Client, list[Job]]:
    jobs: list[Job] = []
    settings = SimpleNamespace(stripe_webhook_key=lambda: SECRET)
    services = SimpleNamespace(settings=settings, uow=lambda: uow, clock=FakeClock(NOW))
    deps = SimpleNamespace(services=services, jobs=SimpleNamespace(submit=jobs.append))
    return Client(StripeWebhook(deps)), jobs  # type: ignore[arg-type]


def event(event_id: str = "evt_1", type_: str = "invoice.paid") -> str:
    return json.dumps({"id": event_id, "object": "event", "type": type_, "created": 1_790_000_000,
                       "data": {"object": {"id": "in_1", "object": "invoice", "customer": "cus_1"}},
                       "request": {"id": None, "idempotency_key": None}})  # fmt: skip


def post(client: Client, payload: str, signature: str | None = None) -> int:
    headers = {"Stripe-Signature": sign(payload, SECRET) if signature is None else signature}
    return client.post("/stripe/webhook", data=payload, headers=headers).status_code


def test_an_event_is_recorded_before_its_2xx_and_handed_on_once_however_often_delivered() -> None:
    uow = FakeUnitOfWork()
    client, jobs = webhook(uow)

    statuses = [post(client, event()) for _ in range(3)]

    assert statuses == [200, 200, 200]
    assert list(uow.committed.events) == ["evt_1"] and [j.args[:2] for j in jobs] == [("evt_1", "invoice.paid")]


def test_the_database_down_answers_503_to_every_waiting_delivery_and_hands_nothing_on() -> None:
    client, jobs = webhook(DatabaseDown())

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda n: post(client, event(f"evt_{n}")), range(16)))

    assert statuses == [503] * 16 and jobs == []


def test_a_forged_signature_or_a_body_that_is_not_an_event_is_refused_with_400() -> None:
    uow = FakeUnitOfWork()
    client, jobs = webhook(uow)

    forged = post(client, event(), sign(event(), "whsec_someone_else_0000000000"))
    not_json = post(client, "{not json")
    not_an_event = post(client, json.dumps({"id": "evt_2"}))
    not_a_post = client.get("/stripe/webhook").status_code

    assert (forged, not_json, not_an_event, not_a_post) == (400, 400, 400, 405)
    assert uow.committed.events == {} and jobs == []


def test_a_type_settlebot_does_nothing_with_is_acknowledged_and_not_recorded() -> None:
    uow = FakeUnitOfWork()
    client, jobs = webhook(uow)

    assert post(client, event(type_="charge.refunded")) == 200
    assert uow.committed.events == {} and jobs == []
