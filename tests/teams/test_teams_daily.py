"""Teams, end to end: the business-day messages (waiting drafts, rotation, the register's head)
reach the Teams chief as cards through the dispatcher, and 変更済み is handled by the core."""

from __future__ import annotations

import pytest

pytest.importorskip("microsoft_agents.hosting.aiohttp", reason="pip install -e '.[teams]'")

import json
from datetime import UTC, datetime, timedelta
from datetime import time as time_of_day

from adaptive_cards import problems
from teams_client import CHIEF, OPERATOR

from bot.messages import JST
from bot.models import RegisterEntry, RotationTask
from bot.people import roles


def words(content) -> str:
    return json.dumps(content, ensure_ascii=False)


def chief_cards(teams, containing: str) -> list[dict]:
    chats = [conv for conv, p in teams.connector.conversations().items()
             if p["members"][0]["id"] == CHIEF.aad] + [CHIEF.conversation]  # fmt: skip
    return [c for conv in chats for c in teams.connector.cards(conv) if containing in words(c)]


def card_for_chief(teams, containing: str) -> dict:
    (card,) = teams.connector.wait_for(lambda: chief_cards(teams, containing))
    assert problems(card) == []
    return card


def business_day() -> datetime:
    """Now, or the next weekday (Japan time) when today is a weekend: a reminder is due."""
    at = datetime.now(UTC) + timedelta(minutes=1)
    while at.astimezone(JST).weekday() >= 5:
        at += timedelta(days=1)
    return at


def test_the_daily_messages_reach_the_teams_chief_and_rotation_is_marked_done(teams):
    form = teams.client.open_form(OPERATOR)
    teams.client.submit_form(OPERATOR, form, body="待っているお知らせ", url="https://example.jp/w")
    card_for_chief(teams, "待っているお知らせ")
    now = business_day()
    with teams.services.session_factory.begin() as session:
        roles.open_rotation_tasks(session, "運用者の交代", now, actor=CHIEF.aad, front_end="teams")
    daily = teams.runtime.dispatcher.daily
    daily.reminder_at, daily.reminder_after = time_of_day(0, 0), timedelta(0)
    daily.send_due(now, teams.services.dry_run_channels)
    daily.send_due(now, teams.services.dry_run_channels)  # once a day, however often it runs

    reminder = card_for_chief(teams, "決裁を待っている下書きが 1 件あります")
    assert "待っているお知らせ" in words(reminder) and '"text": "運用 花子"' in words(reminder)
    head = card_for_chief(teams, "決裁簿: ")
    assert "snsbot audit verify --expect-head" in words(head)
    rotation = card_for_chief(teams, "パスワードやトークンを変更してください")
    buttons = words(rotation).count('"type": "Action.Execute", "title": "変更済み"')
    assert buttons == 4  # x, facebook, blog, slack: one 変更済み each

    refused = teams.client.click(OPERATOR, rotation, "rotation_done")
    assert refused["value"].startswith("この変更タスクは記録できませんでした")
    answer = teams.client.click(CHIEF, rotation, "rotation_done")
    assert "確認できません" in answer["value"]  # dry run: nothing to check the new credentials on
    again = teams.client.click(CHIEF, rotation, "rotation_done")
    assert again["value"].startswith("この変更タスクは記録できませんでした")
    with teams.services.session_factory() as session:
        (done,) = session.query(RotationTask).filter(RotationTask.done_at.is_not(None)).all()
        assert done.done_by == CHIEF.aad
        actions = [(e.action, e.actor) for e in session.query(RegisterEntry)]
        assert ("rotated", CHIEF.aad) in actions and ("refused", OPERATOR.aad) in actions
