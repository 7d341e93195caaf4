"""The sandbox page as a person uses it, through Selenium: find, click, type, wait, screenshot."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from tests.e2e.harness import ROOT

ARTIFACTS = ROOT / "artifacts" / "screenshots"
GA, BA, READER, ZH, OTHER, NOBODY = "U0DEMOGA1", "U0DEMOBA2", "U0DEMORD3", "U0DEMOZH4", "U0DEMOOT5", "U0DEMONO6"
TAILSPIN_GA, TAILSPIN_ZH = "U0DEMOTA7", "U0DEMOLI8"  # the second workspace's people
T = TypeVar("T")


class SandboxUI:
    def __init__(self, driver: Any, url: str) -> None:
        from selenium.webdriver.common.by import By

        self.driver, self.url, self.by = driver, url, By

    # -- looking ---------------------------------------------------------------------------

    def wait(self, found: Callable[[], T], timeout: float = 10.0, what: str = "the page to change") -> T:
        from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
        from selenium.webdriver.support.ui import WebDriverWait

        def probe(_: Any) -> T | None:
            try:
                return found()
            except StaleElementReferenceException:
                return None

        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.1).until(probe)
        except WebDriverException as error:
            failed = ARTIFACTS / "failures"
            failed.mkdir(parents=True, exist_ok=True)
            self.driver.save_screenshot(str(failed / "sandbox-last-failure.png"))
            raise AssertionError(f"waited {timeout}s for {what} (see {failed})") from error

    def css(self, selector: str, scope: Any = None) -> list[Any]:
        return list((scope or self.driver).find_elements(self.by.CSS_SELECTOR, selector))

    def text(self, selector: str) -> str:
        return " ".join(e.text for e in self.css(selector))

    def message(self, words: str) -> Any:
        """The channel message (or DM) whose text contains ``words``, once it shows."""
        return self.wait(lambda: next((m for m in self.css("#r-body .msg") if words in m.text), None),
                         what=f"a message with {words!r}")  # fmt: skip

    def modal(self, words: str = "") -> Any:
        """The open modal, once it shows (and contains ``words``)."""
        return self.wait(lambda: next((m for m in self.css("#r-modal .modal") if words in m.text), None),
                         what=f"a modal with {words!r}")  # fmt: skip

    def no_modal(self) -> None:
        self.wait(lambda: not self.css("#r-modal .modal"), what="the modal to close")

    def show(self, element: Any) -> None:
        """Scroll ``element`` to the middle of its pane (for a screenshot)."""
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"sandbox-{name}.png"
        self.driver.save_screenshot(str(path))
        return path

    # -- doing -----------------------------------------------------------------------------

    def open(self, user: str, pane: str = "channel") -> None:
        self.driver.get(f"{self.url}?user={user}&pane={pane}")
        self.wait(lambda: self.css("#r-body .msg, #r-body .home"), what=f"the {pane} pane")

    def switch_workspace(self, team_id: str, name: str) -> None:
        """Click a workspace on the rail (the page reloads as that workspace's person)."""
        self.css(f"#rail-{team_id}")[0].click()
        self.wait(lambda: name in self.text("#ws-name") and self.css("#r-body .msg"), what=f"the workspace {name}")

    def go(self, pane: str) -> None:
        self.css(f"#nav-{pane}")[0].click()
        self.wait(lambda: "active" in (self.css(f"#nav-{pane}")[0].get_attribute("class") or ""))

    def click(self, label: str, scope: Any) -> None:
        """Click the button (or link button) labelled ``label`` in ``scope``."""
        button = self.wait(lambda: next((b for b in self.css(".bk-button", scope) if b.text == label), None),
                           what=f"a {label!r} button")  # fmt: skip
        button.click()

    def pick(self, label: str) -> None:
        """Choose the radio option of the open modal whose text contains ``label``."""
        option = next(o for o in self.css("#r-modal .bk-radio") if label in o.text)
        option.click()

    def select(self, block: str, value: str) -> None:
        from selenium.webdriver.support.ui import Select

        element = self.css(f'#r-modal [data-block-id^="{block}"] select')[0]
        Select(element).select_by_value(value)

    def save(self) -> None:
        self.css("#modal-submit")[0].click()

    def close_modal(self) -> None:
        self.css("#modal-close")[0].click()
        self.no_modal()

    def type(self, text: str) -> None:
        """Type in the message box and press Enter."""
        from selenium.webdriver.common.keys import Keys

        self.css("#composer-input")[0].send_keys(text + Keys.ENTER)

    def reset(self) -> None:
        """Back to one blank tab (between tests)."""
        for handle in self.driver.window_handles[1:]:
            self.driver.switch_to.window(handle)
            self.driver.close()
        self.driver.switch_to.window(self.driver.window_handles[0])
        self.driver.get("about:blank")
