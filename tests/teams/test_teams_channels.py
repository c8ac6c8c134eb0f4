"""Teams team channels: a copy of every approval card, and the moderation inbox (§11)."""

from __future__ import annotations

import pytest

pytest.importorskip("microsoft_agents.hosting.aiohttp", reason="pip install -e '.[teams]'")

import json
from datetime import UTC, datetime

from adaptive_cards import problems
from fakes.bot_connector import SEND
from fakes.recording_inbox import RecordingInbox
from processes import wait_until
from teams_app import running_teams, teams_settings
from teams_client import CHIEF, OPERATOR, STRANGER, TeamsPerson, find_action, verbs

from bot.approval import engagement
from bot.features import moderation_store
from bot.features.engagement_targets import parse
from bot.models import Draft, ModerationItem
from bot.people import roles
from bot.ports import BLOCK, DELETE, HIDE, Item
from handlers.teams.settings import TeamsSettings

APPROVALS = "19:approvals0123456789@thread.tacv2"
INBOX = "19:inbox0123456789@thread.tacv2"
NOW = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)
DEPUTY = TeamsPerson("0000de9u-0000-4000-8000-000000000005", "29:1deputy-mri", "代理 次郎")


def words(content) -> str:
    return json.dumps(content, ensure_ascii=False)


@pytest.fixture
def teams(settings, connector):
    configured = teams_settings(connector, approval_channel=APPROVALS, moderation_channel=INBOX)
    with running_teams(settings, configured, connector) as app:
        yield app


def channel_cards(teams, channel: str, containing: str) -> list[dict]:
    cards = teams.connector.wait_for(lambda: [
        c for c in teams.connector.cards(channel) if containing in words(c)])  # fmt: skip
    for card in cards:
        assert problems(card) == []
    return cards


def test_settings_name_the_channels():
    env = {"SNSBOT_TEAMS_APPROVAL_CHANNEL": f" {APPROVALS} ",
           "SNSBOT_TEAMS_MODERATION_CHANNEL": INBOX}  # fmt: skip
    settings = TeamsSettings.from_env(env)
    assert (settings.approval_channel, settings.moderation_channel) == (APPROVALS, INBOX)
    assert TeamsSettings.from_env({}).approval_channel == ""


def test_every_approval_card_is_copied_to_the_channel_and_kept_up_to_date(teams):
    form = teams.client.open_form(OPERATOR)
    teams.client.submit_form(OPERATOR, form, body="チャンネルにも出るお知らせ",
                             url="https://example.jp/c")  # fmt: skip
    (card,) = channel_cards(teams, APPROVALS, "チャンネルにも出るお知らせ")
    posted = [c for c in teams.connector.calls(SEND) if c.conversation_id == APPROVALS]
    assert posted[0].json["conversation"]["conversationType"] == "channel"
    assert not verbs(card) & {"approve", "reject"}  # the shared view: buttons for approvers only
    mine = teams.client.refresh(CHIEF, card)  # the chief sees the buttons on the channel's copy
    assert {"approve", "reject"} <= verbs(mine)
    assert not verbs(teams.client.refresh(STRANGER, card)) & {"approve", "reject"}
    activity_id = teams.connector.sent(APPROVALS)[0]["id"]
    with teams.services.session_factory.begin() as session:  # the deputy's cards: not copied again
        roles.set_role(session, DEPUTY.aad, "deputy", actor=CHIEF.aad, now=NOW, front_end="teams")
    teams.client.say(CHIEF, "away on")
    teams.connector.wait_for(lambda: [
        c for conv, p in teams.connector.conversations().items()
        if p["members"][0]["id"] == DEPUTY.aad for c in teams.connector.cards(conv)
    ])  # the deputy's card, in the chat the bot opened  # fmt: skip
    decided = teams.client.click(CHIEF, mine, "approve")
    assert "承認しました" in words(decided["value"])
    updated = teams.connector.wait_for(lambda: [
        u for u in teams.connector.updates(APPROVALS, activity_id)
        if "承認しました" in words(u)])  # fmt: skip
    assert updated  # the channel's copy shows the decision, in place
    assert len(teams.connector.sent(APPROVALS)) == 1
    with teams.services.session_factory() as session:
        assert session.get(Draft, 1).status == "approved"

    target, _ = parse("follow", "@wako_npo")
    with teams.services.session_factory.begin() as session:
        engagement.request(session, requester_id=OPERATOR.aad, kind="follow", target=target,
                           category="civic_group", official_confirmed=True, now=NOW,
                           front_end="teams")  # fmt: skip
    teams.services.wake()
    channel_cards(teams, APPROVALS, "フォローの決裁依頼 #1")  # engagement cards too


def test_moderation_items_go_to_the_inbox_channel_and_only_the_chief_decides(teams):
    inbox = RecordingInbox()
    teams.services.inboxes["facebook"] = inbox
    comment = Item("c1", "comment", "あるユーザー", "A1", "ひどいコメント", "https://e.jp/c1", NOW,
                   (HIDE, DELETE, BLOCK))  # fmt: skip
    with teams.services.session_factory.begin() as session:
        moderation_store.store(session, "facebook", [comment], "（不明）", NOW,
                               front_ends=("teams",))  # fmt: skip
    teams.services.wake()
    (card,) = channel_cards(teams, INBOX, "ひどいコメント")
    choices = next(e for e in card["body"] if e["type"] == "Input.ChoiceSet")["choices"]
    assert len(choices) == 15
    for verb in ("moderation_dismiss", "moderation_hide", "moderation_delete", "moderation_block"):
        find_action(card, verb)
    assert not [c for c in teams.connector.created() if c["members"][0]["id"] == CHIEF.aad]
    refused = teams.client.click(OPERATOR, card, "moderation_hide", moderation_category="5")
    assert "判断できるのは課長（不在中は代決者）だけ" in refused["value"]
    hidden = teams.client.click(CHIEF, card, "moderation_hide", moderation_category="5")
    assert "(5) 広告、宣伝" in words(hidden["value"])

    def carried_out():
        with teams.services.session_factory() as session:
            return session.query(ModerationItem).one().status == "decided"

    wait_until(carried_out, 10, "the hide carried out")
    assert inbox.calls == [(HIDE, "c1")]
    activity_id = teams.connector.sent(INBOX)[0]["id"]
    teams.connector.wait_for(lambda: [u for u in teams.connector.updates(INBOX, activity_id)
                                      if "非表示" in words(u)])  # fmt: skip
