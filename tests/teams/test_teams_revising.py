"""Teams: the chief's edit before approving (修正して承認へ) and cancelling a scheduled post."""

from __future__ import annotations

import pytest

pytest.importorskip("microsoft_agents.hosting.aiohttp", reason="pip install -e '.[teams]'")

import json
from datetime import UTC, datetime, timedelta

from adaptive_cards import problems
from teams_client import CHIEF, OPERATOR, STRANGER, actions_of, verbs

from bot.messages import JST
from bot.models import Draft, Publication, RegisterEntry


def words(content) -> str:
    return json.dumps(content, ensure_ascii=False)


def submit(teams, **values) -> None:
    form = teams.client.open_form(OPERATOR)
    values = {"body": "和光市民まつりのお知らせ", "url": "https://example.jp/m", **values}
    teams.client.submit_form(OPERATOR, form, **values)


def chief_cards(teams) -> list[dict]:
    chats = [conv for conv, p in teams.connector.conversations().items()
             if p["members"][0]["id"] == CHIEF.aad] + [CHIEF.conversation]  # fmt: skip
    return [c for conv in chats for c in teams.connector.cards(conv) if "refresh" in c]


def chief_view(teams, count: int = 1) -> dict:
    card = teams.connector.wait_for(lambda: chief_cards(teams)[count - 1 :])[-1]
    mine = teams.client.refresh(CHIEF, card)
    assert problems(mine) == []
    return mine


def open_dialog(teams, person, card: dict, verb: str) -> dict:
    button = next(a for a in actions_of(card) if a.get("data", {}).get("verb") == verb)
    return teams.client.invoke(person, "task/fetch", {"data": button["data"]})


def register(teams) -> list[tuple[str, str, dict]]:
    with teams.services.session_factory() as session:
        rows = session.query(RegisterEntry).order_by(RegisterEntry.seq)
        return [(e.action, e.actor, e.details) for e in rows]


def test_the_chief_edits_a_draft_before_approving_it(teams):
    submit(teams)
    mine = chief_view(teams)
    assert "edit" not in verbs(mine)  # a dialog button: it opens the form
    assert "登録されていません" in words(open_dialog(teams, STRANGER, mine, "edit"))
    refused = open_dialog(teams, OPERATOR, mine, "edit")  # only those who may decide edit it
    assert refused["task"] == {"type": "message", "value": (
        "この操作は課長だけが行えます。操作の試みは決裁簿に記録しました。")}  # fmt: skip
    refused_edits = [a for a in register(teams) if a[0] == "refused"]
    assert [(actor, d["attempted"]) for _, actor, d in refused_edits] == [(OPERATOR.aad, "edit")]

    dialog = open_dialog(teams, CHIEF, mine, "edit")["task"]["value"]
    assert dialog["title"] == "課長による修正"
    form = dialog["card"]["content"]
    assert problems(form) == []
    body = next(e for e in form["body"] if e.get("id") == "body")
    assert body["value"] == "和光市民まつりのお知らせ"
    same = teams.client.submit_form(CHIEF, form)  # nothing changed: said so, kept open
    assert "変更がありません。" in words(same)
    answer = teams.client.submit_form(CHIEF, form, body="和光市民まつり（11月3日）のお知らせ")
    assert answer["task"]["type"] == "message"

    second = chief_view(teams, 2)  # the edited revision's card, with its buttons
    assert "第 2 版" in words(second) and "和光市民まつり（11月3日）のお知らせ" in words(second)
    decided = teams.client.click(CHIEF, second, "approve")
    assert "承認しました" in words(decided["value"])
    edited = [d for a, actor, d in register(teams) if a == "edited"]
    assert len(edited) == 1 and edited[0]["changed"] == ["body"]
    told = teams.connector.wait_for(lambda: [c for c in teams.connector.cards(
        OPERATOR.conversation) if "修正しました" in words(c)])  # fmt: skip
    assert problems(told[0]) == []
    with teams.services.session_factory() as session:
        draft = session.get(Draft, 1)
        assert (draft.revision, draft.status, draft.current.body) == (
            2, "approved", "和光市民まつり（11月3日）のお知らせ")  # fmt: skip
    late = open_dialog(teams, CHIEF, mine, "edit")  # decided: no edit any more
    assert late["task"]["value"] == "下書き #1 は決裁待ちではないため、この操作はできません。"


def test_the_chief_cancels_a_scheduled_post(teams):
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).astimezone(JST)
    submit(teams, publish_date=tomorrow.strftime("%Y-%m-%d"), publish_time="10:00")
    mine = chief_view(teams)
    decided = teams.client.click(CHIEF, mine, "approve")["value"]
    assert problems(decided) == [] and "cancel" in verbs(decided)
    refused = teams.client.click(OPERATOR, decided, "cancel")
    assert refused["value"] == "この操作は課長だけが行えます。操作の試みは決裁簿に記録しました。"
    done = teams.client.click(CHIEF, decided, "cancel")
    assert done["value"].startswith("下書き #1 の予約投稿（") and "取り消しました" in done["value"]
    again = teams.client.click(CHIEF, decided, "cancel")
    assert "取り消せる予約投稿はありません" in again["value"]
    with teams.services.session_factory() as session:
        assert {p.status for p in session.query(Publication)} == {"cancelled"}
    assert [a for a, actor, _ in register(teams) if a == "cancelled"] == ["cancelled"]
    told = teams.connector.wait_for(lambda: [c for c in teams.connector.cards(
        OPERATOR.conversation) if "取り消" in words(c)])  # fmt: skip
    assert problems(told[0]) == []
    updated = teams.connector.wait_for(lambda: [u for u in teams.connector.updates()
                                                if "取り消" in words(u)])  # fmt: skip
    assert "cancel" not in words(updated[-1]["attachments"][0]["content"].get("actions"))
