"""People's words are harmless in every Slack and Teams message the bot builds.

Slack reads `<…>` in mrkdwn and in a message's top-level `text` (the notification and the
fallback) as a mention, a broadcast or a link; Teams reads a TextBlock, a Fact and a markdown
message as markdown. Every builder gets hostile words in every field a person fills, and no
such markup from them may reach a place that is read that way. Where Slack shows text as typed
(plain_text) and where Teams does (a TextRun, an input's value), the words are kept as typed.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from conftest import CHIEF, OPERATOR
from drafting import draft_values

from bot.approval import moderation
from bot.approval.deciding import Outcome
from bot.approval.drafts import DraftInput
from bot.approval.engagement import AllowedTarget
from bot.approval.engagement_view import EngagementView
from bot.approval.snapshot import DraftSnapshot, PublicationView
from bot.config import CHANNELS
from bot.features.feed import FeedItem
from bot.features.moderation_store import ItemView
from bot.features.search import Found, Hit, QueryError
from bot.messages import Messages
from bot.people.oversight import ReviewItem, RotationItem
from handlers.slack import (
    cards,
    engagement_blocks,
    feed_blocks,
    modals,
    moderation_blocks,
    search_blocks,
)
from handlers.slack import home_blocks as home
from handlers.slack import moderation as slack_moderation
from handlers.slack import oversight as slack_oversight
from handlers.slack import search as slack_search

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
HOSTILE = "<!channel> <@U123> <http://evil|見せかけ> & *bold* [見せかけ](http://evil.example)"
HOSTILE_URL = "https://example.jp/?a=1&b=<!channel>|見せかけ>"
RAW = ("<!channel>", "<@U123>", "<http://evil", "<!channel>|")  # none may reach mrkdwn raw
ESCAPED = "&lt;!channel&gt; &lt;@U123&gt; &lt;http://evil|見せかけ&gt; &amp; *bold*"


def content(**changes) -> DraftInput:
    values = dict(
        body=HOSTILE + "\n" + HOSTILE, channels=CHANNELS, source="group_request",
        category="civic", x_text=HOSTILE, blog_title=HOSTILE, url="https://example.jp/?a=1&b=2",
        group_name=HOSTILE, group_date=HOSTILE, group_draft=HOSTILE,
    )  # fmt: skip
    values.update(changes)
    return DraftInput(**values)


def publications() -> tuple[PublicationView, ...]:
    later = NOW + timedelta(hours=1)
    return (
        PublicationView("x", "published", 1, NOW, False, HOSTILE_URL, None),
        PublicationView("facebook", "failed", 3, NOW, False, None, HOSTILE),
        PublicationView("blog", "queued", 1, later, False, None, HOSTILE),
    )


def snapshot(**changes) -> DraftSnapshot:
    values = dict(
        id=7, front_end="slack", author_id=OPERATOR, status="pending", revision=2, created_at=NOW,
        content=content(), x_text=HOSTILE, x_weight=100, blog_title=HOSTILE, decided_by=None,
        decided_at=None, reject_reason=None, publications=(), dry_run_channels=("x",),
        approvers=(CHIEF,), card_refs=(), taken_at=NOW,
        previous=content(body="前の本文\n" + HOSTILE + "!"), revised_by=CHIEF,
    )  # fmt: skip
    values.update(changes)
    return DraftSnapshot(**values)


def decided(status: str) -> DraftSnapshot:
    return snapshot(status=status, decided_by=CHIEF, decided_at=NOW, reject_reason=HOSTILE,
                    publications=publications())  # fmt: skip


def snapshots() -> list[DraftSnapshot]:
    return [snapshot(), decided("approved"), decided("rejected"), decided("withdrawn")]


def engagement(**changes) -> EngagementView:
    values = dict(
        id=7, front_end="slack", requester_id=OPERATOR, kind="follow", network="x",
        target=HOSTILE, target_url=HOSTILE_URL, account=HOSTILE, category="civic_group",
        official_confirmed=True, status="pending", created_at=NOW, decided_by=None,
        decided_at=None, attempts=0, due_at=None, result_url=None, dry_run=False, error=None,
        approvers=(CHIEF,), card_refs=(),
    )  # fmt: skip
    values.update(changes)
    return EngagementView(**values)


def engagements() -> list[EngagementView]:
    done = dict(decided_by=CHIEF, decided_at=NOW)
    return [
        engagement(),
        engagement(kind="retweet", target_url="https://x.com/a/status/1"),
        engagement(status="rejected", **done),
        engagement(status="done", result_url=HOSTILE_URL, **done),
        engagement(status="failed", error=HOSTILE, **done),
        engagement(status="approved", error=HOSTILE, due_at=NOW, **done),
    ]


def moderation_items() -> list[ItemView]:
    item = ItemView(
        id=3, network="facebook", kind="comment", author=HOSTILE, text=HOSTILE, url=HOSTILE_URL,
        posted_at=NOW, actions=("dismiss", "hide", "delete"), status="open", decided_by=None,
        decided_at=None, action=None, category=None, card_refs=(),
    )  # fmt: skip
    return [item, replace(item, status="decided", decided_by=CHIEF, decided_at=NOW,
                          action="hide", category=5),
            replace(item, status="acting", decided_by=CHIEF, decided_at=NOW, action="delete",
                    category=2)]  # fmt: skip


def failed_item() -> ItemView:
    """An item whose action the network refused, with the network's words as the reason."""
    return replace(moderation_items()[0], error=HOSTILE, failed_by=CHIEF, failed_action="hide")


