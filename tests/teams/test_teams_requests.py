"""Teams cards for engagement requests, moderation items and HP updates, clicked as Teams does."""

from __future__ import annotations

import pytest

pytest.importorskip("microsoft_agents.hosting.aiohttp", reason="pip install -e '.[teams]'")

import json
from dataclasses import replace
from datetime import UTC, datetime

from adaptive_cards import problems
from fakes.recording_inbox import RecordingInbox
from processes import wait_until
from teams_client import CHIEF, OPERATOR, STRANGER, TeamsPerson, find_action

from bot.approval import engagement
from bot.approval.engagement_view import view
from bot.features import moderation_store
from bot.features.engagement_targets import parse
from bot.features.feed import FeedItem
from bot.models import Draft, Engagement, FeedEntry, ModerationItem, RegisterEntry
from bot.people import roles
from bot.ports import BLOCK, DELETE, HIDE, Item, RetryLater

DEPUTY = TeamsPerson("0000de9u-0000-4000-8000-000000000005", "29:1deputy-mri", "代理 次郎")
NOW = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)
CARD = "application/vnd.microsoft.card.adaptive"
MESSAGE = "application/vnd.microsoft.activity.message"


def chat_of(teams, person: TeamsPerson) -> str | None:
    """The 1:1 chat the bot opened with `person` (by their roster id), if it did."""
    return next((conv for conv, params in teams.connector.conversations().items()
                 if params["members"][0]["id"] == person.aad), None)  # fmt: skip


def card_in(teams, person: TeamsPerson, words: str) -> dict:
    """The last card with `words` in the person's chat (opened by the bot, or by the person)."""

    def found():
        chats = {chat_of(teams, person), person.conversation} - {None}
        cards = [c for conv in chats for c in teams.connector.cards(conv)]
        return [c for c in cards if words in json.dumps(c, ensure_ascii=False)]

    card = teams.connector.wait_for(found)[-1]
    assert problems(card) == []  # valid Adaptive Cards 1.5, as Teams renders them
    return card


def register(teams) -> list[tuple[str, str]]:
    with teams.services.session_factory() as session:
        rows = session.query(RegisterEntry).order_by(RegisterEntry.seq)
        return [(e.action, e.actor) for e in rows]


def text(answer: dict) -> str:
    return json.dumps(answer["value"], ensure_ascii=False)


# -- follows, retweets, likes and shares (policy §7, §8) ---------------------------------------


def requested(teams, requester=OPERATOR) -> int:
    target, _ = parse("follow", "@wako_npo")
    with teams.services.session_factory.begin() as session:
        item = engagement.request(
            session, requester_id=requester.aad, kind="follow", target=target,
            category="civic_group", official_confirmed=True, now=NOW, front_end="teams",
        )  # fmt: skip
        return item.id


def engagement_view(teams, engagement_id: int):
    with teams.services.session_factory() as session:
        return view(session, session.get(Engagement, engagement_id))


def test_an_engagement_card_reaches_the_chief_and_a_click_decides_through_the_core(teams):
    notifier = teams.runtime.teams.notifier
    engagement_id = requested(teams)
    item = engagement_view(teams, engagement_id)
    assert item.approvers == (CHIEF.aad,)
    refs = notifier.post_engagement_card(item)
    card = card_in(teams, CHIEF, "フォローの決裁依頼 #1")
    assert refs == [(chat_of(teams, CHIEF), teams.connector.sent(chat_of(teams, CHIEF))[0]["id"])]
    assert "@wako_npo" in json.dumps(card, ensure_ascii=False)

    for person in (STRANGER, OPERATOR):  # not the chief; the requester never decides their own
        answer = teams.client.click(person, card, "engagement_approve")
        assert answer["type"] == MESSAGE
    assert teams.client.click(STRANGER, card, "engagement_approve")["value"] == (
        "この操作は課長だけが行えます。操作の試みは決裁簿に記録しました。"
    )
    assert ("engagement_refused", STRANGER.aad) in register(teams)
    assert ("engagement_refused", OPERATOR.aad) in register(teams)

    decided = teams.client.click(CHIEF, card, "engagement_approve")
    assert decided["type"] == CARD and problems(decided["value"]) == []
    assert "承認しました" in text(decided) and "engagement_approve" not in text(decided)
    again = teams.client.click(CHIEF, card, "engagement_reject")  # a second click: no change
    assert again["type"] == CARD and "却下" not in text(again)
    assert [a for a, _ in register(teams)].count("engagement_approved") == 1

    def status() -> str:
        with teams.services.session_factory() as session:
            return session.get(Engagement, engagement_id).status

    assert status() in ("approved", "sending", "done")  # the dispatcher performs it once
    wait_until(lambda: status() == "done", 10, "the approved follow performed")

    notifier.update_engagement_card(replace(engagement_view(teams, engagement_id),
                                            card_refs=tuple(refs)))  # fmt: skip
    (update,) = teams.connector.updates(*refs[0])
    assert "承認しました" in json.dumps(update, ensure_ascii=False)
    notifier.tell_requester(engagement_view(teams, engagement_id), "requested")
    card_in(teams, OPERATOR, "課長の決裁に回しました")


