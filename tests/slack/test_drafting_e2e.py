"""Drafting over signed HTTP: the slash command's answers and every inline validation error."""

from __future__ import annotations

import json
import time

import pytest
from conftest import CHIEF, OPERATOR, STRANGER
from drafting import click, draft_values
from sqlalchemy import func, select

from bot.models import Draft
from bot.people import groups

FUTURE = int(time.time()) + 3600
PAST = int(time.time()) - 60


def register_group(app, name: str = "和光こども食堂") -> None:
    """A registered group (policy §5(4)): a group request must name one."""
    with app.services.session_factory.begin() as session:
        groups.add(session, name, contact="", site="", actor="cli", now=app.services.clock())


def drafts_stored(app) -> int:
    with app.services.session_factory() as session:
        return session.execute(select(func.count(Draft.id))).scalar_one()


@pytest.mark.parametrize(
    ("fields", "block_id", "words"),
    [
        ({"body": ""}, "body", "本文を入力"),
        ({"channels": ()}, "channels", "投稿先を 1 つ以上"),
        ({"body": "あ" * 141}, "body", "282 / 280"),
        ({"body": "短い本文", "x_text": "い" * 141}, "x_text", "282 / 280"),
        ({"body": "あ" * 129, "url": "https://example.jp/" + "a" * 80}, "body", "282 / 280"),
        ({"source": "hp_update"}, "url", "URL が必要"),
        ({"source": "cross_post"}, "url", "URL が必要"),
        ({"source": "group_request", "url": "https://example.jp/g"}, "group", "登録団体名"),
        ({"url": "ftp://example.jp/file"}, "url", "http:// または https://"),
        ({"url": "javascript:alert(1)"}, "url", "http:// または https://"),
        ({"publish_at": PAST}, "publish_at", "過去"),
        ({"body": "制御\x07文字"}, "body", "制御文字"),
    ],
)
def test_each_invalid_field_is_named_inline_in_japanese(app, fields, block_id, words):
    register_group(app)
    response = app.slack.view_submission(OPERATOR, "draft_submit", draft_values(**fields))
    assert response.status_code == 200
    answer = response.json()
    assert answer["response_action"] == "errors"
    assert words in answer["errors"][block_id]
    assert drafts_stored(app) == 0


@pytest.mark.parametrize(
    "fields",
    [
        {"body": "あ" * 140},
        {"body": "あ" * 128, "url": "https://example.jp/" + "a" * 80},
        {"body": "長い本文" * 200, "x_text": "X 用の短い文", "channels": ("x", "blog")},
        {"body": "Facebook だけなら長くてもよい" * 100, "channels": ("facebook",)},
        {
            "source": "group_request",
            "url": "https://example.jp/g",
            "group": "和光こども食堂",
            "group_date": "2026-11-20",
            "group_draft": "こども食堂からの原稿",
        },
        {"publish_at": FUTURE},
    ],
)
def test_valid_drafts_are_accepted(app, fields):
    register_group(app)
    response = app.slack.view_submission(OPERATOR, "draft_submit", draft_values(**fields))
    assert response.status_code == 200 and response.text == ""
    assert drafts_stored(app) == 1


def test_someone_without_a_role_is_told_who_can_add_them(app):
    response = app.slack.command(STRANGER, "")
    assert response.status_code == 200
    text = response.json()["text"]
    assert "運用者として登録されていません" in text and f"<@{CHIEF}>" in text
    assert not app.fake.calls("views.open")
    submitted = app.slack.view_submission(STRANGER, "draft_submit", draft_values())
    assert "運用者として登録されていません" in submitted.json()["errors"]["body"]
    assert drafts_stored(app) == 0


def test_help_policy_status_and_unknown(app):
    help_text = app.slack.command(OPERATOR, "help").json()["text"]
    assert "/sns draft" in help_text and "課長" in help_text
    assert "回答しません" in app.slack.command(OPERATOR, "policy").json()["text"]
    assert "進行中の下書きはありません" in app.slack.command(OPERATOR, "status").json()["text"]
    app.slack.view_submission(OPERATOR, "draft_submit", draft_values(body="状態表示のテスト"))
    status = app.slack.command(OPERATOR, "status").json()["text"]
    assert "決裁待ち" in status and "状態表示のテスト" in status
    unknown = app.slack.command(OPERATOR, "frobnicate").json()["text"]
    assert "frobnicate" in unknown and "/sns draft" in unknown


def test_a_command_may_contain_the_word_payload(app):
    response = app.slack.command(OPERATOR, "draft new payload of flyers")
    assert response.status_code == 200
    view = app.fake.wait_for("views.open")[0].params["view"]
    body = next(b for b in view["blocks"] if b["block_id"] == "body")
    assert body["element"]["initial_value"] == "new payload of flyers"


def test_long_draft_is_shortened_on_the_card_with_full_text_one_click_away(app):
    body = "長文のお知らせです。" * 900  # 9,000 characters
    app.slack.view_submission(
        OPERATOR, "draft_submit", draft_values(body=body, x_text="短い X 用の文")
    )
    card = app.fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == CHIEF)[0]
    assert card.ok
    assert len(json.dumps(card.params["blocks"], ensure_ascii=False)) < 12000
    assert "全文は「全文を見る」から" in json.dumps(card.params["blocks"], ensure_ascii=False)
    click(app, CHIEF, card, "show_full")
    full = app.fake.wait_for("views.open")[0].params["view"]
    shown = "".join(b["text"]["text"] for b in full["blocks"] if b["type"] == "section")
    assert body in shown


def test_malformed_requests_get_400_and_write_nothing(app):
    for body, content_type in [
        ("payload=%7Bnot-json", "application/x-www-form-urlencoded"),
        ("payload=", "application/x-www-form-urlencoded"),
        ("garbage&&==", "application/x-www-form-urlencoded"),
        ("{not json", "application/json"),
        (
            'payload={"type":"view_submission","view":{"callback_id":"draft_submit"}}',
            "application/x-www-form-urlencoded",
        ),
        ("\udcff".encode("utf-8", "surrogateescape").decode("latin-1"), "text/plain"),
    ]:
        response = app.slack.post(body, content_type=content_type)
        assert response.status_code == 400, body
        assert "Traceback" not in response.text
    unsigned = app.slack.post("command=%2Fsns&user_id=U1", signature="")
    assert unsigned.status_code == 401
    assert drafts_stored(app) == 0


def test_slack_rate_limit_on_the_card_is_retried_not_lost(app):
    app.fake.fail_next("chat.postMessage", times=4, status=429, retry_after=0)
    app.slack.view_submission(OPERATOR, "draft_submit", draft_values())
    cards = app.fake.wait_for(
        "chat.postMessage",
        where=lambda c: c.params["channel"] == CHIEF and c.ok,
        timeout=20,
    )
    assert len(cards) == 1
    assert any(c.status == 429 for c in app.fake.calls("chat.postMessage"))


def test_english_locale(settings, fake_slack):
    from dataclasses import replace

    from conftest import running_app

    fake_slack.default_locale = "en-US"  # an English workspace: each person's Slack is English
    with running_app(replace(settings, locale="en"), fake_slack) as app:
        assert "not registered" in app.slack.command(STRANGER, "").json()["text"]
        errors = app.slack.view_submission(OPERATOR, "draft_submit", draft_values(body="")).json()
        assert errors["errors"]["body"] == "Enter the body."
        app.slack.view_submission(OPERATOR, "draft_submit", draft_values())
        card = app.fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == CHIEF)[
            0
        ]
        assert "Approval request" in card.params["text"]
