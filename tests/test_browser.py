"""A real headless Chromium (Debian's, driven by Selenium + chromedriver) asks a question."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from mixed_docs import write_mixed
from test_app import _launch

from qa.answer import Answerer
from qa.generate import load_generator
from qa.index import build_index
from qa.settings import PROJECT_ROOT, Settings

pytestmark = pytest.mark.slow

SCREENSHOT = PROJECT_ROOT / "eval" / "reports" / "ui-screenshot.png"
UPLOAD_SCREENSHOT = PROJECT_ROOT / "eval" / "reports" / "ui-upload-screenshot.png"
LIBRARY_SCREENSHOT = PROJECT_ROOT / "eval" / "reports" / "ui-library-screenshot.png"
QUEUE_SCREENSHOT = PROJECT_ROOT / "eval" / "reports" / "ui-queue-screenshot.png"


def _driver():
    chromium = shutil.which("chromium")
    driver_path = shutil.which("chromedriver")
    if not (chromium and driver_path):
        pytest.fail("chromium and chromedriver are needed: `make test` installs them")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--window-size=1400,1000"):  # fmt: skip
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(driver_path), options=options)


def test_evidence_comes_first_and_waiting_readers_see_their_place(index, settings) -> None:
    """Two readers ask at once; the model writes one answer at a time. Both see the cited
    evidence before any answer is finished, the second sees its place in the queue, and
    both then get a cited answer."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    answerer = Answerer(index, settings, load_generator(settings, log=lambda _: None))
    answerer.warm()
    demo, url = _launch(answerer)
    readers = [_driver(), _driver()]
    questions = [
        "Who moderated the panel at the 2014 dialogue?",
        "How many Member States intervened in the 2017 dialogue?",
    ]
    evidence, answered, queued = [None, None], [None, None], False
    locked = [False, False]
    try:
        boxes = []
        for driver in readers:
            driver.get(url)
            boxes.append(_wait(lambda d=driver: d.find_element(By.CSS_SELECTOR, "textarea"), 60))
        for box, question in zip(boxes, questions):
            box.send_keys(question)
        t0 = time.monotonic()
        for box in boxes:
            box.send_keys(Keys.ENTER)
        while None in answered and time.monotonic() - t0 < 240:
            for i, driver in enumerate(readers):
                now = time.monotonic() - t0
                if evidence[i] is None and driver.find_elements(By.ID, "qa-evidence"):
                    evidence[i] = now
                final = "div.qa-source:not(.qa-evidence)"
                if answered[i] is None and driver.find_elements(By.CSS_SELECTOR, final):
                    answered[i] = now
                if evidence[i] is not None and answered[i] is None:
                    locked[i] = locked[i] or not boxes[i].is_enabled()
                    if "queue:" in _text(driver):
                        if not queued:
                            driver.save_screenshot(str(QUEUE_SCREENSHOT))
                        queued = True
            time.sleep(0.05)
        assert None not in answered and None not in evidence, (evidence, answered)
        assert max(evidence) < min(answered)  # evidence for both before any answer is done
        assert queued  # the reader behind saw its place in the queue
        assert all(locked)  # no second question while the first waits for its answer
        _wait(lambda: all(box.is_enabled() for box in boxes) or _no("unlocked"), 30)
        bodies = [_text(driver) for driver in readers]
        assert "Dieng" in bodies[0] and "73" in bodies[1]
        for driver in readers:
            source = driver.find_element(By.CSS_SELECTOR, "div.qa-source:not(.qa-evidence)")
            assert "[1]" in source.text and "“" in source.text  # a numbered quote
        readers[0].save_screenshot(str(SCREENSHOT))
    finally:
        for driver in readers:
            driver.quit()
        demo.close()


def _no(what: str) -> bool:
    raise LookupError(what)


def _text(driver) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.TAG_NAME, "body").text


def test_uploaded_pdf_is_searchable_and_cited_with_its_page(tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    corpus = write_mixed(tmp_path / "corpus")
    upload = tmp_path / "upload" / "Pump Manual (v3).pdf"
    upload.parent.mkdir()
    (corpus / "manual.pdf").rename(upload)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    index = build_index(settings, log=lambda _: None, progress=False)
    assert "manual" not in {d.id for d in index.documents.values()}
    answerer = Answerer(index, settings, load_generator(settings, log=lambda _: None))
    demo, url = _launch(answerer)
    driver = _driver()
    try:
        driver.get(url)
        tab = _wait(lambda: driver.find_element(By.XPATH, "//button[@role='tab'][.='Library']"), 60)
        driver.execute_script("arguments[0].click();", tab)
        field = _wait(
            lambda: driver.find_element(By.CSS_SELECTOR, "#qa-upload input[type=file]"), 30
        )
        field.send_keys(str(upload))
        _wait(lambda: _has(driver, "#qa-status textarea", "searchable now"), 180)
        status = driver.find_element(By.CSS_SELECTOR, "#qa-status textarea")
        assert "Pump Manual (v3).pdf" in status.get_attribute("value")
        assert (corpus / "Pump_Manual_v3.pdf").is_file()  # stored under a safe name
        body = driver.find_element(By.TAG_NAME, "body").text
        assert "Pump_Manual_v3.pdf" in body  # listed in the library table
        assert "PDF document" in body  # the heading's note now counts the new kind
        driver.save_screenshot(str(LIBRARY_SCREENSHOT))
        chat = driver.find_element(By.XPATH, "//button[@role='tab'][.='Chat']")
        driver.execute_script("arguments[0].click();", chat)
        box = _wait(lambda: driver.find_element(By.CSS_SELECTOR, "textarea"), 30)
        box.send_keys("How often is the backup generator tested?")
        box.send_keys(Keys.ENTER)
        final = "div.qa-source:not(.qa-evidence)"  # a citation card, not the evidence
        source = _wait(lambda: driver.find_element(By.CSS_SELECTOR, final), 180)
        assert "p. 2" in source.text  # the citation names the PDF's page
        assert "fourteen days" in driver.find_element(By.TAG_NAME, "body").text
        driver.save_screenshot(str(UPLOAD_SCREENSHOT))
    finally:
        driver.quit()
        demo.close()


def _has(driver, css: str, words: str) -> bool:
    from selenium.webdriver.common.by import By

    if words not in (driver.find_element(By.CSS_SELECTOR, css).get_attribute("value") or ""):
        raise LookupError(words)
    return True


def _wait(find, seconds: float):
    deadline = time.monotonic() + seconds
    while True:
        try:
            return find()
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
