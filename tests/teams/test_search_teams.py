"""Teams `search`: Teams-shaped activities against the fake Bot Connector, an Adaptive Card."""

from __future__ import annotations

import pytest

pytest.importorskip("microsoft_agents.hosting.aiohttp", reason="pip install -e '.[teams]'")

import json

from adaptive_cards import problems
from teams_client import CHIEF, OPERATOR, STRANGER

from bot.approval import drafts, workflow
from bot.models import PUBLISHED, Publication
from handlers.teams.ids import FRONT_END

X_URL = "https://x.com/wakokyodo/status/1790000000000000002"


def seed(teams) -> int:
    factory, now = teams.services.session_factory, teams.services.clock()
    with factory.begin() as session:
        draft = workflow.submit(session, author_id=OPERATOR.aad, now=now, front_end=FRONT_END,
                                content=drafts.DraftInput(body="講座 [見せかけ](http://evil.example)",
                                                          channels=("x",)))  # fmt: skip
        draft_id = draft.id
    with factory.begin() as session:  # as the dispatcher records a post
        session.add(Publication(draft_id=draft_id, revision=1, channel="x", status=PUBLISHED,
                                due_at=now, payload={}, url=X_URL, published_at=now,
                                updated_at=now))  # fmt: skip
    return draft_id


def answer_card(teams, person) -> dict:
    """The search's card (the chief's chat may hold the seeded draft's approval card too)."""
    return teams.connector.wait_for(lambda: next(
        c for c in teams.connector.cards(person.conversation)
        if "検索結果" in json.dumps(c, ensure_ascii=False)))  # fmt: skip


def replies(teams, person, count: int) -> list[dict]:
    return teams.connector.wait_for(
        lambda: (
            len(teams.connector.sent(person.conversation)) >= count
            and teams.connector.sent(person.conversation)
        )
    )


def test_search_answers_with_a_card_linking_to_the_post(teams):
    draft_id = seed(teams)
    teams.client.say(CHIEF, "search 講座 state:published")
    card = answer_card(teams, CHIEF)
    assert problems(card) == []
    lines = ["".join(i["text"] for i in b.get("inlines", [])) or b.get("text", "")
             for b in card["body"]]  # fmt: skip
    assert any(line.startswith(f"#{draft_id} 決裁待ち・{OPERATOR.aad}・") for line in lines), lines
    link = {"type": "Action.OpenUrl", "url": X_URL}
    assert any(i.get("selectAction") == link for b in card["body"] for i in b.get("inlines", []))
    excerpt = next(b for b in card["body"] if b["type"] == "RichTextBlock"
                   and "見せかけ" in json.dumps(b, ensure_ascii=False))  # fmt: skip
    assert excerpt["inlines"][0]["type"] == "TextRun"  # people's words never read as markdown


def test_from_a_name_as_teams_shows_it(teams):
    draft_id = seed(teams)
    teams.client.say(OPERATOR, "help")  # the bot learns the operator's Teams name
    replies(teams, OPERATOR, 1)
    teams.client.say(CHIEF, "search from:運用花子")
    card = answer_card(teams, CHIEF)
    teams.client.say(CHIEF, "search from:だれか")
    nobody = teams.connector.wait_for(
        lambda: next(
            a for a in teams.connector.sent(CHIEF.conversation) if "だれか" in (a.get("text") or "")
        )
    )
    lines = ["".join(i["text"] for i in b.get("inlines", [])) for b in card["body"]]
    assert any(line.startswith(f"#{draft_id} 決裁待ち・運用 花子・") for line in lines), lines
    assert "「だれか」という登録者が見つかりません" in nobody["text"]


def test_search_usage_errors_and_refusal(teams):
    teams.client.say(OPERATOR, "search")
    teams.client.say(OPERATOR, "search network:tiktok")
    teams.client.say(STRANGER, "search 講座")
    usage, wrong = replies(teams, OPERATOR, 2)
    (refused,) = replies(teams, STRANGER, 1)
    assert "search 言葉" in usage["text"] and "from:me" in usage["text"]
    assert "network:tiktok" in wrong["text"] and wrong.get("textFormat") == "plain"
    assert "運用者として登録されていません" in refused["text"]
