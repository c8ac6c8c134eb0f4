"""Teams: the approval route (reviewer → chief) with Teams-shaped activities against the fake
Bot Connector: pass on, send back, resubmission, a comment, the trail on the chief's card."""

from __future__ import annotations

import pytest

pytest.importorskip("microsoft_agents.hosting.aiohttp", reason="pip install -e '.[teams]'")

import json
from dataclasses import replace

from adaptive_cards import problems
from teams_app import running_teams, teams_settings
from teams_client import CHIEF, OPERATOR, TeamsPerson, verbs

from bot.models import RegisterEntry
from bot.people import roles
from bot.services import utc_now

REVIEWER = TeamsPerson("0000ae71-0000-4000-8000-000000000009", "29:1reviewer-mri", "確認 次郎")


@pytest.fixture
def routed(settings, connector):
    configured = replace(settings, route_setting="reviewer,chief")
    with running_teams(configured, teams_settings(connector), connector) as app:
        app.client.say(REVIEWER, "help")  # the reviewer has the bot: a chat to reach them in
        with app.services.session_factory.begin() as session:
            roles.set_role(session, REVIEWER.aad, "reviewer", actor="admin", now=utc_now(),
                           front_end="teams")  # fmt: skip
        yield app


def cards_in(teams, person, words: str, count: int = 1) -> list[dict]:
    def found():
        cards = [c for c in teams.connector.cards(person.conversation)
                 if words in json.dumps(c, ensure_ascii=False)]  # fmt: skip
        return cards if len(cards) >= count else None

    return teams.connector.wait_for(found)


def flat(card) -> str:
    """Every text on a card, joined: a line's words and its values' TextRuns read as one."""
    if isinstance(card, dict):
        return "".join(
            v if k == "text" and isinstance(v, str) else flat(v) for k, v in card.items()
        )
    if isinstance(card, list):
        return "".join(flat(item) for item in card)
    return ""


def submit(teams, person=OPERATOR, **values) -> None:
    form = teams.client.open_form(person)
    values = {"body": "和光市民まつりのお知らせ", "url": "https://example.jp/m", **values}
    task = teams.client.submit_form(person, form, **values)["task"]
    assert task["type"] == "message" and "決裁ルート" in task["value"]  # the route is named


def test_reviewer_sends_back_the_author_resubmits_the_route_restarts_and_the_chief_decides(routed):
    teams = routed
    submit(teams)
    card = cards_in(teams, REVIEWER, "確認依頼")[0]
    assert problems(card) == []
    assert {"pass_on", "send_back", "comment"} <= verbs(card) and "approve" not in verbs(card)
    empty = teams.client.click(REVIEWER, card, "send_back", comment="  ")
    assert "コメントを書いてください" in json.dumps(empty, ensure_ascii=False)
    back = teams.client.click(REVIEWER, card, "send_back", comment="日付を <b>確認</b> して")
    assert back["type"] == "application/vnd.microsoft.card.adaptive", back

    dm = cards_in(teams, OPERATOR, "日付を <b>確認</b> して")[0]  # the words exactly, as a TextRun
    button = next(a for a in dm["actions"] if a["data"].get("verb") == "resubmit")
    form = teams.client.invoke(OPERATOR, "task/fetch", {"data": button["data"]})
    form = form["task"]["value"]["card"]["content"]
    answer = teams.client.submit_form(OPERATOR, form, body="和光市民まつり（11月3日）のお知らせ")
    assert answer["task"]["type"] == "message"

    again = cards_in(teams, REVIEWER, "第 2 版")[-1]  # the route starts from its first step
    said = teams.client.click(REVIEWER, again, "comment", comment="写真を 1 枚減らすと良いです")
    assert "コメントを記録しました" in said["value"]
    told = cards_in(teams, OPERATOR, "写真を 1 枚減らすと良いです")[0]
    assert "第 2 版" in flat(told)
    passed = teams.client.click(REVIEWER, again, "pass_on")
    assert "pass_on" not in verbs(passed["value"])

    teams.connector.wait_for(lambda: teams.connector.created())  # the chief's chat, opened
    chief_chat = next(conv for conv, params in teams.connector.conversations().items()
                      if params["members"][0]["id"] == CHIEF.aad)  # fmt: skip
    chief = teams.connector.wait_for(lambda: teams.connector.cards(chief_chat)[0])
    mine = teams.client.refresh(CHIEF, chief)
    assert problems(mine) == []
    shown = json.dumps(mine, ensure_ascii=False)
    assert (
        "決裁ルート" in shown and REVIEWER.name in shown and "写真を 1 枚減らすと良いです" in shown
    )
    approved = teams.client.click(CHIEF, mine, "approve")
    assert "承認しました" in json.dumps(approved["value"], ensure_ascii=False)
    with teams.services.session_factory() as session:
        done = [e.action for e in session.query(RegisterEntry).order_by(RegisterEntry.seq)]
    assert done.count("sent_back") == 1 and done.count("commented") == 1
    assert done.index("resubmitted") < done.index("passed_on") < done.index("approved")