def test_while_the_chief_is_away_the_deputy_decides_and_it_is_acting(teams):
    with teams.services.session_factory.begin() as session:
        roles.set_role(session, DEPUTY.aad, "deputy", actor=CHIEF.aad, now=NOW, front_end="teams")
        roles.set_away(session, CHIEF.aad, True, now=NOW, front_end="teams")
    item = engagement_view(teams, requested(teams))
    assert set(item.approvers) == {CHIEF.aad, DEPUTY.aad}
    teams.runtime.teams.notifier.post_engagement_card(item)
    card = card_in(teams, DEPUTY, "フォローの決裁依頼 #1")
    decided = teams.client.click(DEPUTY, card, "engagement_reject")
    assert "（代決）" in text(decided) and "却下しました" in text(decided)
    refused = teams.client.click(CHIEF, card_in(teams, CHIEF, "#1"), "engagement_approve")
    assert refused["type"] == CARD and "既に" in text(refused)  # decided already: who and when
    teams.runtime.teams.notifier.tell_requester(engagement_view(teams, item.id), "result")
    card_in(teams, OPERATOR, "却下されました")
    with teams.services.session_factory() as session:
        entry = session.query(RegisterEntry).filter_by(action="engagement_rejected").one()
        assert entry.actor == DEPUTY.aad and entry.details["acting"] is True


def test_the_chiefs_own_request_goes_to_the_deputy(teams):
    with teams.services.session_factory.begin() as session:
        roles.set_role(session, DEPUTY.aad, "deputy", actor=CHIEF.aad, now=NOW, front_end="teams")
    item = engagement_view(teams, requested(teams, requester=CHIEF))
    assert item.approvers == (DEPUTY.aad,) and item.requester_excluded
    teams.runtime.teams.notifier.post_engagement_card(item)
    card = card_in(teams, DEPUTY, "フォローの決裁依頼 #1")
    assert chat_of(teams, CHIEF) is None  # not to the chief: their own request
    own = teams.client.click(CHIEF, card, "engagement_approve")  # with the deputy's card
    assert own["value"] == (
        "依頼 #1 はあなたが依頼したため、決裁できません（依頼者本人は決裁できません）。"
        "操作の試みは決裁簿に記録しました。"
    )
    approved = teams.client.click(DEPUTY, card, "engagement_approve")
    assert "代理 次郎（代決）" in text(approved)
    with teams.services.session_factory() as session:
        refused = session.query(RegisterEntry).filter_by(action="engagement_refused").one()
        assert refused.details["rule"] == "separation_of_duties"


# -- the moderation inbox (policy §11) ---------------------------------------------------------


def stored_item(teams):
    comment = Item("c1", "comment", "あるユーザー", "A1", "ひどいコメント", "https://e.jp/c1", NOW,
                   (HIDE, DELETE, BLOCK))  # fmt: skip
    with teams.services.session_factory.begin() as session:
        moderation_store.store(session, "facebook", [comment], "（不明）", NOW)
    with teams.services.session_factory() as session:
        return moderation_store.view(session.query(ModerationItem).one())


