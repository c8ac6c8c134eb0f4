"""The intake form in a real browser (headless Chromium): a registered group sends a request,
sees the receipt and its status, and the operators are told in Slack (policy §5(4))."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import OPERATOR
from intake_site import GROUP, PNG, running_site

from bot.approval.drafts import x_weight

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "intake"  # screenshots, for people to look at (git-ignored)
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1280,2600", "--lang=ja",
)  # fmt: skip
BODY = "和光こども食堂の会です。5 月 10 日（土）に市民活動センターでこども食堂を開きます。"
TOO_LONG = "こども食堂のお知らせです。" * 12  # 156 CJK characters: 312 by X's count


def _browser_or_skip():
    """Selenium driving Debian's chromium; under CI a missing browser is a failure, not a skip."""
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.path.exists(p)]
    try:
        from selenium import webdriver
    except ImportError:
        missing.append("selenium (pip install -e '.[dev]')")
        webdriver = None
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"the browser test needs {missing}: .ci/run installs them")
        pytest.skip(f"the browser test needs {missing}")
    return webdriver


@pytest.fixture
def browser(tmp_path):
    webdriver = _browser_or_skip()
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    options.add_experimental_option("prefs", {"intl.accept_languages": "ja,en"})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def site(settings, fake_slack):
    with running_site(settings, fake_slack) as running:
        yield running


def shot(driver, name: str) -> Path:
    """A screenshot of the whole page into test-artifacts/intake/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    width = driver.execute_script("return window.innerWidth")
    driver.set_window_size(max(width, 390), max(height + 120, 800))
    path = ARTIFACTS / f"{name}.png"
    assert driver.save_screenshot(str(path))
    return path


def test_a_group_sends_a_request_in_a_real_browser(site, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def wait(condition, seconds=15):
        return WebDriverWait(browser, seconds).until(condition)

    def field(name):
        return browser.find_element(By.ID, name)

    image = tmp_path / "会場の写真.png"
    image.write_bytes(PNG)
    browser.get(site.form_url)
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ja"
    assert GROUP in browser.title

    field("body").send_keys(BODY)
    field("x_text").send_keys(TOO_LONG)
    wait(lambda _: "超過" in field("x-count").text)  # the live count, from the server's own code
    weight = x_weight(TOO_LONG)  # the URL is typed later
    assert field("x-count").text == f"X の文字数: {weight} / 280（{weight - 280} 超過）"
    field("blog_title").send_keys("こども食堂を開きます")
    field("url").send_keys("https://example.jp/kodomo")
    field("image1").send_keys(str(image))
    field("alt1").send_keys("市民活動センターの調理室で、子どもたちが食事をしている写真")
    field("contact_name").send_keys("山田 花子")
    shot(browser, "1-form")
    field("contact_name").submit()

    error = wait(lambda d: d.find_element(By.ID, "x_text-error"))
    assert "上限を超えています" in error.text
    assert field("x_text").get_attribute("aria-invalid") == "true"
    assert "x_text-error" in field("x_text").get_attribute("aria-describedby")
    assert field("body").get_attribute("value") == BODY  # what was typed is kept
    assert field("alt1").get_attribute("value").startswith("市民活動センターの調理室")
    assert "もう一度選んでください" in field("summary").text
    assert browser.switch_to.active_element == field("summary")  # focus moves to the problems
    shot(browser, "2-form-with-error")

    field("x_text").clear()
    field("x_text").send_keys("5/10 こども食堂を開きます")
    field("image1").send_keys(str(image))
    field("contact_name").submit()
    wait(lambda d: "依頼を受け付けました" in d.find_element(By.TAG_NAME, "h1").text)
    receipt = browser.find_element(By.CLASS_NAME, "reference").text
    assert receipt.startswith("受付番号は G-")
    reference = receipt.split("受付番号は ")[1].split(" ")[0]
    shot(browser, "3-receipt")

    site.app.runtime.dispatcher.wake()
    told = site.app.fake.wait_for(
        "chat.postMessage",
        where=lambda c: c.params["channel"] == OPERATOR and reference in c.params["text"],
    )[0]
    assert GROUP in told.params["text"]

    browser.find_element(By.LINK_TEXT, "依頼の状況を見る").click()
    wait(lambda d: reference in d.find_element(By.TAG_NAME, "table").text)
    row = browser.find_element(By.XPATH, f"//tr[th[normalize-space()='{reference}']]")
    assert "受付済み" in row.text and "こども食堂を開きます" in row.text
    shot(browser, "4-status")

    browser.set_window_size(390, 844)  # a phone's width: nothing wider than the screen
    browser.get(site.form_url)
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    wide = browser.execute_script(
        "return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect()"
        ".right > document.documentElement.clientWidth).map(e => e.tagName + '#' + e.id + '.' "
        "+ e.className + ':' + Math.round(e.getBoundingClientRect().right))"
    )
    shot(browser, "5-form-phone")
    assert overflow <= 0, wide
    refused = [e for e in browser.get_log("browser") if "Content Security Policy" in e["message"]]
    assert refused == []  # nothing on the pages breaks their own CSP (no inline script or style)