def test_status_shows_a_reviewer_the_drafts_waiting_for_them(routed):
    teams = routed
    submit(teams, body="状況で見えるお知らせ")
    cards_in(teams, REVIEWER, "確認依頼")
    teams.client.say(REVIEWER, "status")
    status = cards_in(teams, REVIEWER, "あなたの確認待ち")[-1]
    assert problems(status) == []
    assert "状況で見えるお知らせ" in flat(status) and "1. 確認者" in flat(status)


def test_home_lets_a_reviewer_open_the_card_of_a_draft_waiting_for_them(routed):
    """The dashboard (`home`, shared with Slack's App Home) lists the drafts waiting at the
    reviewer's step, each with カードを開く (as `status` has) to pass it on or send it back."""
    teams = routed
    submit(teams, body="ホームで見えるお知らせ")
    cards_in(teams, REVIEWER, "確認依頼")
    teams.client.say(REVIEWER, "home")
    home = cards_in(teams, REVIEWER, "SNS 投稿の決裁")[-1]
    assert "あなたの確認待ち" in flat(home) and "ホームで見えるお知らせ" in flat(home)
    opened = teams.client.click(REVIEWER, home, "refresh")["value"]  # カードを開く
    assert {"pass_on", "send_back"} <= verbs(opened) and problems(opened) == []


def test_the_chief_decides_early_from_status_and_the_steps_not_taken_are_skipped(routed):
    teams = routed
    submit(teams, body="急ぎのお知らせ")
    cards_in(teams, REVIEWER, "確認依頼")
    teams.client.say(CHIEF, "status")
    status = cards_in(teams, CHIEF, "急ぎのお知らせ")[-1]
    opened = teams.client.click(CHIEF, status, "refresh")["value"]  # カードを開く
    assert {"approve", "reject"} <= verbs(opened) and problems(opened) == []
    teams.client.click(CHIEF, opened, "approve")
    late = teams.client.click(REVIEWER, cards_in(teams, REVIEWER, "確認依頼")[0], "pass_on")
    assert "承認しています" in late["value"]  # already decided: told, nothing changes
    with teams.services.session_factory() as session:
        done = [e.action for e in session.query(RegisterEntry).order_by(RegisterEntry.seq)]
        skipped = session.query(RegisterEntry).filter_by(action="step_skipped").one()
    assert skipped.details["reason"] == "decided" and "passed_on" not in done


def test_a_reviewer_marks_themselves_away_and_back_in_teams(routed):
    """`away on|off` works for a reviewer in Teams as `/sns away` does in Slack: recorded, and
    answered with the reviewer's own words (not the chief's refusal)."""
    teams = routed
    teams.client.say(REVIEWER, "away on")
    on = cards_in(teams, REVIEWER, "不在にしました")[-1]
    assert problems(on) == [] and "確認" in flat(on)
    teams.client.say(REVIEWER, "away off")
    cards_in(teams, REVIEWER, teams.services.msg("away.reviewer_off")[:6])
    with teams.services.session_factory() as session:
        marks = [e.action for e in session.query(RegisterEntry).filter_by(actor=REVIEWER.aad)]
    assert len([a for a in marks if "away" in a]) == 2, marks
