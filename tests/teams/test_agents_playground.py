"""Microsoft's own client: the draft → approve → results flow in the Microsoft 365 Agents Playground.

Two playground pages (npm @microsoft/m365agentsplayground, telemetry off), the operator's and
the chief's, configured from playground/*.m365agentsplayground.yml, driven by headless
Chromium through Selenium against snsbot serving Teams anonymously on loopback. The
playground's connector refuses bodies carrying nulls, so the chief's card and the author's
results arriving prove proactive messages go out clean; the dialog's submit must not end in
"Unable to reach app".

Needs Node (npm), /usr/bin/chromium and /usr/bin/chromedriver; `.ci/run` installs them and
the playground (into SNSBOT_PLAYGROUND_DIR, default ~/.cache/snsbot/agents-playground). Under
CI=true a missing piece fails the test instead of skipping it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from bot.app import assemble
from bot.config import Settings
from bot.models import Draft

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "playground"
VERSION = "0.2.28"
PACKAGE = f"@microsoft/m365agentsplayground@{VERSION}"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
CHIEF_AAD = "00000000-0000-4000-8000-0000000c0001"
OPERATOR_AAD = "00000000-0000-4000-8000-0000000a0002"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--window-size=1400,1000")  # fmt: skip


def missing(why: str):
    if os.environ.get("CI"):
        pytest.fail(f"the Agents Playground test cannot run: {why} (.ci/run installs it)")
    pytest.skip(f"the Agents Playground test needs {why}")


def playground_cli() -> Path:
    """The playground's CLI, installed from npm into the cache folder when not there yet."""
    folder = Path(
        os.environ.get("SNSBOT_PLAYGROUND_DIR")
        or Path.home() / ".cache" / "snsbot" / "agents-playground"
    )
    cli = folder / "node_modules" / "@microsoft" / "m365agentsplayground" / "cli.js"
    if not cli.exists():
        if not shutil.which("npm"):
            missing("Node.js and npm")
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(folder),
                        PACKAGE], check=True, capture_output=True, timeout=600)  # fmt: skip
    return cli


