"""Teams cards on plain values: people's text shown exactly, the catalogue's markup converted."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.approval.drafts import DraftInput
from bot.approval.snapshot import DraftSnapshot, PublicationView
from bot.messages import Messages
from handlers.teams import approval_card, chat_cards, form_card
from handlers.teams.text import card_markdown, say

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
TRICKY = "*重要* [ここを押す](https://evil.example) _斜体_ \\ 終わり"


def snapshot(**changes) -> DraftSnapshot:
    values = dict(
        id=7, front_end="teams", author_id="op", status="rejected", revision=1, created_at=NOW,
        content=DraftInput(body=TRICKY, channels=("facebook",)), x_text="", x_weight=0,
        blog_title="", decided_by="chief", decided_at=NOW, reject_reason=TRICKY,
        publications=(), dry_run_channels=(), approvers=("chief",), card_refs=(), taken_at=NOW,
    )  # fmt: skip
    values.update(changes)
    return DraftSnapshot(**values)


def blocks_of(content) -> list[dict]:
    found = []
    for element in content.get("body", []):
        found.append(element)
    return found


def test_peoples_text_is_shown_exactly_and_never_as_markdown():
    msg = Messages("ja")
    for content in (
        approval_card.approval_card(msg, snapshot(), str),
        chat_cards.author_card(msg, snapshot(), "rejected", str),
        approval_card.full_text_card(msg, snapshot()),
    ):
        runs = [i["text"] for b in blocks_of(content) if b["type"] == "RichTextBlock"
                for i in b["inlines"]]  # fmt: skip
        assert any(TRICKY in run for run in runs)
        markdown = [b["text"] for b in blocks_of(content) if b["type"] == "TextBlock"]
        assert not any("evil.example" in t for t in markdown)


def test_catalogue_markup_becomes_card_markdown_but_values_stay_as_given():
    msg = Messages("ja")
    published = PublicationView("x", "published", 1, NOW, False, "https://x.com/a/status/1", None)
    line = say(msg, ("pub.published", {"channel": "x", "url": published.url}))
    assert line == "✅ X（旧 Twitter）: [投稿を見る](https://x.com/a/status/1)"
    failed = say(msg, ("pub.failed", {"channel": "x", "error": "*a* <b|c>"}))
    assert failed == "❌ X（旧 Twitter）: *a* <b|c>"
    assert card_markdown("*太字* と <https://e.jp|リンク>") == "**太字** と [リンク](https://e.jp)"


def test_the_launcher_opens_the_form_in_a_dialog():
    launcher = form_card.launcher(Messages("en"))
    assert launcher["actions"][0]["data"] == {
        "msteams": {"type": "task/fetch"},
        "verb": "open_draft",
    }
    assert "form" in json.dumps(launcher)


def test_every_teams_card_is_valid_adaptive_cards_1_5():
    from adaptive_cards import problems
    from test_hostile_text import teams_cards

    for language in ("ja", "en"):
        for name, content in teams_cards(Messages(language)).items():
            assert problems(content) == [], (language, name)


def test_the_approval_card_shows_each_images_alt_text_as_text_runs():
    from adaptive_cards import problems

    images = (
        {"id": "F1", "name": "a.png", "alt": TRICKY},
        {"id": "F2", "name": "b.png", "alt": "会場の地図"},
    )
    draft = snapshot(
        status="pending", content=DraftInput(body="本文", channels=("x",), images=images)
    )
    for locale, label in (("ja", " の代替テキスト: "), ("en", ", alternative text: ")):
        content = approval_card.approval_card(Messages(locale), draft, str)
        assert problems(content) == []
        runs = [[i["text"] for i in b["inlines"]] for b in blocks_of(content)
                if b["type"] == "RichTextBlock"]  # fmt: skip
        assert [*runs[-1][:1], "2", label, "会場の地図"] == runs[-1]
        assert any(TRICKY in run for run in sum(runs, []))


def test_cards_name_only_buttons_they_have():
    long_draft = snapshot(status="pending", content=DraftInput(body="長い本文。" * 40,
                                                               channels=("facebook",)))  # fmt: skip
    for language in ("ja", "en"):
        msg = Messages(language)
        for content in (chat_cards.status_card(msg, [long_draft]),
                        chat_cards.reminder_card(msg, [long_draft], str)):  # fmt: skip
            shown = json.dumps(content, ensure_ascii=False)
            assert msg("button.full_text") not in shown and "…" in shown
        card = approval_card.approval_card(msg, long_draft, str)
        hint = next(
            b["text"] for b in card["body"] if b.get("text") == msg("teams.card_for_approvers")
        )
        assert (
            msg("button.approve") in hint and msg("button.reject") in hint
        )  # the buttons' own words


def test_action_execute_buttons_sit_in_an_action_set_with_their_fallback():
    from adaptive_cards import problems
    from teams_client import actions_of

    msg = Messages("ja")
    pending = snapshot(status="pending")
    content = approval_card.approval_card(msg, pending, str, for_approver=True)
    assert "actions" not in content  # older Teams clients honour the fallback in an ActionSet
    assert content["body"][-1]["type"] == "ActionSet"
    executes = [a for a in actions_of(content) if a["type"] == "Action.Execute"]
    assert {a["verb"] for a in executes} == {"approve", "reject"}
    assert all(a["fallback"]["type"] == "Action.Submit" for a in executes)
    assert problems(content) == []
    at_card_level = {**content, "actions": content["body"][-1]["actions"]}
    at_card_level["body"] = content["body"][:-1]
    assert any("belongs in an ActionSet" in p for p in problems(at_card_level))
    unknown = {**content, "body": [{"type": "TextBlock", "text": "x", "colour": "red"}]}
    assert any("colour" in p for p in problems(unknown))  # the official schema speaks here
