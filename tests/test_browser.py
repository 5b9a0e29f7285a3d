"""A real headless Chromium (Debian's, driven by Selenium + chromedriver) asks a question."""

from __future__ import annotations

import shutil
import time

import pytest
from test_app import _launch

from qa.answer import Answerer
from qa.generator import load_generator
from qa.settings import PROJECT_ROOT, Settings

pytestmark = pytest.mark.slow

SCREENSHOT = PROJECT_ROOT / "eval" / "reports" / "ui-screenshot.png"


def test_question_in_the_browser_shows_a_cited_answer(index, settings: Settings) -> None:
    chromium = shutil.which("chromium")
    driver_path = shutil.which("chromedriver")
    if not (chromium and driver_path):
        pytest.fail("chromium and chromedriver are needed: `make test` installs them")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    answerer = Answerer(index, settings, load_generator(settings, log=lambda _: None))
    demo, url = _launch(answerer)
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--window-size=1400,1000"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        driver.get(url)
        box = _wait(lambda: driver.find_element(By.CSS_SELECTOR, "textarea"), 60)
        box.send_keys("Who moderated the panel at the 2014 dialogue?")
        box.send_keys(Keys.ENTER)
        source = _wait(lambda: driver.find_element(By.CSS_SELECTOR, ".qa-source"), 120)
        assert "Dieng" in driver.find_element(By.TAG_NAME, "body").text
        assert "[1]" in source.text and "“" in source.text  # numbered citation with its quote
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(SCREENSHOT))
    finally:
        driver.quit()
        demo.close()


def _wait(find, seconds: float):
    deadline = time.monotonic() + seconds
    while True:
        try:
            return find()
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
