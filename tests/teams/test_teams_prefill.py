"""Teams: `sns <text>` offers the draft form with the text as its body (Slack's `/sns draft`)."""

from __future__ import annotations

import pytest

pytest.importorskip("microsoft_agents.hosting.aiohttp", reason="pip install -e '.[teams]'")

import json

from adaptive_cards import problems
from teams_client import OPERATOR, STRANGER

TEXT = "和光市民まつりのお知らせ\n11月3日 10時 から *3 < 5* & [見せかけ](http://x.test)"


def launcher(teams, person, said: str) -> dict:
    teams.client.say(person, said)
    card = teams.connector.wait_for(lambda: teams.connector.cards(person.conversation))[-1]
    assert problems(card) == []
    return card


def test_sns_with_text_opens_the_form_with_it_as_the_body(teams):
    card = launcher(teams, OPERATOR, f"sns {TEXT}")
    shown = [r["text"] for b in card["body"] if b["type"] == "RichTextBlock" for r in b["inlines"]]
    assert shown == [TEXT]  # the text exactly as typed, never read as markdown
    button = card["actions"][0]
    answer = teams.client.invoke(OPERATOR, "task/fetch", {"data": button["data"]})
    form = answer["task"]["value"]["card"]["content"]
    assert problems(form) == []
    body = next(e for e in form["body"] if e.get("id") == "body")
    assert body["value"] == TEXT
    submitted = teams.client.submit_form(OPERATOR, form, url="https://example.jp/m")
    assert submitted["task"]["type"] == "message"
    with teams.services.session_factory() as session:
        from bot.models import Draft

        assert session.get(Draft, 1).current.body == TEXT


def test_sns_alone_opens_an_empty_form_and_strangers_are_refused(teams):
    card = launcher(teams, OPERATOR, "sns")
    assert card["actions"][0]["data"] == {"msteams": {"type": "task/fetch"}, "verb": "open_draft"}
    form = teams.client.invoke(OPERATOR, "task/fetch", {"data": card["actions"][0]["data"]})
    body = next(
        e for e in form["task"]["value"]["card"]["content"]["body"] if e.get("id") == "body"
    )
    assert body.get("value", "") == ""
    teams.client.say(STRANGER, "sns 何か")
    refusal = teams.connector.wait_for(lambda: teams.connector.sent(STRANGER.conversation))[-1]
    assert "登録されていません" in json.dumps(refusal, ensure_ascii=False)
