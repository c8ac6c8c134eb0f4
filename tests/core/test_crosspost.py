"""Cross-posting (policy §5(3)): the results DM offers the other SNS, pre-filled with the URL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from conftest import CHIEF, OPERATOR, STRANGER
from drafting import card_button, click, draft_values
from fakes.publisher import ControlledPublisher

from bot.approval.drafts import DraftInput, compose_x_text, x_weight
from bot.approval.snapshot import DraftSnapshot, PublicationView
from bot.features import crosspost
from bot.messages import JA, Messages
from bot.models import APPROVED, FAILED, PUBLISHED
from handlers.slack.cards import author_message
from handlers.slack.crosspost import CROSS_POST

NOW = datetime(2026, 5, 20, 3, 0, tzinfo=UTC)
MSG = Messages("ja")


def published(channel, url="", dry_run=False, status=PUBLISHED) -> PublicationView:
    return PublicationView(channel, status, 1, NOW, dry_run, url or None, None)


def results(channels: tuple[str, ...], *pubs: PublicationView) -> DraftSnapshot:
    content = DraftInput(body="市民活動フェアのお知らせ", channels=channels, category="other")
    return DraftSnapshot(
        id=42,
        front_end="slack",
        author_id=OPERATOR,
        status=APPROVED,
        revision=1,
        created_at=NOW,
        content=content,
        x_text=compose_x_text(content),
        x_weight=x_weight(compose_x_text(content)),
        blog_title="",
        decided_by=CHIEF,
        decided_at=NOW,
        reject_reason=None,
        publications=pubs,
        dry_run_channels=(),
        approvers=(CHIEF,),
        card_refs=(),
        taken_at=NOW,
    )


def cross_post_buttons(draft: DraftSnapshot) -> list[dict]:
    _, blocks = author_message(MSG, draft, "results")
    return [e for b in blocks for e in b.get("elements", []) if e.get("action_id") == CROSS_POST]


def test_offer_is_the_first_live_url_for_the_unused_channels_only():
    draft = results(
        ("x", "facebook"),
        published("x", dry_run=True),
        published("facebook", "https://facebook.com/p/1"),
    )
    offer = crosspost.offer(draft)
    assert offer.url == "https://facebook.com/p/1" and offer.channels == ("blog",)
    assert offer.source == "cross_post" and offer.category == "other"
    assert offer.body == "市民活動フェアのお知らせ"
    [button] = cross_post_buttons(draft)
    assert button["value"] == "42" and button["text"]["text"] == "他のSNSにも投稿"


@pytest.mark.parametrize(
    "draft",
    [
        results(("x",), published("x", dry_run=True)),  # dry run only
        results(("x",), published("x", status=FAILED)),  # nothing went live
        results(("x", "facebook", "blog"), published("x", "https://x.com/s/1")),  # all used
    ],
    ids=["dry-run", "failed", "every-channel-used"],
)
def test_no_offer_without_a_live_post_or_an_unused_channel(draft):
    assert crosspost.offer(draft) is None
    assert cross_post_buttons(draft) == []


def test_only_the_results_dm_offers_it():
    draft = results(("x",), published("x", "https://x.com/s/1"))
    for kind in ("submitted", "rejected", "edited", "expired", "cancelled"):
        _, blocks = author_message(MSG, draft, kind)
        assert CROSS_POST not in str(blocks)


def test_cross_post_end_to_end_from_the_results_dm(app):
    app.runtime.dispatcher.publishers["x"] = ControlledPublisher("x")
    values = draft_values(channels=("x",), url="https://example.jp/event")
    app.slack.view_submission(OPERATOR, "draft_submit", values)
    card = app.fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == CHIEF)[0]
    click(app, CHIEF, card, "approve")
    dm = app.fake.wait_for(
        "chat.postMessage",
        where=lambda c: c.params["channel"] == OPERATOR and "投稿結果" in c.params["text"],
    )[0]
    button = card_button(dm, CROSS_POST)
    assert button["text"]["text"] == "他のSNSにも投稿"

    app.slack.block_action(STRANGER, CROSS_POST, button["value"], block_id=button["block_id"])
    refused = app.fake.wait_for("response_url")[0]
    assert "運用者として登録されていません" in refused.params["text"]
    assert not app.fake.calls("views.open")

    app.slack.block_action(OPERATOR, CROSS_POST, button["value"], block_id=button["block_id"])
    form = {b["block_id"]: b for b in app.fake.wait_for("views.open")[0].params["view"]["blocks"]}
    assert form["url"]["element"]["initial_value"] == "https://example.jp/x/1"
    assert form["source"]["element"]["initial_option"]["value"] == "cross_post"
    checked = [o["value"] for o in form["channels"]["element"]["initial_options"]]
    assert checked == ["facebook", "blog"]
    assert form["body"]["element"]["initial_value"] == "市民活動フェアを 12 月 5 日に開催します。"

    again = draft_values(
        channels=("facebook", "blog"), source="cross_post", url="https://example.jp/x/1"
    )
    response = app.slack.view_submission(OPERATOR, "draft_submit", again)
    assert response.status_code == 200 and response.text == ""
    second = app.fake.wait_for(
        "chat.postMessage",
        count=2,
        where=lambda c: c.params["channel"] == CHIEF and "決裁依頼" in c.params["text"],
    )[1]
    assert JA["source.cross_post"] in str(second.params["blocks"])
