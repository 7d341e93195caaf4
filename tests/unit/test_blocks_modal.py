"""The settle modal and the processing, result and notice views."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from domain.errors import BalanceChanged
from domain.model import Role
from domain.money import Money
from domain.records import Outcome
from handlers import ids
from handlers.blocks import message_modal, processing_modal, result_modal, settle_modal
from handlers.i18n import error_text
from handlers.metadata import ModalMeta
from tests.unit.test_blocks_data import (
    AMOUNT,
    LOCALES,
    MASTERCARD,
    OTHER,
    OWNER,
    PAID_UP,
    READER,
    SUBSCRIPTION,
    TODAY,
    VISA,
    blocks_of,
    buttons,
    card,
    plan,
    result,
    texts,
    tr,
    view_payload,
)

URL = "https://settlebot.example/cards/new?t=nonce123"
META = ModalMeta(SUBSCRIPTION.id)


def modal(actor=OWNER, role=Role.BILLING_ADMIN, meta=META, locale="en", **kw):
    plan_kw = {k: kw.pop(k) for k in ("cards", "balance") if k in kw}
    view = settle_modal(
        plan(actor, role, **plan_kw), tr(locale), actor=actor, meta=meta,
        add_card_url=kw.pop("add_card_url", URL), today=TODAY, **kw,
    )  # fmt: skip
    return view_payload(view)


def card_blocks(payload):
    return {b["block_id"].removeprefix("card:"): b for b in blocks_of(payload, "card")}


def action_ids(block):
    return [a["action_id"] for a in block.get("actions", [])]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("role", list(Role))
def test_every_role_and_locale_renders_a_valid_modal(role, locale) -> None:
    payload = modal(role=role, locale=locale)
    assert payload["callback_id"] == ids.SETTLE_MODAL
    assert ModalMeta.loads(payload["private_metadata"]) == META
    assert payload["title"]["text"] == tr(locale)("modal.title")
    assert payload["close"]["text"] == tr(locale)("modal.cancel")


def test_the_past_due_notice_comes_first_with_amount_and_days() -> None:
    payload = modal()
    first = payload["blocks"][0]
    assert (first["type"], first["level"]) == ("alert", "warning")
    assert first["text"]["text"] == (
        "*Subscription has a past due payment.* $1,234.50 is 12 days past due."
    )
    assert "Microsoft 365 Business Premium" in payload["blocks"][1]["text"]["text"]


def test_a_notice_goes_at_the_very_top_with_its_level() -> None:
    payload = modal(notice="The card was declined.", notice_level="error")
    top = payload["blocks"][0]
    assert (top["type"], top["level"], top["block_id"]) == ("alert", "error", ids.NOTICE_BLOCK)
    assert payload["blocks"][1]["level"] == "warning"


def test_one_card_block_per_card_with_brand_last4_and_expiry() -> None:
    cards = card_blocks(modal())
    assert set(cards) == {VISA.id, MASTERCARD.id}
    assert cards[VISA.id]["title"]["text"] == "Visa •••• 4242"
    assert cards[VISA.id]["subtitle"]["text"] == "Expires 08/2027"
    assert "Default card" in cards[VISA.id]["body"]["text"]
    assert f"<@{OWNER}>" in cards[VISA.id]["body"]["text"]


@pytest.mark.parametrize("locale", LOCALES)
def test_an_expired_card_is_flagged_and_cannot_be_picked_by_button(locale) -> None:
    mc = card_blocks(modal(locale=locale))[MASTERCARD.id]
    assert ":warning:" in mc["subtitle"]["text"] and "01/2025" in mc["subtitle"]["text"]
    assert ids.SELECT_CARD not in action_ids(mc)


def test_the_owner_sees_change_expiration_date_and_a_non_owner_does_not() -> None:
    as_owner = card_blocks(modal(actor=OWNER))
    as_other = card_blocks(modal(actor=OTHER))
    assert action_ids(as_owner[VISA.id]) == [ids.SELECT_CARD, ids.EDIT_EXPIRY]
    assert action_ids(as_other[VISA.id]) == [ids.SELECT_CARD]
    assert action_ids(as_other[MASTERCARD.id]) == [ids.EDIT_EXPIRY]  # expired, but theirs
    assert "Change expiration date" in texts(modal(actor=OWNER))


def test_card_buttons_carry_only_card_ids() -> None:
    payload = modal(actor=OWNER)
    values = {b["value"] for b in buttons(payload) if "value" in b}
    assert values == {VISA.id}
    assert all(not v.startswith("tok_") for v in values)


@pytest.mark.parametrize("locale", LOCALES)
def test_a_billing_reader_gets_no_inputs_no_actions_and_no_submit(locale) -> None:
    payload = modal(actor=READER, role=Role.BILLING_READER, locale=locale)
    assert blocks_of(payload, "input") == []
    assert "submit" not in payload
    assert buttons(payload) == []
    info = [b for b in blocks_of(payload, "alert") if b["level"] == "info"]
    assert info and tr(locale)("modal.reader_only") == info[0]["text"]["text"]


def test_the_pay_with_input_defaults_to_the_subscriptions_card() -> None:
    [pay] = blocks_of(modal(actor=OTHER), "input")
    assert (ids.base_of(pay["block_id"]), pay["element"]["action_id"]) == (
        ids.PAY_WITH_BLOCK,
        ids.PAY_WITH_ACTION,
    )
    assert pay["element"]["type"] == "radio_buttons"
    assert pay["element"]["initial_option"]["value"] == VISA.id
    assert [o["value"] for o in pay["element"]["options"]] == [VISA.id, MASTERCARD.id]


def test_the_pay_with_input_follows_the_selected_card_and_labels_expired_ones() -> None:
    meta = ModalMeta(SUBSCRIPTION.id, selected_card_id=MASTERCARD.id)
    [pay] = blocks_of(modal(meta=meta), "input")
    assert pay["element"]["initial_option"]["value"] == MASTERCARD.id
    labels = {o["value"]: (o["text"]["text"], o["description"]["text"]) for o in pay["element"]["options"]}
    assert labels[MASTERCARD.id][0] == "Mastercard •••• 5555" and labels[MASTERCARD.id][1].startswith("Expired ")
    assert labels[VISA.id][0] == "Visa •••• 4242" and labels[VISA.id][1].startswith("Default card · Expires ")


def test_a_selected_card_id_not_on_the_account_is_ignored() -> None:
    meta = ModalMeta(SUBSCRIPTION.id, selected_card_id="card_of_someone_else")
    [pay] = blocks_of(modal(meta=meta), "input")
    assert pay["element"]["initial_option"]["value"] == VISA.id


@pytest.mark.parametrize("locale", LOCALES)
def test_the_owner_editing_their_card_gets_month_and_year_preset_to_its_expiry(locale) -> None:
    payload = modal(meta=ModalMeta(SUBSCRIPTION.id, editing_card_id=VISA.id), locale=locale)
    inputs = {ids.base_of(b["block_id"]): b for b in blocks_of(payload, "input")}
    assert set(inputs) == {ids.PAY_WITH_BLOCK, ids.EXP_MONTH_BLOCK, ids.EXP_YEAR_BLOCK}
    month, year = inputs[ids.EXP_MONTH_BLOCK]["element"], inputs[ids.EXP_YEAR_BLOCK]["element"]
    assert (month["action_id"], year["action_id"]) == (ids.EXP_MONTH_ACTION, ids.EXP_YEAR_ACTION)
    assert [o["value"] for o in month["options"]] == [f"{m:02d}" for m in range(1, 13)]
    assert [o["value"] for o in year["options"]] == [str(y) for y in range(2026, 2042)]
    assert (month["initial_option"]["value"], year["initial_option"]["value"]) == ("08", "2027")
    assert "Visa •••• 4242" in inputs[ids.EXP_MONTH_BLOCK]["label"]["text"]
    assert payload["submit"]["text"] == tr(locale)("modal.submit")


def test_nobody_edits_a_card_they_do_not_own() -> None:
    payload = modal(actor=OWNER, meta=ModalMeta(SUBSCRIPTION.id, editing_card_id=MASTERCARD.id))
    assert [ids.base_of(b["block_id"]) for b in blocks_of(payload, "input")] == [ids.PAY_WITH_BLOCK]


def test_an_expired_cards_owner_edits_it_without_a_year_in_the_past_preselected() -> None:
    payload = modal(actor=OTHER, meta=ModalMeta(SUBSCRIPTION.id, editing_card_id=MASTERCARD.id))
    year = next(b for b in blocks_of(payload, "input") if ids.base_of(b["block_id"]) == ids.EXP_YEAR_BLOCK)
    assert "initial_option" not in year["element"]  # 2025 is not offered


def test_add_card_button_is_a_url_button_and_is_omitted_without_a_url() -> None:
    [add] = [b for b in buttons(modal()) if b["action_id"] == ids.ADD_CARD]
    assert add["url"] == URL
    assert ids.ADD_CARD not in json.dumps(modal(add_card_url=None))


@pytest.mark.parametrize("locale", LOCALES)
def test_the_modal_says_before_save_that_the_card_becomes_the_subscriptions_card(locale) -> None:
    payload = modal(locale=locale)
    last = payload["blocks"][-1]
    assert last["type"] == "context"
    assert last["elements"][0]["text"] == tr(locale)("modal.future_charges")


def test_nothing_due_means_no_inputs_and_no_submit() -> None:
    payload = modal(balance=PAID_UP)
    assert blocks_of(payload, "input") == [] and "submit" not in payload
    assert payload["blocks"][0]["level"] == "success"


def test_no_cards_on_file_leaves_only_add_a_card() -> None:
    payload = modal(cards=())
    assert blocks_of(payload, "card") == [] and blocks_of(payload, "input") == []
    assert [b["action_id"] for b in buttons(payload)] == [ids.ADD_CARD]
    assert "submit" not in payload


def test_many_cards_are_capped_with_a_count_and_a_select_menu() -> None:
    many = (VISA, *[card(n) for n in range(1, 60)])
    meta = ModalMeta(SUBSCRIPTION.id, selected_card_id="card_059")
    payload = modal(cards=many, meta=meta)
    shown = card_blocks(payload)
    assert len(shown) == 20 and VISA.id in shown and "card_059" in shown
    assert "…and 40 more cards on this account." in texts(payload)
    [pay] = blocks_of(payload, "input")
    assert pay["element"]["type"] == "static_select"
    assert pay["element"]["initial_option"]["value"] == "card_059"
    assert len(payload["blocks"]) < 100


def test_chinese_modal_has_chinese_text_and_amount() -> None:
    payload = modal(locale="zh-CN", meta=ModalMeta(SUBSCRIPTION.id, editing_card_id=VISA.id))
    body = texts(payload)
    assert payload["title"]["text"] == "结清余额"
    assert "订阅有逾期付款" in body and "US$1,234.50" in body and "12 天" in body
    assert "更改有效期" in body and "使用此卡" in body and "添加新卡" in body


@pytest.mark.parametrize("locale", LOCALES)
def test_processing_modal_names_card_and_amount_and_has_no_submit(locale) -> None:
    payload = view_payload(processing_modal(tr(locale), amount=AMOUNT, card_label=tr(locale).card(VISA), meta=META))
    assert payload["callback_id"] == ids.PROCESSING_MODAL
    assert "submit" not in payload
    assert "Visa •••• 4242" in texts(payload) and tr(locale).money(AMOUNT) in texts(payload)
    assert ModalMeta.loads(payload["private_metadata"]) == META


def test_processing_modal_in_english() -> None:
    payload = view_payload(processing_modal(tr("en"), amount=AMOUNT, card_label=tr("en").card(VISA), meta=META))
    assert payload["blocks"][0]["text"]["text"] == "Charging Visa •••• 4242 for $1,234.50…"


@pytest.mark.parametrize("locale", LOCALES)
def test_result_modal_on_success(locale) -> None:
    payload = view_payload(result_modal(result(), tr(locale)))
    assert payload["callback_id"] == ids.RESULT_MODAL
    assert payload["close"]["text"] == tr(locale)("modal.done")
    assert "submit" not in payload
    alert = payload["blocks"][0]
    assert (alert["type"], alert["level"]) == ("alert", "success")
    body = texts(payload)
    assert "ch_sandbox_123" in body and tr(locale).money(AMOUNT) in body and "•••• 4242" in body
    assert tr(locale)("result.card_now_default", card="Visa •••• 4242",
                      product=SUBSCRIPTION.product) in body  # fmt: skip
    assert f"*{tr(locale)('field.invoices_paid')}*\\n2" in body


@pytest.mark.parametrize(
    ("outcome", "code", "level", "says"),
    [(Outcome.DECLINED, "insufficient_funds", "error", "insufficient funds"),
     (Outcome.DECLINED, None, "error", "The card was declined."),
     (Outcome.FAILED, None, "error", "could not be processed"),
     (Outcome.REFUSED, "card_expired", "error", "has expired"),
     (Outcome.PENDING, None, "info", "still being confirmed")],
)  # fmt: skip
def test_result_modal_when_not_paid(outcome, code, level, says) -> None:
    payload = view_payload(result_modal(result(outcome, code), tr("en")))
    assert payload["title"]["text"] == "Payment not completed"
    assert payload["blocks"][0]["level"] == level and says in texts(payload)


@pytest.mark.parametrize("locale", LOCALES)
def test_message_modal_shows_one_alert_and_no_submit(locale) -> None:
    t = tr(locale)
    view = message_modal(
        t, title=t("modal.error_title"), text=t("already_settled"), level="warning"
    )
    payload = view_payload(view)
    assert payload["blocks"] == [
        {
            "type": "alert",
            "level": "warning",
            "text": {"type": "mrkdwn", "text": t("already_settled")},
        }
    ]
    assert "submit" not in payload


def test_message_modal_clips_a_long_title_to_slacks_limit() -> None:
    payload = view_payload(message_modal(tr("en"), title="A" * 40, text="x"))
    assert len(payload["title"]["text"]) == 24



def test_a_rerendered_choice_gets_a_new_block_id_so_slack_shows_it():
    """Slack keeps a user's input across views.update while the block id is unchanged."""
    picked = ModalMeta(SUBSCRIPTION.id, selected_card_id=MASTERCARD.id)

    def input_ids(payload):
        return {b["block_id"] for b in blocks_of(payload, "input")}

    assert input_ids(modal()) != input_ids(modal(meta=picked))