# ---------------------------------------------------------------------- Slack


def slack_messages(msg: Messages) -> dict[str, object]:
    """Every Slack message and view the bot builds from people's words, by name."""
    built: dict[str, object] = {}
    for n, draft in enumerate(snapshots()):
        built[f"approval_card {draft.status}"] = cards.approval_card(msg, draft)
        built[f"superseded {n}"] = cards.superseded_card(msg, draft, 1)
        for kind in ("submitted", "rejected", "edited", "expired", "cancelled", "results"):
            built[f"author {kind} {draft.status}"] = cards.author_message(msg, draft, kind)
        built[f"approvers {n}"] = cards.approver_message(msg, draft, "expired")
        built[f"status {n}"] = home.status_line(msg, draft)
        built[f"full text {n}"] = modals.full_text_modal(msg, draft)
    built["reminder"] = cards.reminder_message(msg, snapshots())
    built["draft modal"] = modals.draft_modal(msg, offered=CHANNELS, dry_run=("x",),
                                              initial=content(), groups=(HOSTILE,))  # fmt: skip
    built["draft modal, no groups"] = modals.draft_modal(msg, offered=CHANNELS, dry_run=(),
                                                         initial=content())  # fmt: skip
    built["reject modal"] = modals.reject_modal(msg, 7, "{}")
    for item in moderation_items():
        built[f"moderation {item.status}"] = moderation_blocks.moderation_card(msg, item)
    for item in engagements():
        name = f"{item.kind} {item.status}"
        built[f"engagement card {name}"] = engagement_blocks.engagement_card(msg, item, ("x",))
        for kind in ("requested", "result"):
            built[f"engagement dm {kind} {name}"] = engagement_blocks.requester_message(
                msg, item, kind
            )
    allowed = [AllowedTarget("x", HOSTILE, HOSTILE_URL, "civic_group", ("follow",), NOW, CHIEF)]
    built["allow list"] = engagement_blocks.allow_list_blocks(msg, allowed)
    built["engagement modal"] = engagement_blocks.engagement_modal(msg, "follow", HOSTILE, True)
    built["feed"] = feed_blocks.feed_announcement(msg, FeedItem(4, HOSTILE, HOSTILE_URL, NOW))
    sections = [home.Section(name, snapshots()) for name in
                (home.PENDING_LIST, home.SCHEDULED_LIST, home.FAILED_LIST, home.MINE_LIST)]  # fmt: skip
    built["home"] = home.home_view(msg, home.Home(
        is_chief=True, sections=sections, latest=[("x", HOSTILE_URL, 7)],
        groups=[(HOSTILE, HOSTILE, HOSTILE)], allowed=allowed,
    ))  # fmt: skip
    built["moderation failed"] = moderation_blocks.failure_text(msg, failed_item())
    built["moderation decided"] = slack_moderation.outcome_text(
        msg, Outcome(moderation.ALREADY_DECIDED, item=moderation_items()[1]), "hide"
    )
    built["review"] = slack_oversight.review_message(
        msg, [ReviewItem(1, 7, "approved", CHIEF, NOW)]
    )
    built["rotation"] = slack_oversight.rotation_message(msg, [RotationItem(1, "x", HOSTILE, NOW)])
    built["search"] = search_blocks.search_blocks(msg, found_drafts())
    wrong = QueryError("search.error.network", value=HOSTILE, allowed="x")
    built["search error"] = slack_search.error_text(msg, wrong)
    return built


