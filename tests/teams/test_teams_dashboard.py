"""Teams `home`: the dashboard card (Slack's App Home), its 更新, pages and buttons."""

from __future__ import annotations

import pytest

pytest.importorskip("microsoft_agents.hosting.aiohttp", reason="pip install -e '.[teams]'")

import json

from adaptive_cards import problems
from teams_client import CHIEF, OPERATOR, STRANGER

from bot.models import Draft, Group

TITLE = "SNS 投稿の決裁"


def submit(teams, body: str) -> None:
    form = teams.client.open_form(OPERATOR)
    answer = teams.client.submit_form(OPERATOR, form, body=body, url="https://example.jp/d")
    assert answer["task"]["type"] == "message", answer


def dashboard(teams, person) -> dict:
    """Say `home` and wait for the dashboard card in `person`'s chat."""
    before = len(teams.connector.cards(person.conversation))
    teams.client.say(person, "home")
    return teams.connector.wait_for(
        lambda: [
            c
            for c in teams.connector.cards(person.conversation)[before:]
            if c["body"][0].get("text") == TITLE
        ]  # fmt: skip
    )[0]


def shown(card: dict) -> str:
    return json.dumps(card, ensure_ascii=False)


def buttons(card: dict) -> list[dict]:
    """Every button on the card: its actions, and those of ActionSets anywhere in the body."""
    found = list(card.get("actions", []))

    def walk(items):
        for item in items:
            if item.get("type") == "ActionSet":
                found.extend(item["actions"])
            for column in item.get("columns", []):
                walk(column["items"])

    walk(card["body"])
    return found


def press(teams, person, card: dict, title: str, verb: str = "home_refresh") -> dict:
    action = next(b for b in buttons(card) if b.get("title") == title and b.get("verb") == verb)
    value = {"action": {"type": "Action.Execute", "verb": verb, "data": action.get("data", {})},
             "trigger": "manual"}  # fmt: skip
    return teams.client.invoke(person, "adaptiveCard/action", value)


def test_the_chief_sees_pending_scheduled_failed_groups_and_refreshes(teams):
    with teams.services.session_factory.begin() as session:
        session.add(
            Group(
                name="和光<まちづくり>の会",
                contact="担当 一郎",
                site="https://example.jp/g",
                created_at=teams.services.clock(),
            )
        )
    submit(teams, "和光市民まつりのお知らせ")
    teams.connector.wait_for(lambda: teams.connector.created())
    card = dashboard(teams, CHIEF)
    assert problems(card) == []
    text = shown(card)
    for heading in ("あなたの決裁待ち", "予約投稿", "失敗した投稿", "登録団体", "承認済みの相手",
                    "最近の投稿", "あなたの最近の下書き"):  # fmt: skip
        assert heading in text, heading
    assert "和光市民まつりのお知らせ" in text and "運用 花子" in text
    assert "和光<まちづくり>の会（担当 一郎）" in text  # people's words exactly as typed
    assert card["refresh"]["userIds"] == [CHIEF.mri]  # Teams brings it up to date when seen
    assert card["refresh"]["action"]["verb"] == "home_refresh"
    assert {b["title"] for b in buttons(card)} >= {"更新", "全文を見る", "下書きを作成"}

    submit(teams, "防災訓練のお知らせ")  # a second request arrives; 更新 shows it in place
    again = press(teams, CHIEF, card, "更新")
    assert again["type"] == "application/vnd.microsoft.card.adaptive"
    assert "防災訓練のお知らせ" in shown(again["value"]) and problems(again["value"]) == []
    automatic = teams.client.refresh(CHIEF, card)  # Teams' own refresh gives the same card
    assert "防災訓練のお知らせ" in shown(automatic)


def test_an_operator_sees_own_drafts_withdraws_and_pages(teams):
    for n in range(7):
        submit(teams, f"お知らせ その{n}")
    card = dashboard(teams, OPERATOR)
    assert problems(card) == []
    text = shown(card)
    assert "あなたの最近の下書き" in text and "あなたの決裁待ち" not in text
    assert "登録団体" not in text  # the chief's lists only
    assert "お知らせ その6" in text and "お知らせ その1" not in text  # newest first, 5 a page
    assert "1 / 2 ページ" in text

    turned = press(teams, OPERATOR, card, "次へ")["value"]
    assert "お知らせ その1" in shown(turned) and "お知らせ その6" not in shown(turned)
    assert "2 / 2 ページ" in shown(turned) and problems(turned) == []
    kept = press(teams, OPERATOR, turned, "更新")["value"]  # 更新 stays on the page shown
    assert "2 / 2 ページ" in shown(kept)

    withdrawn = press(teams, OPERATOR, card, "取り下げる", verb="withdraw")
    assert withdrawn["type"] == "application/vnd.microsoft.activity.message"
    with teams.services.session_factory() as session:
        assert session.query(Draft).filter_by(status="withdrawn").count() == 1
    fresh = press(teams, OPERATOR, card, "更新")["value"]
    assert "取り下げ" in shown(fresh)


def test_a_stranger_gets_no_dashboard(teams):
    teams.client.say(STRANGER, "home")
    reply = teams.connector.wait_for(lambda: teams.connector.sent(STRANGER.conversation))
    assert "運用者として登録されていません" in reply[0]["text"]
    value = {"action": {"type": "Action.Execute", "verb": "home_refresh", "data": {}}}
    answer = teams.client.invoke(STRANGER, "adaptiveCard/action", value)
    assert answer["type"] == "application/vnd.microsoft.activity.message"
    assert "運用者として登録されていません" in answer["value"]
