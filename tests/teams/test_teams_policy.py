"""Teams-shaped activities: the policy's remaining words in Teams (§12 `policy`)."""

from __future__ import annotations

from dataclasses import replace

from teams_app import running_teams, teams_settings
from teams_client import OPERATOR

POLICY_URL = "https://www.city.wako.lg.jp/wakolabo/sns-policy.html"


def test_policy_shows_the_dates_and_where_it_is_published(settings, connector):
    configured = replace(settings, policy_url=POLICY_URL)
    with running_teams(configured, teams_settings(connector), connector) as teams:
        teams.client.say(OPERATOR, "policy")
        (reply,) = teams.connector.wait_for(lambda: teams.connector.sent(OPERATOR.conversation))
    assert "平成29年3月16日決裁、令和元年9月5日改定" in reply["text"]
    assert POLICY_URL in reply["text"]


def test_the_chief_confirms_a_deputys_moderation_decision_in_teams(teams):
    """§11 with §3: a moderation item the deputy decided while the chief was away is listed for
    the chief's review (後閲) on Teams, and 確認しました records it."""
    from datetime import UTC, datetime

    from adaptive_cards import problems
    from teams_client import CHIEF

    from bot.models import ModerationItem, RegisterEntry
    from bot.people import oversight
    from handlers.teams import chat_cards

    deputy, now = "0000de9u-0000-4000-8000-000000000005", datetime(2026, 5, 1, tzinfo=UTC)
    with teams.services.session_factory.begin() as session:
        session.add(ModerationItem(
            network="facebook", remote_id="c1", kind="comment", author="Spam Shop", text="宣伝です",
            url="https://www.facebook.com/c1", posted_at=now, fetched_at=now, status="decided",
            decided_by=deputy, decided_at=now, action="hide", category=5, acting=True,
        ))  # fmt: skip
    with teams.services.session_factory() as session:
        items = oversight.unreviewed(session)
    card = chat_cards.review_card(teams.services.msg, items, lambda user: "代理 次郎")
    assert problems(card) == []
    runs = [r["text"] for r in card["body"][1]["columns"][0]["items"][0]["inlines"]]
    assert "".join(runs).startswith("投稿の判断 #1（Facebook ページ）非表示（代理 次郎、")
    answer = teams.client.click(CHIEF, card, "review_ack")
    assert answer["value"] == teams.services.msg("review.done")
    with teams.services.session_factory() as session:
        assert oversight.unreviewed(session) == []
        entry = session.query(RegisterEntry).filter_by(action="reviewed").one()
    assert (entry.actor, entry.details["item_id"], entry.details["deputy"]) == (
        CHIEF.aad,
        1,
        deputy,
    )
