"""Teams draft dialog プレビュー: the X count and the chief's card, with what was typed kept."""

from __future__ import annotations

import pytest

pytest.importorskip("microsoft_agents.hosting.aiohttp", reason="pip install -e '.[teams]'")

import json

from adaptive_cards import problems
from teams_client import OPERATOR, STRANGER

from bot.approval.drafts import x_weight
from bot.models import Draft


def press_preview(teams, person, form: dict, **values) -> dict:
    """Fill the form (as TeamsClient.submit_form does) and press プレビュー instead of 提出."""
    look = next(a for a in form["actions"] if a["data"].get("verb") == "draft_preview")
    data = dict(look["data"])
    for element in form["body"]:
        if element.get("id"):
            data[element["id"]] = element.get("value", "")
    data.update(values)
    return teams.client.invoke(person, "task/submit", {"data": data})


def values(form: dict) -> dict:
    return {e["id"]: e.get("value", "") for e in form["body"] if e.get("id")}


def drafts(teams) -> int:
    with teams.services.session_factory() as session:
        return session.query(Draft).count()


def test_preview_counts_shows_the_chiefs_card_and_keeps_what_was_typed(teams):
    form = teams.client.open_form(OPERATOR)
    typed = {"body": "和光市民まつりのお知らせ\n10月1日 午前10時から", "url": "https://example.jp/m",
             "x_text": "まつり" * 50, "channels": "x,facebook", "category": "other"}  # fmt: skip
    answer = press_preview(teams, OPERATOR, form, **typed)
    assert answer["task"]["type"] == "continue"  # the dialog stays open
    again = answer["task"]["value"]["card"]["content"]
    assert problems(again) == []
    kept = values(again)
    assert {k: kept[k] for k in typed} == typed  # nothing typed is lost
    preview = again["body"][0]
    shown = json.dumps(preview, ensure_ascii=False)
    # 150 kana weigh 300 under X's rules, then a space and the URL (23): the core's counter
    assert "X: 324 / 280（44 超過" in shown
    assert "運用 花子" in shown and "和光市民まつりのお知らせ" in shown  # the chief's card
    assert drafts(teams) == 0  # a preview stores nothing

    shorter = press_preview(teams, OPERATOR, again, x_text="")["task"]["value"]["card"]["content"]
    weight = x_weight(typed["body"] + " " + typed["url"])  # no X text: the body goes to X
    assert f"X: {weight} / 280（残り {280 - weight}）" in json.dumps(shorter, ensure_ascii=False)

    first_nonce = form["actions"][0]["data"]["nonce"]
    assert shorter["actions"][0]["data"]["nonce"] == first_nonce  # one submission, as opened
    done = teams.client.submit_form(OPERATOR, shorter)
    assert done["task"]["type"] == "message"
    assert drafts(teams) == 1


def test_preview_shows_the_forms_problems_without_storing(teams):
    form = teams.client.open_form(OPERATOR)
    answer = press_preview(teams, OPERATOR, form, body="テスト", url="ftp://example.jp/x")
    again = answer["task"]["value"]["card"]["content"]
    weight = x_weight("テスト ftp://example.jp/x")  # not a web address: counted as typed
    assert f"X: {weight} / 280（残り {280 - weight}）" in json.dumps(
        again["body"][0], ensure_ascii=False
    )
    assert any(e.get("color") == "attention" for e in again["body"][1:])  # under the URL field
    assert "課長には次のように届きます" in json.dumps(again["body"][0], ensure_ascii=False)
    forged = press_preview(teams, OPERATOR, form, body="テスト", category="event")
    preview = json.dumps(forged["task"]["value"]["card"]["content"]["body"][0], ensure_ascii=False)
    assert "選択肢にない値があるため" in preview
    assert values(again)["url"] == "ftp://example.jp/x"
    assert drafts(teams) == 0


def test_preview_refuses_a_stranger(teams):
    data = {"verb": "draft_preview", "body": "テスト", "channels": "x"}
    answer = teams.client.invoke(STRANGER, "task/submit", {"data": data})
    assert answer["task"]["type"] == "message"
    assert "運用者として登録されていません" in answer["task"]["value"]
