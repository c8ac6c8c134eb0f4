"""Teams: the chief's `away on|off`, 代決 by the deputy, and the 後閲 list with 確認しました."""

from __future__ import annotations

import pytest

pytest.importorskip("microsoft_agents.hosting.aiohttp", reason="pip install -e '.[teams]'")

import json
from datetime import UTC, datetime

from adaptive_cards import problems
from teams_client import CHIEF, OPERATOR, TeamsPerson, find_action, verbs

from bot.models import Decision, Draft, Notice, RegisterEntry
from bot.people import roles

DEPUTY = TeamsPerson("0000de9u-0000-4000-8000-000000000005", "29:1deputy-mri", "代理 次郎")
NOW = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)


def words(content) -> str:
    return json.dumps(content, ensure_ascii=False)


def reply_to(teams, person: TeamsPerson, text: str, containing: str) -> dict:
    """Send `text` in the person's chat; the card the bot answers with (`containing` words)."""
    before = len(teams.connector.cards(person.conversation))
    teams.client.say(person, text)
    card = teams.connector.wait_for(
        lambda: [c for c in teams.connector.cards(person.conversation)[before:]
                 if containing in words(c)]
    )[-1]  # fmt: skip
    assert problems(card) == []
    return card


def approval_card_in(teams, person: TeamsPerson) -> dict:
    return teams.connector.wait_for(
        lambda: [c for c in teams.connector.cards(person.conversation) if "refresh" in c]
    )[-1]


def with_deputy(teams) -> None:
    with teams.services.session_factory.begin() as session:
        roles.set_role(session, DEPUTY.aad, "deputy", actor=CHIEF.aad, now=NOW, front_end="teams")
    teams.client.say(DEPUTY, "help")  # the deputy has the bot's chat, as after installing it
    teams.connector.wait_for(lambda: teams.connector.sent(DEPUTY.conversation))


def submit(teams, body: str) -> None:
    form = teams.client.open_form(OPERATOR)
    teams.client.submit_form(OPERATOR, form, body=body, url="https://example.jp/a")


def test_away_the_deputy_decides_acting_and_the_chief_reviews_on_return(teams):
    with_deputy(teams)
    away = reply_to(teams, CHIEF, "away on", "不在にしました")
    assert "代理 次郎" in words(away)  # who decides meanwhile, by name
    with teams.services.session_factory() as session:
        assert roles.chief_is_away(session, "teams")

    submit(teams, "不在中のお知らせ")
    card = approval_card_in(teams, DEPUTY)  # the card reaches the deputy too
    assert len(card["refresh"]["userIds"]) == 2  # the chief's and the deputy's own views
    mine = teams.client.refresh(DEPUTY, card)
    assert {"approve", "reject"} <= verbs(mine)
    decided = teams.client.click(DEPUTY, mine, "approve")
    assert '"text": "代理 次郎（代決）"' in words(decided["value"])  # 代決 on the card
    with teams.services.session_factory() as session:
        decision = session.query(Decision).one()
        assert (decision.decided_by, decision.acting) == (DEPUTY.aad, True)
        entry = session.query(RegisterEntry).filter_by(action="approved").one()
        assert entry.actor == DEPUTY.aad and entry.details["acting"] is True

    back = reply_to(teams, CHIEF, "away off", "戻りました")
    assert "不在中の代決は 1 件です" in words(back)
    assert '"text": "代理 次郎"' in words(back) and '"text": "承認"' in words(back)
    button = find_action(back, "review_ack")
    refused = teams.client.click(DEPUTY, back, "review_ack")  # only the chief reviews
    assert refused["value"] == "この操作は課長だけが行えます。"
    assert teams.client.click(CHIEF, back, "review_ack")["value"] == "確認を記録しました。"
    assert teams.client.click(CHIEF, back, "review_ack")["value"] == "この決裁は既に確認済みです。"
    assert button["data"] == {"decision": 1}
    with teams.services.session_factory() as session:
        assert not roles.chief_is_away(session, "teams")
        assert session.query(Decision).one().reviewed_at is not None
        actions = [
            (e.action, e.actor) for e in session.query(RegisterEntry).order_by(RegisterEntry.seq)
        ]
        assert ("away_on", CHIEF.aad) in actions and ("away_off", CHIEF.aad) in actions
        assert ("reviewed", CHIEF.aad) in actions
        assert session.get(Draft, 1).status == "approved"
    again = reply_to(teams, CHIEF, "away off", "戻りました")  # nothing left to review
    assert "不在中の代決は 0 件です" in words(again) and "review_ack" not in words(again)


def test_away_is_the_chiefs_alone_and_says_how_to_use_it(teams):
    with_deputy(teams)
    assert "この操作は課長だけが行えます" in words(reply_to(teams, DEPUTY, "away on", "課長だけ"))
    usage = reply_to(teams, CHIEF, "away", "使い方")
    assert "away on" in words(usage) and "/sns" not in words(usage)
    with teams.services.session_factory() as session:
        assert not roles.chief_is_away(session, "teams")


def test_away_without_a_deputy_says_nobody_can_decide(teams):
    answer = reply_to(teams, CHIEF, "away on", "不在にしました")
    assert "代決者が未登録" in words(answer) and "--platform teams" in words(answer)


def test_drafts_already_waiting_reach_the_deputy_when_the_chief_goes_away(teams):
    with_deputy(teams)
    submit(teams, "不在前から待っているお知らせ")
    chiefs = teams.connector.wait_for(
        lambda: [c for conv, p in teams.connector.conversations().items()
                 if p["members"][0]["id"] == CHIEF.aad for c in teams.connector.cards(conv)]
    )  # fmt: skip
    assert len(chiefs) == 1 and teams.connector.cards(DEPUTY.conversation)[1:] == []
    reply_to(teams, CHIEF, "away on", "不在にしました")
    card = approval_card_in(teams, DEPUTY)  # Teams has no App Home: the card comes to the chat
    assert "不在前から待っているお知らせ" in words(card)
    decided = teams.client.click(DEPUTY, teams.client.refresh(DEPUTY, card), "approve")
    assert '"text": "代理 次郎（代決）"' in words(decided["value"])
    deputy_chat = [a for a in teams.connector.sent(DEPUTY.conversation) if "refresh" in words(a)]
    updated = teams.connector.wait_for(lambda: teams.connector.updates(
        DEPUTY.conversation, deputy_chat[-1]["id"]))  # fmt: skip
    assert "承認しました" in words(updated[-1])  # the deputy's card is kept up to date in place
    reply_to(teams, CHIEF, "away on", "不在にしました")  # again: nothing sent twice
    with teams.services.session_factory() as session:
        owed = session.query(Notice).filter_by(kind="deputy_card").all()
        assert [(n.subject_id, n.done) for n in owed] == [(1, True)]
    assert len([c for c in teams.connector.cards(DEPUTY.conversation) if "refresh" in c]) == 1
