"""Each person is spoken to in their own Slack language, in the same run (SNSBOT_LOCALE the default)."""

from __future__ import annotations

from conftest import CHIEF, OPERATOR, OPERATOR2
from drafting import click, draft_values

from bot.people import addresses


def dm_to(app, user_id: str, words: str):
    return app.fake.wait_for(
        "chat.postMessage",
        where=lambda c: c.params["channel"] == user_id and words in c.params.get("text", ""),
    )[-1]


def test_an_english_user_gets_english_and_a_japanese_user_japanese(app):
    app.fake.locales.update({OPERATOR2: "en-US", OPERATOR: "ja-JP", CHIEF: "ja-JP"})
    assert "how to use" in app.slack.command(OPERATOR2, "help").json()["text"]
    assert "使い方" in app.slack.command(OPERATOR, "help").json()["text"]

    app.slack.command(OPERATOR2, "")
    app.slack.command(OPERATOR, "")
    opened = app.fake.wait_for("views.open", count=2)
    assert sorted(c.params["view"]["title"]["text"] for c in opened) == [
        "SNS post draft",
        "SNS投稿の下書き",
    ]

    app.slack.view_submission(OPERATOR2, "draft_submit", draft_values(body="English speaker"))
    receipt = dm_to(app, OPERATOR2, "was sent to the chief for approval")
    assert "課長" not in receipt.params["text"]
    card = dm_to(app, CHIEF, "決裁依頼")  # the chief reads Japanese, whoever wrote the draft
    assert "Approval request" not in str(card.params["blocks"])

    app.slack.view_submission(OPERATOR, "draft_submit", draft_values(body="日本語の人"))
    dm_to(app, OPERATOR, "課長の決裁に回しました")

    asked = app.fake.calls("users.info")
    assert asked and all(c.params.get("include_locale") in (True, "true", "1") for c in asked)
    assert len({c.params["user"] for c in asked}) == len(asked)  # each person asked once (cache)
    with app.services.session_factory() as session:
        assert addresses.address_of(session, "slack", OPERATOR2)["locale"] == "en-US"


def test_a_card_is_updated_in_its_readers_language(app):
    app.fake.locales.update({CHIEF: "en-US", OPERATOR: "ja-JP"})
    app.slack.view_submission(OPERATOR, "draft_submit", draft_values(body="更新の言語"))
    card = dm_to(app, CHIEF, "Approval request")
    click(app, CHIEF, card, "approve")
    updated = app.fake.wait_for(
        "chat.update", where=lambda c: c.params["channel"] == card.response["channel"]
    )[-1]
    assert "Approval request" in str(updated.params["blocks"])
    assert "決裁依頼" not in str(updated.params["blocks"])
    dm_to(app, OPERATOR, "投稿結果")  # the author's results in Japanese


def test_snsbot_locale_speaks_to_people_whose_language_is_unknown(settings, fake_slack):
    from dataclasses import replace

    from conftest import running_app

    fake_slack.locales[OPERATOR2] = "ja-JP"
    fake_slack.fail_next("users.info", status=200, error="user_not_found")  # OPERATOR: unknown
    with running_app(replace(settings, locale="en"), fake_slack) as app:
        assert "how to use" in app.slack.command(OPERATOR, "help").json()["text"]
        assert "使い方" in app.slack.command(OPERATOR2, "help").json()["text"]
