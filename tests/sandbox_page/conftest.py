"""Fixtures for the sandbox page: the real app with the fake Slack in-process, and Debian's
headless Chromium driving the page as a person would."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.quickstart import LocalSandbox
from bot.settings import load_settings
from tests.sandbox_page.ui import SandboxUI

CHROMIUM_FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run", "--disable-quic", "--window-size=1400,900",
)  # fmt: skip


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[LocalSandbox]:
    """A fresh sandbox (demo data loaded, first scan done) for one test."""
    box = LocalSandbox(load_settings(timezone="UTC"), database=tmp_path / "sandbox.db", page_port=0)
    try:
        box.start()
        yield box
    finally:
        box.stop()
    assert box.fake.problems == [], "calls real Slack would have refused: " + "; ".join(map(str, box.fake.problems))


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.fail("Debian's chromium and chromium-driver are needed: `make test` installs them")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or ""
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.set_page_load_timeout(20)
    yield driver
    driver.quit()


@pytest.fixture
def ui(chromium: Any, sandbox: LocalSandbox) -> Iterator[SandboxUI]:
    page = SandboxUI(chromium, sandbox.url)
    yield page
    page.reset()
