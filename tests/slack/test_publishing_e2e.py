"""Publishing seen from Slack: the card changes channel by channel, failures can be retried."""

from __future__ import annotations

import json

from conftest import CHIEF, OPERATOR, STRANGER
from drafting import click, draft_values
from fakes.publisher import ControlledPublisher, PermanentError
from sqlalchemy import select

from bot.models import Publication


def text_of(call) -> str:
    blocks = call.params.get("blocks") or call.params.get("view", {}).get("blocks")
    return json.dumps(blocks, ensure_ascii=False) + call.params.get("text", "")


def approved_card(app):
    app.slack.view_submission(OPERATOR, "draft_submit", draft_values(url="https://example.jp/e"))
    card = app.fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == CHIEF)[0]
    click(app, CHIEF, card, "approve")
    return card


def test_card_is_updated_channel_by_channel(app):
    x, blog = ControlledPublisher("x"), ControlledPublisher("blog", delay=30)
    app.runtime.dispatcher.publishers.update(
        {"x": x, "facebook": ControlledPublisher("facebook"), "blog": blog}
    )
    approved_card(app)
    app.fake.wait_for(
        "chat.update",
        where=lambda c: "https://example.jp/x/1" in text_of(c) and "ブログ: 投稿" in text_of(c),
    )
    assert not app.fake.calls("chat.postMessage") or not any(
        "投稿結果" in c.params["text"] for c in app.fake.calls("chat.postMessage")
    )
    blog.release.set()
    results = app.fake.wait_for(
        "chat.postMessage",
        where=lambda c: c.params["channel"] == OPERATOR and "投稿結果" in c.params["text"],
    )[0]
    for url in (
        "https://example.jp/x/1",
        "https://example.jp/facebook/1",
        "https://example.jp/blog/1",
    ):
        assert url in results.params["text"]
    assert len(x.published) == len(blog.published) == 1


def test_failed_channel_is_reported_and_retry_sends_only_it(app):
    x = ControlledPublisher("x")
    facebook = ControlledPublisher(
        "facebook",
        failures=[PermanentError("ページのトークンが無効です。課長に再発行を依頼してください。")],
    )
    app.runtime.dispatcher.publishers.update(
        {"x": x, "facebook": facebook, "blog": ControlledPublisher("blog")}
    )
    approved_card(app)
    dm = app.fake.wait_for(
        "chat.postMessage",
        where=lambda c: c.params["channel"] == OPERATOR and "投稿結果" in c.params["text"],
    )[0]
    assert "❌" in dm.params["text"] and "トークンが無効" in dm.params["text"]
    retry_button = next(
        {**e, "block_id": b.get("block_id")}
        for b in dm.params["blocks"]
        for e in b.get("elements", [])
        if e.get("action_id") == "retry"
    )
    assert retry_button["value"].endswith(":facebook")

    app.slack.block_action(
        STRANGER, "retry", retry_button["value"], block_id=retry_button["block_id"]
    )
    refused = app.fake.wait_for("response_url")[0]
    assert "起案者か課長" in refused.params["text"]

    app.slack.block_action(
        OPERATOR, "retry", retry_button["value"], block_id=retry_button["block_id"]
    )
    app.fake.wait_for(
        "chat.postMessage",
        where=lambda c: (
            c.params["channel"] == OPERATOR
            and "投稿結果" in c.params["text"]
            and "❌" not in c.params["text"]
        ),
    )
    assert len(x.published) == 1 and len(facebook.published) == 1
    with app.services.session_factory() as session:
        assert {p.status for p in session.execute(select(Publication)).scalars()} == {"published"}


def test_app_home_shows_pending_for_the_chief_and_own_drafts(app):
    app.slack.view_submission(OPERATOR, "draft_submit", draft_values(body="ホーム画面のテスト"))
    app.slack.event({"type": "app_home_opened", "user": CHIEF, "tab": "home", "channel": "D1"})
    home = app.fake.wait_for("views.publish", where=lambda c: c.params["user_id"] == CHIEF)[0]
    assert "ホーム画面のテスト" in text_of(home)
    assert '"approve"' in text_of(home)
    app.slack.event({"type": "app_home_opened", "user": OPERATOR, "tab": "home", "channel": "D2"})
    mine = app.fake.wait_for("views.publish", where=lambda c: c.params["user_id"] == OPERATOR)[0]
    assert "決裁待ち" in text_of(mine) and '"approve"' not in text_of(mine)


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\x9a\x9f"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_images_are_shown_on_the_card_and_posted_as_downloaded_from_slack(app):
    x = ControlledPublisher("x")
    app.runtime.dispatcher.publishers["x"] = x
    image = app.fake.add_file(PNG, name="poster.png")
    app.slack.view_submission(
        OPERATOR, "draft_submit", draft_values(channels=("x",), images=[image])
    )
    card = app.fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == CHIEF)[0]
    assert {"type": "image", "slack_file": {"id": image["id"]}, "alt_text": "poster.png"} in [
        {k: b[k] for k in ("type", "slack_file", "alt_text")}
        for b in card.params["blocks"]
        if b["type"] == "image"
    ]
    click(app, CHIEF, card, "approve")
    app.fake.wait_for("chat.postMessage", where=lambda c: "投稿結果" in c.params["text"])
    assert [i.data for i in x.published[0].images] == [PNG]
    download = app.fake.calls("file_download")[0]
    assert download.headers["authorization"] == "Bearer xoxb-test-token"


def test_wrong_image_type_or_size_is_refused_inline(app):
    pdf = app.fake.add_file(b"%PDF-1.4", name="flyer.pdf", mimetype="application/pdf")
    answer = app.slack.view_submission(OPERATOR, "draft_submit", draft_values(images=[pdf])).json()
    assert "flyer.pdf" in answer["errors"]["images"] and "JPEG" in answer["errors"]["images"]
    big = {**app.fake.add_file(PNG, name="huge.png"), "size": 6 * 1024 * 1024}
    answer = app.slack.view_submission(OPERATOR, "draft_submit", draft_values(images=[big])).json()
    assert "5 MB" in answer["errors"]["images"]
