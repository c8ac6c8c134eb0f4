"""Teams: nobody decides their own request, through the same core as Slack."""

from __future__ import annotations

import pytest

pytest.importorskip("microsoft_agents.hosting.aiohttp", reason="pip install -e '.[teams]'")

import json

from teams_client import CHIEF, verbs

from bot.models import Draft, Publication, RegisterEntry


def chief_card(teams) -> dict:
    """The approval card in the chief's chat (the chief wrote the draft there too)."""
    return teams.connector.wait_for(
        lambda: next(c for c in teams.connector.cards(CHIEF.conversation) if "refresh" in c)
    )


def forged(teams, verb: str, **inputs) -> dict:
    """A click on `verb` for draft #1, as a client could send it without the button."""
    data = {"draft": 1, "revision": 1, **inputs}
    value = {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"}
    return teams.client.invoke(CHIEF, "adaptiveCard/action", value)


def test_the_chief_cannot_approve_or_reject_a_draft_they_wrote(teams):
    form = teams.client.open_form(CHIEF)
    teams.client.submit_form(CHIEF, form, body="課長が書いたお知らせ", url="https://example.jp/c")
    card = chief_card(teams)  # nobody else may decide: the card tells the chief it waits
    mine = teams.client.refresh(CHIEF, card)
    assert not verbs(mine) & {"approve", "reject"}
    assert "起案者本人は決裁できません" in json.dumps(mine, ensure_ascii=False)
    for verb, inputs in (("approve", {}), ("reject", {"reason": "自分で差し戻し"})):
        answer = forged(teams, verb, **inputs)
        assert answer["type"] == "application/vnd.microsoft.activity.message", answer
        assert "起案したため、決裁できません" in answer["value"]
    with teams.services.session_factory() as session:
        refused = session.query(RegisterEntry).filter(RegisterEntry.action == "refused").all()
        assert [(e.actor, e.details["attempted"], e.details["rule"]) for e in refused] == [
            (CHIEF.aad, "approve", "separation_of_duties"),
            (CHIEF.aad, "reject", "separation_of_duties"),
        ]
        assert session.get(Draft, 1).status == "pending"
        assert session.query(Publication).count() == 0