def test_a_moderation_card_reaches_the_teams_chief_and_a_click_decides_through_the_core(teams):
    inbox = RecordingInbox()
    teams.services.inboxes["facebook"] = inbox
    item = stored_item(teams)
    refs = teams.runtime.teams.notifier.post_item(item)
    card = card_in(teams, CHIEF, "ひどいコメント")
    assert refs == [(chat_of(teams, CHIEF), teams.connector.sent(chat_of(teams, CHIEF))[0]["id"])]
    choices = next(e for e in card["body"] if e["type"] == "Input.ChoiceSet")["choices"]
    assert len(choices) == 15 and choices[4]["title"].startswith("(5) 広告、宣伝")
    for verb in ("moderation_dismiss", "moderation_hide", "moderation_delete", "moderation_block"):
        find_action(card, verb)

    refused = teams.client.click(STRANGER, card, "moderation_hide", moderation_category="5")
    assert refused["value"] == (
        "投稿の削除やブロック（方針 11）を判断できるのは課長（不在中は代決者）だけです。この操作は記録されました。"
    )
    assert ("refused", STRANGER.aad) in register(teams)
    need = teams.client.click(CHIEF, card, "moderation_hide")
    assert need["type"] == MESSAGE and "禁止事項" in need["value"]
    hidden = teams.client.click(CHIEF, card, "moderation_hide", moderation_category="5")
    assert hidden["type"] == CARD and problems(hidden["value"]) == []
    assert "(5) 広告、宣伝" in text(hidden) and "課長 和光" in text(hidden)  # named, not a GUID
    assert "moderation_hide" not in text(hidden)  # decided: no buttons left
    assert "実行中" in text(hidden)  # the dispatcher's action loop calls the network

    def carried_out():
        with teams.services.session_factory() as session:
            return session.query(ModerationItem).one().status == "decided"

    wait_until(carried_out, 10, "the hide carried out")
    again = teams.client.click(CHIEF, card, "moderation_delete", moderation_category="5")
    assert again["type"] == MESSAGE and "判断済み" in again["value"]
    assert inbox.calls == [(HIDE, "c1")]
    assert [a for a, _ in register(teams)].count("moderated") == 1

    with teams.services.session_factory() as session:
        decided = moderation_store.view(session.query(ModerationItem).one())
    teams.runtime.teams.notifier.update_item(replace(decided, card_refs=tuple(refs)))
    (update,) = teams.connector.updates(*refs[0])
    assert "非表示" in json.dumps(update, ensure_ascii=False)


def test_with_no_teams_chief_the_moderation_card_waits(settings, connector):
    from teams_app import running_teams, teams_settings

    with running_teams(settings, teams_settings(connector, chief=""), connector) as teams:
        item = stored_item(teams)
        with pytest.raises(RetryLater):
            teams.runtime.teams.notifier.post_item(item)


# -- the HP feed (policy §5(2)) ----------------------------------------------------------------


def test_an_hp_update_reaches_each_member_and_its_button_opens_the_draft_form(teams):
    with teams.services.session_factory.begin() as session:
        session.add(FeedEntry(entry_key="e1", title="市民活動フェスタ", link="https://hp.example/1",
                              published_at=NOW, seen_at=NOW, state="announced"))  # fmt: skip
        members = tuple(m.user_id for m in roles.members(session, "teams"))
    assert set(members) == {CHIEF.aad, OPERATOR.aad}
    entry = FeedItem(1, "市民活動フェスタ", "https://hp.example/1", NOW)
    teams.runtime.teams.notifier.announce(entry, members)
    card = card_in(teams, OPERATOR, "市民活動フェスタ")
    card_in(teams, CHIEF, "市民活動フェスタ")
    button = next(a for a in card["actions"] if a["data"].get("verb") == "feed_draft")

    stranger = teams.client.invoke(STRANGER, "task/fetch", {"data": button["data"]})
    assert "運用者として登録されていません" in stranger["task"]["value"]
    answer = teams.client.invoke(OPERATOR, "task/fetch", {"data": button["data"]})
    form = answer["task"]["value"]["card"]["content"]
    values = {e["id"]: e.get("value") for e in form["body"] if e.get("id")}
    assert values["body"] == "市民活動フェスタ" and values["url"] == "https://hp.example/1"
    assert values["source"] == "hp_update" and values["channels"] == "x,facebook,blog"
    assert teams.client.submit_form(OPERATOR, form)["task"]["type"] == "message"
    with teams.services.session_factory() as session:
        assert session.query(Draft).one().current.source == "hp_update"
    gone = teams.client.invoke(OPERATOR, "task/fetch", {"data": {**button["data"], "entry": 9}})
    assert gone["task"]["value"] == "この HP の更新情報は見つかりません。"


def test_an_hp_update_that_reached_nobody_is_tried_again(teams):
    from fakes.bot_connector import CREATE

    entry = FeedItem(1, "市民活動フェスタ", "https://hp.example/1", NOW)
    with pytest.raises(RetryLater):
        teams.runtime.teams.notifier.announce(entry, ())
    teams.connector.fail_next(CREATE, 403)
    teams.connector.fail_next(CREATE, 403)
    with pytest.raises(RetryLater):
        teams.runtime.teams.notifier.announce(entry, (CHIEF.aad, OPERATOR.aad))
