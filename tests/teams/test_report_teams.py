"""Teams `report YYYY-MM`: the chief gets the summary and the chart on a card; others are refused."""

from __future__ import annotations

import pytest

pytest.importorskip("microsoft_agents.hosting.aiohttp", reason="pip install -e '.[teams]'")

import base64

from adaptive_cards import problems
from teams_client import CHIEF, OPERATOR
from test_search_teams import replies, seed

from bot.messages import JST
from bot.models import RegisterEntry

PNG = b"\x89PNG\r\n\x1a\n"


def test_the_chief_gets_the_summary_and_the_chart_inline(teams):
    seed(teams)
    month = teams.services.clock().astimezone(JST).strftime("%Y-%m")
    teams.client.say(CHIEF, f"report {month}")
    card = teams.connector.wait_for(lambda: next(  # not the seeded draft's approval card
        c for c in teams.connector.cards(CHIEF.conversation)
        if any(b["type"] == "Image" for b in c["body"])))  # fmt: skip
    assert problems(card) == []
    assert card["body"][0]["text"] == f"SNS 投稿 月次報告 {month}"
    lines = ["".join(i["text"] for i in b.get("inlines", [])) for b in card["body"]]
    assert "- 提出された下書き: 1 件" in lines
    image = next(b for b in card["body"] if b["type"] == "Image")
    assert base64.b64decode(image["url"].removeprefix("data:image/png;base64,")).startswith(PNG)
    assert image["altText"] == f"{month} の週ごとの投稿数（ネットワーク別）"
    assert f"snsbot report --month {month}" in card["body"][-1]["text"]


def test_an_operator_is_refused_and_the_refusal_recorded(teams):
    teams.client.say(OPERATOR, "report 2026-11")
    teams.client.say(CHIEF, "report")
    (refused,) = replies(teams, OPERATOR, 1)
    (usage,) = replies(teams, CHIEF, 1)
    assert "課長（課長の不在中は代決者）だけ" in refused["text"]
    assert "report 2026-11" in usage["text"]
    with teams.services.session_factory() as session:
        (entry,) = session.query(RegisterEntry).filter_by(action="refused").all()
    assert (entry.actor, entry.details["attempted"]) == (OPERATOR.aad, "report")
