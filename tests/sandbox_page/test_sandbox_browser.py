"""The sandbox page in headless Chromium, clicked through as a person would; screenshots are
kept under artifacts/screenshots/sandbox-*.png."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.sandbox_page.ui import BA, GA, READER, TAILSPIN_GA, TAILSPIN_ZH, ZH, SandboxUI

pytestmark = pytest.mark.browser


def test_the_seed_flow_settles_from_the_alert_with_another_card(ui: SandboxUI, sandbox) -> None:
    ui.open(BA)
    alert = ui.message("Past-due payment: Microsoft 365 Business Premium")
    assert "Expired" in alert.text and len(ui.css("#r-body .msg")) == 4
    assert "no real money moves" in ui.text(".notice")
    ui.shot("channel")
    ui.click("Settle balance", alert)
    modal = ui.modal("Cards on this account")
    assert ui.css(".bk-alert-warning", modal) and len(ui.css(".bk-card-box", modal)) == 3
    ui.save()  # the default card has expired: Slack shows the app's inline error under "Pay with"
    error = ui.wait(lambda: ui.css("#r-modal .bk-error"), what="an inline error")[0]
    assert "expired" in error.text.lower()
    ui.pick("Visa •••• 4242")
    ui.shot("modal")
    ui.save()
    result = ui.modal("Balance settled")
    assert "$264.00" in result.text and "4242" in result.text
    ui.shot("result")
    ui.close_modal()
    settled = ui.message("Settled: Microsoft 365 Business Premium")
    assert "(edited)" in settled.text and "@Blair Billing" in settled.text
    assert not [b for b in ui.css(".bk-button", settled) if b.text == "Settle balance"]
    receipt = ui.message("Only visible to you")
    assert "$264.00" in receipt.text
    ui.show(settled)
    ui.shot("settled")
    ui.go("home")
    ui.wait(lambda: "Microsoft 365 Business Premium" in ui.text("#r-body .home"), what="the Home tab")
    products = ui.text("#r-body .home")
    assert products.count("Settle balance") == 2  # E3 and Power BI remain; Business Premium is paid
    ui.shot("home")


def test_the_owner_renews_an_expired_card_and_pays_with_it(ui: SandboxUI) -> None:
    ui.open(GA)
    ui.click("Settle balance", ui.message("Past-due payment: Microsoft 365 Business Premium"))
    modal = ui.modal("Expiration month of Mastercard")
    year = str(dt.date.today().year + 3)
    ui.select("exp_month", "12")
    ui.select("exp_year", year)
    ui.shot("expiry")
    ui.save()
    assert "Mastercard •••• 4444" in ui.modal("Balance settled").text
    ui.close_modal()
    ui.go("home")
    ui.wait(lambda: f"Expires 12/{year}" in ui.text("#r-body .home"), what="the new expiry on the Home tab")
    assert modal is not None


def test_a_billing_reader_sees_no_settle_button_and_cannot_pay(ui: SandboxUI) -> None:
    ui.open(READER, "home")
    home = ui.wait(lambda: ui.text("#r-body .home"), what="the reader's Home tab")
    assert "Billing reader" in home and "Microsoft 365 E3" in home and "Settle balance" not in home
    ui.shot("reader-home")
    ui.go("channel")
    ui.click("Settle balance", ui.message("Past-due payment: Power BI Pro"))
    modal = ui.modal("billing reader")
    assert not ui.css("#modal-submit") and not ui.css(".bk-radio", modal)
    ui.shot("reader-modal")


def test_a_chinese_speaker_sees_the_app_in_chinese(ui: SandboxUI) -> None:
    ui.open(ZH, "home")
    ui.wait(lambda: "你的产品" in ui.text("#r-body .home"), what="the Home tab in Chinese")
    assert ui.driver.find_element(ui.by.TAG_NAME, "html").get_attribute("lang") == "zh-CN"
    ui.shot("zh-CN-home")
    ui.go("channel")
    ui.click("Settle balance", ui.message("Past-due payment: Power BI Pro"))  # alerts speak the account's language
    visa = next(c for c in ui.css(".bk-card-box", ui.modal("Power BI Pro")) if "4242" in c.text)
    ui.click("使用此卡", visa)  # a Card block's button: the app re-renders the modal with that card
    ui.wait(lambda: "Visa •••• 4242" in ui.text("#r-modal .bk-radio input:checked ~ span"), what="the card chosen")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in ui.css("#modal-submit")[0].text)
    ui.shot("zh-CN")


def test_slash_commands_from_the_message_box(ui: SandboxUI) -> None:
    ui.open(BA)
    ui.type("/settle")
    listing = ui.message("Past-due subscriptions")
    assert "Only visible to you" in listing.text and "Teams Essentials" not in listing.text
    ui.shot("slash")
    ui.click("Settle balance", listing)  # a button in an ephemeral message
    ui.modal("Microsoft 365")
    ui.close_modal()
    ui.type("/settle help")
    assert "/settle" in ui.message("Settle past-due balances from Slack").text
    ui.type("/settle Power BI")
    assert "Power BI Pro" in ui.modal("Power BI Pro").text
    ui.close_modal()
    ui.type("/nope")
    ui.wait(lambda: "not a valid command" in ui.text("#toast"), what="Slack's unknown-command notice")


def test_a_later_scan_posts_reminders_in_the_alerts_thread(ui: SandboxUI) -> None:
    ui.open(BA)
    ui.css("#scan-7")[0].click()
    # 4 in this workspace's #billing, 2 in Tailspin's: the scan is the app's, for every workspace
    ui.wait(lambda: "6 thread replies" in ui.text("#last-scan"), what="the scan's summary")
    replies = ui.wait(lambda: ui.css(".replies", ui.message("Past-due payment: Microsoft 365 E3")), what="a reply")
    alert = ui.message("Past-due payment: Microsoft 365 E3")
    assert "12 days" in alert.text and "(edited)" in alert.text and "1 reply" in replies[0].text
    replies[0].click()
    reply = ui.wait(lambda: ui.css("#r-thread .thread-body .msg")[1:], what="the thread")[0]
    assert "@Alex Global" in reply.text and "Reminder" in reply.text
    ui.shot("thread")


def test_add_a_new_card_opens_the_apps_real_page_and_the_modal_shows_the_card(ui: SandboxUI) -> None:
    from selenium.webdriver.support.ui import Select

    ui.open(BA)
    ui.click("Settle balance", ui.message("Past-due payment: Power BI Pro"))
    ui.click("Add a new card", ui.modal("Power BI Pro"))
    ui.wait(lambda: len(ui.driver.window_handles) == 2, what="a new tab")
    sandbox_tab = ui.driver.current_window_handle
    ui.driver.switch_to.window(ui.driver.window_handles[1])
    ui.wait(lambda: ui.css("#number"), what="the add-card page")
    ui.css("#number")[0].send_keys("5105 1051 0510 5100")
    Select(ui.css("#exp_month")[0]).select_by_value("9")
    Select(ui.css("#exp_year")[0]).select_by_value(str(dt.date.today().year + 4))
    ui.css("#cvc")[0].send_keys("321")
    ui.css("#save")[0].click()
    ui.wait(lambda: "5100" in ui.text("#banner"), what="the card added")
    ui.shot("add-card")
    ui.driver.switch_to.window(sandbox_tab)
    modal = ui.modal("New card added")
    assert "Mastercard •••• 5100" in modal.text and f"09/{dt.date.today().year + 4}" in modal.text


def test_a_settlement_started_in_the_apps_messages_tab_sends_the_receipt_by_direct_message(ui: SandboxUI) -> None:
    ui.open(BA)
    ui.go("messages")
    ui.type("/settle Microsoft 365 E3")
    ui.modal("Microsoft 365 E3")
    ui.save()
    ui.modal("Balance settled")
    ui.close_modal()
    receipt = ui.message("$129.99")
    assert "Only visible to you" not in receipt.text and "Microsoft 365 E3" in receipt.text
    ui.shot("dm-receipt")
    ui.go("channel")
    assert "Settled: Microsoft 365 E3" in ui.message("Settled: Microsoft 365 E3").text


def test_each_workspace_shows_only_its_own_alerts_people_home_and_settle(ui: SandboxUI) -> None:
    ui.open(BA)
    ui.message("Past-due payment: Microsoft 365 Business Premium")
    assert "active" in (ui.css("#rail-T0SETTLE01")[0].get_attribute("class") or "")
    ui.switch_workspace("T0TAILSPN2", "Tailspin Toys")
    alert = ui.message("Past-due payment: Dynamics 365 Sales")
    channel = ui.text("#r-body")
    assert "Microsoft 365 Copilot" in channel
    assert "Business Premium" not in channel and "Teams Essentials" not in channel
    assert "active" in (ui.css("#rail-T0TAILSPN2")[0].get_attribute("class") or "")
    people = [o.get_attribute("value") for o in ui.css("#user-switch option")]
    assert people == [TAILSPIN_GA, TAILSPIN_ZH]  # the other workspace's people are not in this one
    ui.show(alert)
    ui.shot("workspace-tailspin")
    ui.type("/settle")
    listing = ui.message("Past-due subscriptions")
    assert "Dynamics 365 Sales" in listing.text and "Microsoft 365 E3" not in listing.text
    ui.click("Settle balance", ui.message("Past-due payment: Dynamics 365 Sales"))
    ui.modal("Dynamics 365 Sales")
    ui.save()
    assert "£195.00" in ui.modal("Balance settled").text
    ui.close_modal()
    ui.go("home")
    home = ui.wait(lambda: "Microsoft 365 Copilot" in ui.text("#r-body .home") and ui.text("#r-body .home"),
                   what="Tailspin's Home tab")  # fmt: skip
    assert "Power BI" not in home and "Teams Essentials" not in home
    ui.switch_workspace("T0SETTLE01", "Settlebot Sandbox")
    assert ui.message("Past-due payment: Power BI Pro") and "Dynamics 365" not in ui.text("#r-body")


def test_the_second_workspace_in_chinese(ui: SandboxUI) -> None:
    ui.open(TAILSPIN_ZH, "home")
    home = ui.wait(lambda: "你的产品" in ui.text("#r-body .home") and ui.text("#r-body .home"), what="the Home tab")
    assert "Dynamics 365 Sales" in home and "Microsoft 365 E3" not in home
    ui.shot("workspace-tailspin-zh-CN")
