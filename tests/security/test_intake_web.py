"""The group intake pages over HTTP, as the open internet reaches them (policy §5(4))."""

from __future__ import annotations

import json

import pytest
import requests
from conftest import OPERATOR
from intake_site import GROUP, PNG, csrf_of, filled, running_site, send
from markupsafe import escape
from sqlalchemy import func, select

from bot.approval import drafts
from bot.intake import links
from bot.intake.limits import RateLimit
from bot.models import GroupRequest
from bot.services import utc_now
from handlers.web.app import CSP, Limits

SCRIPT = '<script>alert("x")</script>'


@pytest.fixture
def site(settings, fake_slack):
    with running_site(settings, fake_slack) as running:
        yield running


@pytest.fixture
def browser():
    with requests.Session() as session:
        yield session


def stored(site) -> int:
    with site.app.services.session_factory() as session:
        return session.execute(select(func.count(GroupRequest.id))).scalar_one()


def test_the_form_is_japanese_by_default_and_safe_to_show(site, browser):
    page = browser.get(site.form_url, timeout=10)
    assert page.status_code == 200 and '<html lang="ja">' in page.text
    assert "SNS 発信の依頼 — 和光こども食堂の会" in page.text
    assert page.headers["Content-Security-Policy"] == CSP and "frame-ancestors 'none'" in CSP
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "<script>" not in page.text  # only the external file, no inline script
    assert 'name="viewport"' in page.text
    cookie = next(c for c in browser.cookies if c.name == "snsbot_intake")
    assert cookie.path == "/intake" and cookie.has_nonstandard_attr("HttpOnly")
    english = browser.get(site.form_url, params={"lang": "en"}, timeout=10)
    assert '<html lang="en">' in english.text and "Request a post" in english.text
    by_header = browser.get(site.form_url, headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="en">' in by_header.text


def test_every_input_has_a_label_and_each_error_is_linked_to_its_field(site, browser):
    page = send(browser, site, filled(body="", contact_name="", url="ftp://x")).text
    for name in ("body", "x_text", "blog_title", "url", "wished_date", "contact_name",
                 "image1", "alt1", "image4", "alt4", "channel-x"):  # fmt: skip
        assert f'<label for="{name}">' in page, name
    for name in ("body", "url", "contact_name"):
        assert f'id="{name}-error"' in page, name
        assert f'aria-describedby="{name}-hint {name}-error"' in page or (
            f'aria-describedby="{name}-error"' in page
        ), name
    assert "原稿案" in page and "<fieldset>" in page and "<legend>" in page
    assert "本文を入力してください。" in page and "担当者のお名前を入力してください。" in page


def test_unknown_replaced_and_expired_links_get_a_plain_404(site, browser):
    old = site.token
    with site.app.services.session_factory.begin() as session:
        new = links.issue(session, GROUP, rotate=True, expires_at=None, actor="cli",
                          now=utc_now()).token  # fmt: skip
    for token in (old, "a" * 43, "../../etc/passwd", "<script>"):
        for path in (links.path(token), links.path(token) + "/status"):
            page = browser.get(f"{site.app.base}{path}", timeout=10)
            assert page.status_code == 404, path
            assert "ページが見つかりません。" in page.text and GROUP not in page.text
    posted = browser.post(f"{site.app.base}{links.path(old)}", data=filled(), timeout=10)
    assert posted.status_code == 404 and stored(site) == 0
    assert browser.get(f"{site.app.base}{links.path(new)}", timeout=10).status_code == 200
    with site.app.services.session_factory.begin() as session:
        links.issue(session, GROUP, rotate=False, expires_at=utc_now(), actor="cli", now=utc_now())
    assert browser.get(f"{site.app.base}{links.path(new)}", timeout=10).status_code == 404


def test_a_form_without_its_anti_forgery_token_is_refused(site, browser):
    refused = send(browser, site, filled(), csrf=False)
    assert refused.status_code == 400 and "有効期限が切れました" in refused.text
    forged = send(browser, site, {**filled(), "csrf_token": "forged"}, csrf=False)
    assert forged.status_code == 400
    other = requests.post(site.form_url, data={**filled(), "csrf_token": csrf_of(
        browser.get(site.form_url).text)}, timeout=10)  # fmt: skip  # another browser's token
    assert other.status_code == 400 and stored(site) == 0


def test_an_oversized_image_is_an_inline_error_and_what_was_typed_stays(site, browser):
    big = PNG + b"\x00" * drafts.IMAGE_MAX_BYTES
    fields = filled(alt1="会場の入口の写真", body="こども食堂のお知らせ（本文はそのまま）")
    page = send(browser, site, fields, files={"image1": ("会場.png", big, "image/png")})
    assert page.status_code == 200
    assert 'id="image1-error"' in page.text and "大きすぎます（5 MB まで）" in page.text
    assert 'aria-describedby="image1-error" aria-invalid="true"' in page.text
    assert "こども食堂のお知らせ（本文はそのまま）</textarea>" in page.text
    assert 'value="会場の入口の写真"' in page.text and stored(site) == 0
    fake = send(browser, site, fields, files={"image2": ("x.png", b"<svg/onload=alert(1)>")})
    assert 'id="image2-error"' in fake.text and "JPEG・PNG・WebP" in fake.text


def test_a_body_beyond_every_limit_is_refused_before_it_is_read(site, browser):
    from handlers.web.app import MAX_BODY

    page = browser.get(site.form_url, timeout=10)
    huge = browser.post(site.form_url, data={"csrf_token": csrf_of(page.text)},
                        files={"image1": ("a.png", b"\x00" * (MAX_BODY + 1))}, timeout=60)  # fmt: skip
    assert huge.status_code == 413 and "大きすぎます" in huge.text


def test_script_in_any_field_is_shown_as_text_everywhere(site, browser):
    fields = filled(body=SCRIPT, x_text=SCRIPT, blog_title=SCRIPT, contact_name=SCRIPT,
                    alt1=SCRIPT, url="https://example.jp/?q=" + SCRIPT)  # fmt: skip
    page = send(browser, site, fields)  # the URL is refused: shown again, escaped
    assert SCRIPT not in page.text and page.text.count(str(escape(SCRIPT))) >= 5
    received = send(browser, site, {**fields, "url": "https://example.jp/kodomo"},
                    files={"image1": ("<b>.png", PNG, "image/png")})  # fmt: skip
    assert received.status_code == 200 and "依頼を受け付けました" in received.text
    status = browser.get(site.form_url + "/status", timeout=10)
    assert SCRIPT not in status.text and str(escape(SCRIPT)) in status.text
    site.app.runtime.dispatcher.wake()
    told = site.app.fake.wait_for(
        "chat.postMessage", where=lambda c: c.params["channel"] == OPERATOR
    )
    shown = json.dumps(told[0].params["blocks"], ensure_ascii=False)
    assert "<script>" not in shown and "&lt;script&gt;" in shown


def test_a_request_gets_a_receipt_the_status_page_and_reaches_the_operators(site, browser):
    answer = send(browser, site, filled(alt1="会場の入口"), allow_redirects=False,
                  files={"image1": ("会場.png", PNG, "image/png")})  # fmt: skip
    assert answer.status_code == 303
    receipt = browser.get(site.app.base + answer.headers["Location"], timeout=10)
    with site.app.services.session_factory() as session:
        reference = session.execute(select(GroupRequest.reference)).scalar_one()
    assert f"受付番号は {reference} です" in receipt.text
    assert answer.headers["Location"].endswith(f"/receipt/{reference}")  # no internal id
    status = browser.get(site.form_url + "/status", timeout=10)
    assert reference in status.text and "受付済み" in status.text
    site.app.runtime.dispatcher.wake()
    told = site.app.fake.wait_for(
        "chat.postMessage", where=lambda c: c.params["channel"] == OPERATOR
    )
    assert reference in told[0].params["text"] and GROUP in told[0].params["text"]


def test_the_live_count_is_the_draft_forms_count(site, browser):
    page = browser.get(site.form_url, timeout=10)
    text = "あ" * 120 + " https://example.jp/a"
    answer = browser.post(site.form_url + "/count", data={"body": text, "url": ""},
                          headers={"X-CSRFToken": csrf_of(page.text)}, timeout=10)  # fmt: skip
    weight = drafts.x_weight(text)
    assert answer.json() == {"text": f"X の文字数: {weight} / 280", "over": False}
    assert browser.post(site.form_url + "/count", data={"body": text}).status_code == 400


def test_sends_are_limited_per_link_and_per_address(settings, fake_slack, browser):
    limits = Limits(RateLimit(2, 3600), RateLimit(100, 3600), RateLimit(1000, 600))
    with running_site(settings, fake_slack, limits) as site:
        assert send(browser, site, filled()).status_code == 200
        assert send(browser, site, filled()).status_code == 200
        third = send(browser, site, filled())
        assert third.status_code == 429 and "しばらく待って" in third.text
        assert stored(site) == 2
    few = Limits(RateLimit(100, 3600), RateLimit(100, 3600), RateLimit(3, 600))
    with running_site(settings, fake_slack, few) as site:
        codes = [browser.get(site.form_url, timeout=10).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]


def test_slack_requests_still_reach_slack_and_health_is_answered(site, browser):
    assert browser.get(site.app.base + "/healthz", timeout=10).text == "ok"
    assert browser.post(site.app.base + "/slack/events", data="{}", timeout=10).status_code == 401


def test_a_failure_shows_a_plain_page_without_detail(site, browser, monkeypatch):
    from bot.intake import status

    def broken(session, group):
        raise RuntimeError("secret detail: table group_requests, row 42")

    monkeypatch.setattr(status, "of_group", broken)
    page = browser.get(site.form_url + "/status", timeout=10)
    assert page.status_code == 500 and "ただいま受け付けできませんでした" in page.text
    assert "secret detail" not in page.text and "Traceback" not in page.text
    assert page.headers["Content-Security-Policy"] == CSP
