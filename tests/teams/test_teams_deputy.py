"""The chief names the deputy in Teams with the `deputy` command's card; nobody else can."""

from __future__ import annotations

import pytest

pytest.importorskip("microsoft_agents.hosting.aiohttp", reason="pip install -e '.[teams]'")

from adaptive_cards import problems
from conftest import roster_entries
from teams_client import CHIEF, OPERATOR, STRANGER

from bot.people import roles


def deputies(teams) -> list[str]:
    with teams.services.session_factory() as session:
        return roles.deputies(session, "teams")


def test_the_chief_names_and_removes_the_deputy_from_a_card(teams):
    teams.client.say(OPERATOR, "deputy")  # not the chief: refused, and recorded
    reply = teams.connector.wait_for(lambda: teams.connector.sent(OPERATOR.conversation))
    assert "課長だけ" in reply[0]["text"]
    teams.client.say(CHIEF, "deputy")
    card = teams.connector.wait_for(lambda: teams.connector.cards(CHIEF.conversation))[0]
    assert problems(card) == []
    [choice] = [e for e in card["body"] if e["type"] == "Input.ChoiceSet"]
    assert choice["choices"] == [
        {"title": "運用 花子", "value": OPERATOR.aad},
        {"title": "（代決者なし）", "value": "none"},
    ]
    assert choice["value"] == "none"

    answer = teams.client.click(CHIEF, card, "name_deputy", deputy_choice=OPERATOR.aad)
    assert answer["value"] == "運用 花子 を代決者にしました（決裁簿に記録しました）。"
    assert deputies(teams) == [OPERATOR.aad]

    refused = teams.client.click(OPERATOR, card, "name_deputy", deputy_choice="none")
    assert "課長だけ" in refused["value"]
    outsider = teams.client.click(CHIEF, card, "name_deputy", deputy_choice=STRANGER.aad)
    shown = outsider["value"]
    assert problems(shown) == [] and "運用者として登録されていない" in str(shown)
    assert deputies(teams) == [OPERATOR.aad]

    cleared = teams.client.click(CHIEF, card, "name_deputy", deputy_choice="none")
    assert "代決者を外しました" in cleared["value"]
    assert deputies(teams) == []
    refusal = {"action": "refused", "attempted": "name_deputy", "role": "operator",
               "platform": "teams", "actor": OPERATOR.aad}  # fmt: skip
    change = {"actor": CHIEF.aad, "action": "role_changed", "user": OPERATOR.aad,
              "platform": "teams"}  # fmt: skip
    assert roster_entries(teams.services.session_factory) == [
        refusal,
        {**change, "before": "operator", "after": "deputy"},
        {**refusal, "role": "deputy"},  # a deputy may not name one either
        {**change, "before": "deputy", "after": "operator"},
    ]
