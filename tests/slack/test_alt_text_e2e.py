"""Alternative text for images, seen from Slack: asked in the form, checked, shown, published."""

from __future__ import annotations

from conftest import CHIEF, OPERATOR
from drafting import click, draft_values
from fakes.publisher import ControlledPublisher
from slack_sdk.models.blocks import Block

from bot.models import RegisterEntry, Revision

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\x9a\x9f"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
POSTER_ALT = "市民活動フェアのポスター。12月5日 10時から、市民センター 1 階。"
MAP_ALT = "会場の地図。和光市駅南口から徒歩 5 分。"


def submit(app, images, image_alt):
    values = draft_values(channels=("x",), images=images, image_alt=image_alt)
    return app.slack.view_submission(OPERATOR, "draft_submit", values)


def test_the_form_asks_one_alt_text_line_per_image(app):
    app.slack.command(OPERATOR, "")
    [opened] = app.fake.wait_for("views.open")
    blocks = opened.params["view"]["blocks"]
    [alt] = [b for b in blocks if b.get("block_id") == "image_alt"]
    assert alt["element"]["type"] == "plain_text_input" and alt["element"]["multiline"]
    assert "1 行" in alt["hint"]["text"] and "代替テキスト" in alt["label"]["text"]
    ids = [b.get("block_id") for b in blocks]
    assert ids.index("image_alt") == ids.index("images") + 1


def test_missing_or_miscounted_alt_texts_are_refused_inline_in_japanese(app):
    poster, map_ = app.fake.add_file(PNG, name="poster.png"), app.fake.add_file(PNG, name="map.png")
    errors = submit(app, [poster, map_], POSTER_ALT).json()["errors"]
    assert (
        errors["image_alt"]
        == "画像が 2 枚なので、代替テキストも 2 行にしてください（いまは 1 行です）。"
    )
    errors = submit(app, [poster], "").json()["errors"]
    assert "代替テキスト" in errors["image_alt"]
    errors = submit(app, [poster], "あ" * 1001).json()["errors"]
    assert "1000 文字まで" in errors["image_alt"] and "poster.png" in errors["image_alt"]
    errors = submit(app, [], "画像のない説明").json()["errors"]
    assert "0 枚" in errors["image_alt"] and "いまは 1 行" in errors["image_alt"]
    with app.services.session_factory() as session:
        assert session.query(Revision).count() == 0


def test_alt_texts_are_stored_shown_on_the_card_and_handed_to_the_publisher(app):
    x = ControlledPublisher("x")
    app.runtime.dispatcher.publishers["x"] = x
    poster, map_ = app.fake.add_file(PNG, name="poster.png"), app.fake.add_file(PNG, name="map.png")
    answer = submit(app, [poster, map_], f"{POSTER_ALT}\n\n{MAP_ALT}\n")
    assert answer.status_code == 200 and not answer.content.strip()
    card = app.fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == CHIEF)[0]
    images = [b for b in card.params["blocks"] if b["type"] == "image"]
    assert [(b["alt_text"], b["title"]["text"]) for b in images] == [
        (POSTER_ALT, POSTER_ALT),
        (MAP_ALT, MAP_ALT),
    ]
    for block in images:
        assert Block.parse(block).to_dict() == block  # valid Block Kit
    with app.services.session_factory() as session:
        [revision] = session.query(Revision).all()
        assert [i["alt"] for i in revision.images] == [POSTER_ALT, MAP_ALT]
        entry = session.query(RegisterEntry).filter_by(action="submitted").one()
        assert entry.details["image_alts"] == [POSTER_ALT, MAP_ALT]  # in the register (決裁簿)
    click(app, CHIEF, card, "approve")
    app.fake.wait_for("chat.postMessage", where=lambda c: "投稿結果" in c.params["text"])
    assert [(i.name, i.alt) for i in x.published[0].images] == [
        ("poster.png", POSTER_ALT),
        ("map.png", MAP_ALT),
    ]
