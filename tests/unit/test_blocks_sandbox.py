"""With a test processor (the sandbox gateway), every surface that moves money says that no
real money moved, in both languages; with a processor that moves real money, none does. The
flag comes from the gateway in use, through the composition root."""

from __future__ import annotations

import json

import pytest

from bot.bootstrap import build_services
from bot.faults import FaultyGateway
from bot.settings import load_settings
from domain.model import Role
from domain.records import Outcome
from handlers.blocks import receipt_message
from handlers.blocks.alert import alert_message
from handlers.blocks.modal import processing_modal, result_modal, settle_modal
from handlers.metadata import ModalMeta
from tests.unit.test_blocks_data import (
    AMOUNT,
    LOCALES,
    OWNER,
    SETTLED,
    SUBSCRIPTION,
    alert_view,
    message_payload,
    plan,
    result,
    texts,
    tr,
    view_payload,
)

META = ModalMeta(SUBSCRIPTION.id)


def surfaces(locale: str, sandbox: bool) -> dict[str, dict]:
    """Each money-moving surface's payload, checked by slack_sdk's models."""
    t = tr(locale)
    return {
        "settle modal": view_payload(settle_modal(plan(OWNER), t, actor=OWNER, meta=META,
                                                  add_card_url=None, sandbox=sandbox)),
        "processing": view_payload(processing_modal(t, amount=AMOUNT, card_label="Visa 4242", meta=META,
                                                    sandbox=sandbox)),
        "result": view_payload(result_modal(result(), t, sandbox=sandbox)),
        "receipt": message_payload(receipt_message(result(), t, sandbox=sandbox)),
        "settled alert": message_payload(alert_message(alert_view(settled=SETTLED), t, sandbox=sandbox)),
    }


def _says(payload: dict, text: str) -> bool:
    return text in texts(payload)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_surface_that_moves_money_says_no_real_money_moved_in_the_sandbox(locale) -> None:
    t = tr(locale)
    shown = surfaces(locale, sandbox=True)
    before, after = ("settle modal", "processing"), ("result", "receipt", "settled alert")
    assert {name: _says(shown[name], t("sandbox.before")) for name in before} == dict.fromkeys(before, True)
    assert {name: _says(shown[name], t("sandbox.after")) for name in after} == dict.fromkeys(after, True)


@pytest.mark.parametrize("locale", LOCALES)
def test_no_surface_mentions_the_sandbox_when_real_money_moves(locale) -> None:
    t = tr(locale)
    for name, payload in surfaces(locale, sandbox=False).items():
        raw = json.dumps(payload, ensure_ascii=False)
        assert t("sandbox.before") not in raw and t("sandbox.after") not in raw, name


@pytest.mark.parametrize("locale", LOCALES)
def test_surfaces_that_move_no_money_say_nothing_about_it(locale) -> None:
    t = tr(locale)
    reader = view_payload(settle_modal(plan(OWNER, Role.BILLING_READER), t, actor=OWNER, meta=META,
                                       add_card_url=None, sandbox=True))  # fmt: skip
    declined = view_payload(result_modal(result(Outcome.DECLINED, "generic_decline"), t, sandbox=True))
    open_alert = message_payload(alert_message(alert_view(), t, sandbox=True))
    for payload in (reader, declined, open_alert):
        assert not _says(payload, t("sandbox.before")) and not _says(payload, t("sandbox.after"))


class LiveGateway:
    """A processor that moves real money (as a Stripe live-mode gateway will)."""

    moves_real_money = True


def test_the_composition_root_derives_the_sandbox_from_the_gateway_in_use(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("FAULT_INJECTION", raising=False)
    services = build_services(load_settings(database_url=f"sqlite:///{tmp_path / 's.db'}", _env_file=None),
                              with_slack=False)  # fmt: skip
    try:
        assert services.sandbox is True  # the built-in sandbox gateway
        services.gateway = FaultyGateway(services.gateway, "kill_after_charge")
        assert services.sandbox is True  # a wrapper says what it wraps
        services.gateway = LiveGateway()  # type: ignore[assignment]
        assert services.sandbox is False
    finally:
        services.close()
