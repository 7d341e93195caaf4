"""The add-card page in a real headless Chromium (Debian's), with screenshots kept as artifacts."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import ROOT, wait_until
from tests.e2e.test_add_card_page import add_card_link, open_modal
from tests.e2e.test_settle_flow import BA, ZH

ARTIFACTS = ROOT / "artifacts" / "screenshots"
pytestmark = pytest.mark.browser


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.fail("Debian's chromium and chromium-driver are needed: `make test` installs them")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or ""
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--disable-quic", "--window-size=900,1000",
                 f"--user-data-dir={tmp_path / 'chromium'}"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.set_page_load_timeout(20)
    yield driver
    driver.quit()


def shot(driver: object, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))  # type: ignore[attr-defined]
    return path


def _shown(driver: object, element_id: str) -> object:
    """The element once the page after a click shows it: ``click`` returns before the form's
    POST is answered, and looking at once may still find the page it left."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    located = expected_conditions.visibility_of_element_located((By.ID, element_id))
    return WebDriverWait(driver, 15).until(located)  # type: ignore[arg-type]


def test_the_page_renders_shows_field_errors_and_adds_the_card(slack, app, browser, db):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    modal = open_modal(slack, BA, "Power BI Pro")
    browser.get(add_card_link(modal, app.url))
    assert "Add a card" in browser.title or "card" in browser.title.lower()
    shot(browser, "add-card-empty")
    browser.find_element(By.ID, "number").send_keys("4000 0000 0000 0001")  # fails Luhn
    Select(browser.find_element(By.ID, "exp_month")).select_by_value("9")
    Select(browser.find_element(By.ID, "exp_year")).select_by_value("2030")
    browser.find_element(By.ID, "cvc").send_keys("321")
    browser.find_element(By.ID, "save").click()
    error = _shown(browser, "number-error")  # on the page the POST answers with
    assert error.is_displayed() and error.text
    number_box = browser.find_element(By.ID, "number")
    assert number_box.get_attribute("value") == ""  # a refused number is never sent back
    assert error.location["y"] > number_box.location["y"]  # shown right under its field
    shot(browser, "add-card-field-error")
    number_box.send_keys("5555 5555 5555 4444")
    browser.find_element(By.ID, "cvc").send_keys("321")
    browser.find_element(By.ID, "save").click()
    banner = _shown(browser, "banner")
    assert "4444" in banner.text
    shot(browser, "add-card-added")
    with db.uow() as uow:
        assert any(c.brand == "mastercard" and c.exp_year == 2030 for c in uow.cards.for_account("acc_contoso"))


def test_the_page_speaks_chinese_to_a_chinese_speaker(slack, app, browser):
    from selenium.webdriver.common.by import By

    modal = open_modal(slack, ZH, "Power BI Pro")
    browser.get(add_card_link(modal, app.url))
    wait_until(lambda: browser.find_element(By.ID, "save").text)
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in browser.find_element(By.TAG_NAME, "h1").text)
    shot(browser, "add-card-zh-CN")
