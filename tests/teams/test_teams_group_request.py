"""A registered group's request in Teams (policy §5(4)): the operators' card, its pre-filled
draft dialog, and the chief's choice to share a rejection's reason with the group."""

from __future__ import annotations

import pytest

pytest.importorskip("microsoft_agents.hosting.aiohttp", reason="pip install -e '.[teams]'")

import json

from adaptive_cards import problems
from teams_client import CHIEF, OPERATOR, STRANGER
from test_teams_requests import card_in

from bot.intake import requests, status
from bot.models import Draft, GroupRequest
from bot.people import groups, roles
from bot.services import utc_now

GROUP = "和光こども食堂の会"
WORDS = "こども食堂を 5 月 10 日に開きます。[ここを押す](https://evil.example) <at>課長</at>"


def received(teams) -> int:
    sent = requests.RequestInput(body=WORDS, contact_name="山田 花子", channels=("x", "blog"),
                                 url="https://example.jp/kodomo", wished_date="2099-05-08")  # fmt: skip
    with teams.services.session_factory.begin() as session:
        groups.add(session, GROUP, contact="", site="", actor="cli", now=utc_now())
        requests.receive(session, GROUP, sent, utc_now())
        return session.query(GroupRequest.id).scalar()


def test_a_group_request_reaches_the_operators_and_becomes_a_draft_in_teams(teams):
    request_id = received(teams)
    with teams.services.session_factory() as session:
        members = tuple(m.user_id for m in roles.members(session, "teams") if m.role == "operator")
        view = status.view(session, request_id)
    teams.runtime.teams.notifier.tell_group_request(view, members)
    card = card_in(teams, OPERATOR, "和光こども食堂の会")
    shown = json.dumps(card, ensure_ascii=False)
    assert json.dumps(WORDS, ensure_ascii=False)[1:-1] in shown and view.reference in shown
    button = next(a for a in card["actions"] if a["data"].get("verb") == "group_request_draft")
    assert button["data"]["request"] == request_id

    stranger = teams.client.invoke(STRANGER, "task/fetch", {"data": button["data"]})
    assert "運用者として登録されていません" in stranger["task"]["value"]
    answer = teams.client.invoke(OPERATOR, "task/fetch", {"data": button["data"]})
    form = answer["task"]["value"]["card"]["content"]
    assert problems(form) == []
    values = {e["id"]: e.get("value") for e in form["body"] if e.get("id")}
    assert values["body"] == WORDS and values["source"] == "group_request"
    assert "group" not in values and "group_draft" not in values  # fixed by the request
    edited = "【登録団体のお知らせ】こども食堂を開きます。"
    sent = teams.client.submit_form(OPERATOR, form, body=edited, group="ほかの団体")
    assert sent["task"]["type"] == "message"
    with teams.services.session_factory() as session:
        revision = session.query(Draft).one().current
        assert session.get(GroupRequest, request_id).draft_id == 1
    assert revision.body == edited and revision.group_draft == WORDS
    assert revision.group_name == GROUP and revision.source == "group_request"
    again = teams.client.invoke(OPERATOR, "task/fetch", {"data": button["data"]})
    assert again["task"]["value"] == "この依頼からは既に下書きが作られています。"

    mine = teams.client.refresh(CHIEF, card_in(teams, CHIEF, edited))
    assert "share_reason" in json.dumps(mine, ensure_ascii=False) and problems(mine) == []
    teams.client.click(CHIEF, mine, "reject", reason="日程が決まってから", share_reason="true")
    with teams.services.session_factory() as session:
        (shown_to_group,) = status.of_group(session, GROUP)
    assert shown_to_group.state == status.DECLINED and shown_to_group.reason == "日程が決まってから"