def found_drafts() -> Found:
    """Search results holding people's words, a hostile author id and a platform's odd URL."""
    hit = Hit(7, 2, HOSTILE, NOW, "approved", HOSTILE, CHANNELS,
              links=(("x", HOSTILE_URL),), failed=("blog",))  # fmt: skip
    return Found([hit], more=True)


PARTS = (
    "text",
    "fields",
    "elements",
    "blocks",
    "accessory",
    "label",
    "hint",
    "placeholder",
    "title",
    "submit",
    "close",
    "options",
    "confirm",
    "deny",
    "element",
    "initial_option",
)


def slack_texts(built, found: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """The texts of a message, by how Slack reads them: `mrkdwn` (a message's top-level
    `text` is read so too) or `plain_text`."""
    found = found if found is not None else {"mrkdwn": [], "plain_text": []}
    if isinstance(built, str):
        found["mrkdwn"].append(built)
    elif isinstance(built, tuple | list):
        for part in built:
            slack_texts(part, found)
    elif isinstance(built, dict):
        kind = built.get("type")
        if kind in ("mrkdwn", "plain_text") and isinstance(built.get("text"), str):
            found[kind].append(built["text"])
        for key, value in built.items():
            own_text = key == "text" and kind in ("mrkdwn", "plain_text")
            if not own_text and (key in PARTS or isinstance(value, list)):
                slack_texts(value, found)
    return found


@pytest.mark.parametrize("language", ["ja", "en"])
def test_no_slack_text_read_as_mrkdwn_carries_peoples_markup(language):
    msg = Messages(language)
    for name, built in slack_messages(msg).items():
        texts = slack_texts(built)
        for text in texts["mrkdwn"]:
            assert not any(raw in text for raw in RAW), (name, text)
            assert "&amp;lt;" not in text and "&amp;amp;" not in text, (name, text)  # once only
        for text in texts["plain_text"]:
            assert "&lt;" not in text and "&amp;" not in text, (name, text)  # shown as typed


def test_the_top_level_text_of_every_card_shows_the_words_escaped():
    msg = Messages("ja")
    fallback, _ = cards.approval_card(msg, snapshot(content=content(body=HOSTILE)))
    assert fallback == f"決裁依頼 #7: {ESCAPED} [見せかけ](http://evil.example)"
    fallback, _ = moderation_blocks.moderation_card(msg, moderation_items()[0])
    assert ESCAPED in fallback
    fallback, _ = engagement_blocks.engagement_card(msg, engagement())
    assert ESCAPED in fallback
    text, _ = feed_blocks.feed_announcement(msg, FeedItem(4, HOSTILE, HOSTILE_URL, NOW))
    assert ESCAPED in text and "&lt;!channel&gt;|見せかけ&gt;" in text


def test_a_link_from_a_platform_cannot_end_its_slack_link_early():
    msg = Messages("ja")
    _, blocks = cards.author_message(msg, decided("approved"), "results")
    line = json.dumps(blocks, ensure_ascii=False)
    assert "<https://example.jp/?a=1&amp;b=&lt;!channel&gt;%7C見せかけ&gt;|投稿を見る>" in line


# ---------------------------------------------------------------------- Teams

NAME = "[見せかけ](http://evil.example) <at>全員</at> **太字**"  # a Teams display name


def teams_cards(msg: Messages) -> dict[str, dict]:
    """Every Teams card the bot builds from people's words, by name."""
    from handlers.teams import approval_card, chat_cards, form_card, report_card, search_card

    name_of = lambda user_id: NAME  # noqa: E731
    built: dict[str, dict] = {}
    for n, draft in enumerate(snapshots()):
        draft = replace(
            draft, content=replace(draft.content, body=HOSTILE + NAME), front_end="teams"
        )
        built[f"approval {n}"] = approval_card.approval_card(msg, draft, name_of)
        built[f"approval for approver {n}"] = approval_card.approval_card(
            msg, draft, name_of, for_approver=True
        )
        built[f"with error {n}"] = approval_card.with_error(built[f"approval {n}"], HOSTILE + NAME)
        built[f"superseded {n}"] = approval_card.superseded_card(msg, draft, 1)
        built[f"full text {n}"] = approval_card.full_text_card(msg, draft)
        for kind in ("submitted", "rejected", "edited", "expired", "cancelled", "results"):
            built[f"author {kind} {n}"] = chat_cards.author_card(msg, draft, kind, name_of)
        built[f"approvers {n}"] = chat_cards.approver_card(msg, draft, "expired", name_of)
        built[f"status {n}"] = chat_cards.status_card(msg, [draft])
    own = snapshot(front_end="teams", author_id=CHIEF, author_excluded=True, deciders=("UDEPUTY1",))
    built["approval own request"] = approval_card.approval_card(msg, own, name_of)  # names decider
    built["reminder"] = chat_cards.reminder_card(msg, snapshots(), name_of)
    built["search"] = search_card.search_card(msg, found_drafts(), name_of)
    built["report"] = report_card.report_card(msg, "2026-11", "# 報告\n- " + HOSTILE + NAME,
                                              b"\x89PNG")  # fmt: skip
    built["review"] = chat_cards.review_card(msg, [ReviewItem(1, 7, "approved", CHIEF, NOW)],
                                             name_of)  # fmt: skip
    built["rotation"] = chat_cards.rotation_card(msg, [RotationItem(1, "x", HOSTILE + NAME, NOW)])
    errors = {"body": "本文が長すぎます", "url": "URL"}
    built["form"] = form_card.draft_form(msg, initial=content(), groups=(HOSTILE,), errors=errors)
    built.update(teams_request_cards(msg, name_of))
    return built


def teams_request_cards(msg: Messages, name_of) -> dict[str, dict]:
    """The Teams cards of engagement requests, moderation items and HP updates."""
    from handlers.teams import engagement_card, feed_card, moderation_card

    built: dict[str, dict] = {}
    for item in engagements():
        item = replace(item, front_end="teams", acting=True, requester_excluded=True,
                       deciders=(CHIEF,))  # fmt: skip
        name = f"{item.kind} {item.status}"
        built[f"engagement card {name}"] = engagement_card.engagement_card(
            msg, item, name_of, ("x",)
        )
        built[f"engagement problem {name}"] = engagement_card.with_problem(
            built[f"engagement card {name}"], HOSTILE + NAME
        )
        for kind in ("requested", "result"):
            built[f"engagement dm {kind} {name}"] = engagement_card.requester_card(
                msg, item, kind, name_of
            )
    for item in moderation_items():
        built[f"moderation {item.status}"] = moderation_card.moderation_card(msg, item, name_of)
    built["moderation failed"] = moderation_card.failure_card(msg, failed_item())
    built["feed"] = feed_card.feed_card(msg, FeedItem(4, HOSTILE + NAME, HOSTILE_URL, NOW))
    return built


def markdown_texts(card, found: list[str] | None = None) -> list[str]:
    """What a Teams client reads as markdown: TextBlocks, Facts, and titles."""
    found = found if found is not None else []
    if isinstance(card, list):
        for part in card:
            markdown_texts(part, found)
    elif isinstance(card, dict):
        if card.get("type") == "TextBlock":
            found.append(card.get("text", ""))
        if card.get("type") == "FactSet":
            found += [f"{f['title']} {f['value']}" for f in card.get("facts", [])]
        for key, value in card.items():
            if key not in ("inlines", "value", "data", "choices"):
                markdown_texts(value, found)
    return found


def text_runs(card) -> list[str]:
    found = []
    if isinstance(card, list):
        for part in card:
            found += text_runs(part)
    elif isinstance(card, dict):
        if card.get("type") == "TextRun":
            found.append(card["text"])
        for value in card.values():
            found += text_runs(value)
    return found


@pytest.mark.parametrize("language", ["ja", "en"])
def test_no_teams_text_read_as_markdown_carries_peoples_words(language):
    pytest.importorskip("microsoft_agents.activity", reason="pip install -e '.[teams]'")
    msg = Messages(language)
    for name, card in teams_cards(msg).items():
        for text in markdown_texts(card):
            assert "見せかけ" not in text and "evil" not in text and "全員" not in text, (
                name,
                text,
            )


def test_teams_shows_peoples_words_and_names_exactly_as_typed():
    pytest.importorskip("microsoft_agents.activity", reason="pip install -e '.[teams]'")
    built = teams_cards(Messages("ja"))
    assert NAME in text_runs(built["approval 0"])  # the author, on the card
    assert any(HOSTILE in run for run in text_runs(built["approval 0"]))  # the blog title
    assert any(HOSTILE in run for run in text_runs(built["author results 1"]))  # an error
    assert any(NAME in run for run in text_runs(built["review"]))
    assert any(HOSTILE + NAME in run for run in text_runs(built["with error 0"]))
    runs = built["author results 1"]["body"][1]["inlines"]
    assert not any(r.get("selectAction") for r in runs)  # a URL with `<|>` is no link: text


def test_teams_request_cards_show_peoples_words_exactly_and_link_only_plain_addresses():
    pytest.importorskip("microsoft_agents.activity", reason="pip install -e '.[teams]'")
    built = teams_cards(Messages("ja"))
    assert "@" + HOSTILE in text_runs(built["engagement card follow pending"])  # the target
    assert NAME in text_runs(built["engagement card follow pending"])  # requester, deciders
    assert any(HOSTILE in run for run in text_runs(built["engagement dm result follow failed"]))
    assert HOSTILE in text_runs(built["moderation open"])  # the author and the text
    assert HOSTILE_URL in text_runs(built["moderation open"])  # not a link: shown as text
    assert any(HOSTILE + NAME in run for run in text_runs(built["feed"]))
    links = json.dumps(built, ensure_ascii=False)
    assert '"url": "https://example.jp/?a=1&b=<!channel>' not in links  # no link with `<|>`


def test_teams_moderation_refusals_name_people_as_plain_text():
    pytest.importorskip("microsoft_agents.activity", reason="pip install -e '.[teams]'")
    from handlers.teams.moderation_card import outcome_text

    msg, decided = Messages("ja"), moderation_items()[1]
    already = outcome_text(
        msg, Outcome(moderation.ALREADY_DECIDED, item=decided), "hide", lambda u: NAME
    )
    assert NAME in already and "<@" not in already
    from handlers.teams.moderation_card import failure_card

    failed = text_runs(failure_card(msg, failed_item()))
    assert failed[-1] == HOSTILE  # a run of its own: the words as they came


def test_a_teams_link_from_the_catalogue_is_a_text_run_that_opens_the_url():
    from handlers.teams.text import rich_say

    url = "https://x.com/a/status/1?a=1&b=2"
    line = rich_say(Messages("ja"), ("pub.published", {"channel": "x", "url": url}))
    link = next(r for r in line["inlines"] if r.get("selectAction"))
    assert link == {"type": "TextRun", "text": "投稿を見る",
                    "selectAction": {"type": "Action.OpenUrl", "url": url}}  # fmt: skip


# ---------------------------------------------------------------------- end to end, signed


def _is_card_for_chief(call) -> bool:
    """The approval card in the chief's DM (the register's daily head line may come first)."""
    blocks = call.params.get("blocks") or "[]"
    blocks = blocks if isinstance(blocks, str) else json.dumps(blocks)
    return call.params["channel"] == CHIEF and '"approve"' in blocks


def test_a_hostile_draft_reaches_the_chief_with_its_notification_text_escaped(app):
    response = app.slack.view_submission(OPERATOR, "draft_submit", draft_values(body=HOSTILE))
    assert response.status_code == 200 and not response.text, response.text
    card = app.fake.wait_for("chat.postMessage", where=lambda c: _is_card_for_chief(c))[0]
    text = card.params["text"]
    assert ESCAPED in text and not any(raw in text for raw in RAW), text
    blocks = json.dumps(card.params["blocks"], ensure_ascii=False)
    assert not any(raw in blocks for raw in RAW)
    assert "&lt;!channel&gt;" in blocks


def test_a_slash_command_echoes_no_markup(app):
    response = app.slack.command(OPERATOR, "<!channel> <http://evil|見せかけ>")
    answer = response.json()["text"]
    assert "&lt;!channel&gt;" in answer and "<!channel>" not in answer
