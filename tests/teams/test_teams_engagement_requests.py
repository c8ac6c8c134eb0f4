"""Teams: `follow|retweet|like|share <target>` starts a request (§7, §8) that the chief decides."""

from __future__ import annotations

import pytest

pytest.importorskip("microsoft_agents.hosting.aiohttp", reason="pip install -e '.[teams]'")

import json

from adaptive_cards import problems
from teams_client import CHIEF, OPERATOR, STRANGER, TeamsPerson

from bot.models import Engagement, RegisterEntry

MESSAGE = "application/vnd.microsoft.activity.message"


def words(content) -> str:
    return json.dumps(content, ensure_ascii=False)


def form_for(teams, person: TeamsPerson, said: str) -> dict:
    before = len(teams.connector.cards(person.conversation))
    teams.client.say(person, said)
    card = teams.connector.wait_for(lambda: teams.connector.cards(person.conversation)[before:])[0]
    assert problems(card) == []
    return card


def inputs(card: dict) -> dict:
    return {e["id"]: e for e in card["body"] if e.get("id")}


def chief_cards(teams, containing: str) -> list[dict]:
    chats = [conv for conv, p in teams.connector.conversations().items()
             if p["members"][0]["id"] == CHIEF.aad]  # fmt: skip
    return [c for conv in chats for c in teams.connector.cards(conv) if containing in words(c)]


def test_a_follow_request_from_teams_reaches_the_chief_who_decides_it(teams):
    form = form_for(teams, OPERATOR, "follow @wako_npo")
    fields = inputs(form)
    assert fields["engagement_target"]["value"] == "@wako_npo"  # filled in from the command
    assert len(fields["engagement_category"]["choices"]) == 5
    assert "方針 7" in words(form)
    assert "承認済みの相手" in words(form) and "ありません。" in words(form)  # the allow-list

    missing = teams.client.click(OPERATOR, form, "engagement_submit",
                                 engagement_target="@wako_npo")  # fmt: skip
    again = missing["value"]
    assert problems(again) == [] and "相手の種類を選んでください" in words(again)
    assert "公式アカウントであることを確認して" in words(again)
    assert inputs(again)["engagement_target"]["value"] == "@wako_npo"  # what was typed is kept
    bad = teams.client.click(
        OPERATOR,
        form,
        "engagement_submit",
        engagement_target="wako npo",
        engagement_category="civic_group",
        engagement_official="true",
    )
    assert "フォローする相手を" in words(bad["value"])

    values = {"engagement_target": "@wako_npo", "engagement_category": "civic_group",
              "engagement_official": "true"}  # fmt: skip
    sent = teams.client.click(OPERATOR, form, "engagement_submit", **values)
    assert "フォローの決裁依頼 #1" in words(sent["value"]) and problems(sent["value"]) == []
    twice = teams.client.click(OPERATOR, form, "engagement_submit", **values)  # the same form
    assert "#1" in words(twice["value"])
    with teams.services.session_factory() as session:
        (item,) = session.query(Engagement).all()
        assert (item.front_end, item.requester_id, item.kind, item.target, item.category) == (
            "teams", OPERATOR.aad, "follow", "wako_npo", "civic_group")  # fmt: skip

    card = teams.connector.wait_for(lambda: chief_cards(teams, "フォローの決裁依頼 #1"))[0]
    assert problems(card) == []
    assert teams.client.click(OPERATOR, card, "engagement_approve")["type"] == MESSAGE
    decided = teams.client.click(CHIEF, card, "engagement_approve")
    assert "承認しました" in words(decided["value"])
    teams.connector.wait_for(lambda: [c for c in teams.connector.cards(OPERATOR.conversation)
                                      if "課長の決裁に回しました" in words(c)])  # fmt: skip
    with teams.services.session_factory() as session:
        assert session.query(Engagement).one().status in ("approved", "sending", "done")
    allowed = form_for(teams, OPERATOR, "like")["body"]
    title = next(i for i, e in enumerate(allowed) if "承認済みの相手" in words(e))
    (line,) = [e for e in allowed[title + 1 :] if e["type"] != "ActionSet"]  # the allow-list
    assert '"text": "@wako_npo"' in words(line) and "市民活動団体" in words(line)


@pytest.mark.parametrize(("kind", "target", "rule"), [
    ("retweet", "https://x.com/wako_npo/status/1234567890", "方針 7"),
    ("like", "https://x.com/wako_npo/status/1234567890", "方針 7"),
    ("share", "https://www.facebook.com/wako.npo/posts/123", "方針 8"),
])  # fmt: skip
def test_each_kind_has_its_form(teams, kind, target, rule):
    form = form_for(teams, OPERATOR, f"{kind} {target}")
    assert inputs(form)["engagement_target"]["value"] == target and rule in words(form)
    sent = teams.client.click(
        OPERATOR,
        form,
        "engagement_submit",
        engagement_target=target,
        engagement_category="government",
        engagement_official="true",
    )
    assert problems(sent["value"]) == []
    with teams.services.session_factory() as session:
        assert session.query(Engagement).one().kind == kind


def test_someone_not_on_the_roster_is_refused_and_it_is_recorded(teams):
    teams.client.say(STRANGER, "follow @wako_npo")
    refused = teams.connector.wait_for(lambda: teams.connector.sent(STRANGER.conversation))[-1]
    assert "登録されていません" in refused["text"] and not refused.get("attachments")
    form = form_for(teams, OPERATOR, "follow @wako_npo")  # a form someone passed on
    answer = teams.client.click(
        STRANGER,
        form,
        "engagement_submit",
        engagement_target="@wako_npo",
        engagement_category="civic_group",
        engagement_official="true",
    )
    assert answer["type"] == MESSAGE and "登録されていません" in answer["value"]
    with teams.services.session_factory() as session:
        assert session.query(Engagement).count() == 0
        entry = session.query(RegisterEntry).filter_by(action="engagement_refused").one()
        assert (entry.actor, entry.details["attempted"]) == (STRANGER.aad, "request")