@pytest.fixture
def browser():
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing("selenium (pip install -e '.[dev]')")
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        missing(f"{CHROMIUM} and {CHROMEDRIVER} (Debian's chromium, chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


@pytest.fixture
def playground(tmp_path):
    """snsbot serving Teams on loopback, and the two playground pages pointing at it."""
    from processes import free_port

    from handlers.teams.server import TeamsServer
    from handlers.teams.settings import TeamsSettings

    if not shutil.which("node"):
        missing("Node.js")
    cli = playground_cli()
    ports = {"operator": free_port(), "chief": free_port()}
    teams = TeamsSettings(anonymous=True, chief=CHIEF_AAD, operators=(OPERATOR_AAD,),
                          service_url=f"http://localhost:{ports['chief']}/_connector")  # fmt: skip
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'snsbot.db'}", dry_run=True,
                        reminder_time="off", chief="", operators=())  # fmt: skip
    runtime = assemble(settings, slack=False, teams=teams)
    runtime.dispatcher.poll_seconds = 0.2
    server = TeamsServer(runtime.teams.web_app, port=0).start()
    runtime.dispatcher.start()
    pages, logs = {}, []
    try:
        for who, port in ports.items():
            env = {**os.environ, "M365_AGENTS_PLAYGROUND_CONFIG_PATH":
                   str(CONFIGS / f"{who}.m365agentsplayground.yml"),
                   "M365_AGENTS_PLAYGROUND_LOGFILE": str(tmp_path / f"{who}.log")}  # fmt: skip
            log = open(tmp_path / f"{who}.out", "wb")  # noqa: SIM115
            logs.append(log)
            endpoint = f"http://127.0.0.1:{server.port}/api/messages"
            pages[who] = subprocess.Popen(
                ["node", str(cli), "-e", endpoint, "-c", "msteams", "-p", str(port), "--dt"],
                cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        for who, port in ports.items():
            wait_listening(port, pages[who], tmp_path / f"{who}.out")
        yield runtime, {who: f"http://127.0.0.1:{port}/" for who, port in ports.items()}
    finally:
        for process in pages.values():
            process.terminate()
            process.wait(10)
        for log in logs:
            log.close()
        runtime.dispatcher.stop()
        server.stop()
        runtime.services.engine.dispose()


def wait_listening(port: int, process: subprocess.Popen, output: Path) -> None:
    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the playground stopped: {output.read_text()[-2000:]}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/", timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise AssertionError(f"the playground did not listen on {port}: {output.read_text()[-2000:]}")


# -- the pages, as a person uses them --------------------------------------------------------


def wait_for(driver, find, timeout: float = 60.0, what: str = "the page"):
    """Poll `find(driver)` until it returns something truthy (the playground is slow to draw)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            found = find(driver)
        except Exception:  # an element replaced while read: try again
            found = None
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}: {page_text(driver)[-3000:]}")


def page_text(driver) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.TAG_NAME, "body").text


def buttons(driver, *titles: str) -> list:
    from selenium.webdriver.common.by import By

    return [b for b in driver.find_elements(By.CSS_SELECTOR, "button")
            if b.is_displayed() and b.text.strip() in titles]  # fmt: skip


def open_page(driver, url: str, new_tab: bool = True) -> str:
    if new_tab:
        driver.switch_to.new_window("tab")
    driver.get(url)
    wait_for(driver, lambda d: "Log Panel" in page_text(d) and "Connected." in page_text(d),
             what="the playground to connect")  # fmt: skip
    return driver.current_window_handle


def draft_in_the_dialog(driver, body: str) -> str:
    """The message box's action command (the draft form), filled and submitted; what the
    dialog shows afterwards."""
    from selenium.webdriver.common.by import By

    css = driver.find_element
    css(By.CSS_SELECTOR, "button[aria-label='Trigger Message Extension App']").click()
    wait_for(
        driver,
        lambda d: [
            e
            for e in d.find_elements(By.CSS_SELECTOR, "[role=menuitem]")
            if e.text.strip() == "Action Command"
        ],
        what="the menu",
    )[0].click()
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[role=dialog] input[type=text]"),
             what="the command dialog")[0].send_keys("snsDraft")  # fmt: skip
    css(By.CSS_SELECTOR, "[role=dialog] input[value=adaptiveCard]").click()
    buttons(driver, "Create")[0].click()
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[role=dialog] textarea"),
             what="the draft form")[0].send_keys(body)  # fmt: skip
    no = css(By.CSS_SELECTOR, "[role=dialog] input[type=radio][value=no]")  # §4: not online yet
    driver.execute_script("arguments[0].click();", no)
    css(By.CSS_SELECTOR, "[role=dialog] button[aria-label=Submit]").click()
    time.sleep(3)
    shown = " ".join(d.text for d in driver.find_elements(By.CSS_SELECTOR, "[role=dialog]"))
    for close in driver.find_elements(By.CSS_SELECTOR, "[role=dialog] button[aria-label=Close]"):
        close.click()
    return shown


def card_with(driver, words: str | tuple[str, ...], *titles: str):
    """The last card on the page showing `words` (or one of them: the playground speaks
    English to the bot, so cards can be in either language), once it has one of the buttons
    `titles`."""
    from selenium.webdriver.common.by import By

    alternatives = (words,) if isinstance(words, str) else words

    def find(d):
        cards = [c for c in d.find_elements(By.CSS_SELECTOR, ".ac-adaptiveCard")
                 if any(w in c.text for w in alternatives)]  # fmt: skip
        if not cards:
            return None
        if not titles:
            return cards[-1]
        found = [b for b in cards[-1].find_elements(By.CSS_SELECTOR, "button")
                 if b.text.strip() in titles]  # fmt: skip
        return found[0] if found else None

    return wait_for(driver, find, what=f"a card with {words!r} {titles}")


def test_draft_approve_and_reject_in_the_agents_playground(playground, browser):
    runtime, urls = playground
    chief = open_page(browser, urls["chief"], new_tab=False)  # the chief installs the app first
    wait_for(
        browser, lambda d: "SNS 投稿の決裁ボットへようこそ" in page_text(d), what="the welcome"
    )
    operator = open_page(browser, urls["operator"])

    shown = draft_in_the_dialog(browser, "和光市民まつりのお知らせ。11月3日に開催します。")
    assert "Unable to reach app" not in shown
    with runtime.services.session_factory() as session:
        assert session.get(Draft, 1).status == "pending"  # stored, and the dialog said no error
    card_with(browser, "#1", "Withdraw", "取り下げる")  # the receipt, proactively

    browser.switch_to.window(chief)  # the card arrives with no null in it (the connector's 400)
    card_with(
        browser, ("決裁依頼 #1", "Approval request #1"), "表示を更新", "Refresh"
    ).click()  # no user-specific views here
    card_with(browser, ("決裁依頼 #1", "Approval request #1"), "承認", "Approve").click()
    card_with(browser, ("承認しました", "Approved by"))
    browser.switch_to.window(operator)
    card_with(browser, ("下書き #1 の投稿結果", "Results for draft #1"))  # the author's results

    draft_in_the_dialog(browser, "防災訓練のお知らせ")
    browser.switch_to.window(chief)
    card_with(browser, ("決裁依頼 #2", "Approval request #2"), "表示を更新", "Refresh").click()
    card_with(browser, ("決裁依頼 #2", "Approval request #2"), "差し戻し", "Reject").click()
    from selenium.webdriver.common.by import By

    reason = wait_for(browser, lambda d: [t for t in d.find_elements(By.CSS_SELECTOR, "textarea")
                                          if t.is_displayed()], what="the reason")  # fmt: skip
    reason[-1].send_keys("日付を入れてください")
    card_with(browser, ("決裁依頼 #2", "Approval request #2"), "差し戻す", "Send back").click()
    card_with(
        browser, ("に差し戻しました。理由: 日付を入れてください", "Reason: 日付を入れてください")
    )
    with runtime.services.session_factory() as session:
        assert [d.status for d in session.query(Draft).order_by(Draft.id)] == [
            "approved",
            "rejected",
        ]
        assert session.get(Draft, 2).reject_reason == "日付を入れてください"
    browser.switch_to.window(operator)
    wait_for(browser, lambda d: "日付を入れてください" in page_text(d), what="the rejection")