def test_the_modal_carries_the_balance_it_shows_as_what_a_save_confirms() -> None:
    meta = ModalMeta(SUBSCRIPTION.id, balance="1234.50:USD", shown="0123456789abcdef0123456789abcdef")
    payload = modal(meta=meta)
    loaded = ModalMeta.loads(payload["private_metadata"])
    confirmed = loaded.confirmed()
    assert confirmed is not None and str(confirmed.amount) == "1234.50 USD"
    assert confirmed.stamp == "0123456789abcdef0123456789abcdef"
    assert ModalMeta(SUBSCRIPTION.id, balance="1234.50:USD").confirmed() is None  # no stamp: confirms nothing


@pytest.mark.parametrize("locale", LOCALES)
def test_a_changed_balance_notice_names_both_amounts(locale) -> None:
    t = tr(locale)
    old, new = Money(Decimal("1250.00"), "USD"), Money(Decimal("1750.00"), "USD")
    text = error_text(BalanceChanged(old=old, new=new), t)
    payload = modal(locale=locale, notice=text, notice_level="warning")
    assert t.money(old) in texts(payload) and t.money(new) in texts(payload)
    if locale == "en":
        assert text == "The balance changed from $1,250.00 to $1,750.00: check it and Save again."
    assert error_text(BalanceChanged(old=old, new=old), t) == t("balance_changed.invoices")
