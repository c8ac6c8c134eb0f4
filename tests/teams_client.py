"""Sends activities to snsbot's /api/messages as Teams does, and reads its invoke answers."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import requests

TENANT = "11111111-2222-3333-4444-555555555555"
BOT = {"id": "28:00000000-0000-0000-0000-00000000b071", "name": "snsbot"}


@dataclass(frozen=True)
class TeamsPerson:
    aad: str
    mri: str
    name: str
    locale: str = "ja-JP"

    @property
    def conversation(self) -> str:
        return f"a:1personal-chat-with-{self.mri[3:]}"


CHIEF = TeamsPerson("0000c41e-0000-4000-8000-000000000001", "29:1chief-mri", "課長 和光")
OPERATOR = TeamsPerson("000000a1-0000-4000-8000-000000000002", "29:1operator-mri", "運用 花子")
STRANGER = TeamsPerson("00005a4e-0000-4000-8000-000000000003", "29:1stranger-mri", "部外 太郎")
ENGLISH_OPERATOR = TeamsPerson(
    "000000e1-0000-4000-8000-000000000004", "29:1english-mri", "Alex", locale="en-US"
)


class TeamsClient:
    """Posts activities the way the Bot Connector does (anonymous: no token in tests)."""

    _ids = itertools.count(1)

    def __init__(self, endpoint: str, service_url: str, token: str | None = None):
        self.endpoint = endpoint
        self.service_url = service_url
        self.token = token
        self.http = requests.Session()

    def activity(self, person: TeamsPerson, kind: str, **fields) -> dict:
        return {
            "type": kind,
            "id": f"f:{next(self._ids)}",
            "timestamp": "2026-11-28T00:00:00.000Z",
            "serviceUrl": self.service_url,
            "channelId": "msteams",
            "from": {"id": person.mri, "name": person.name, "aadObjectId": person.aad},
            "conversation": {"conversationType": "personal", "tenantId": TENANT,
                             "id": person.conversation},
            "recipient": BOT,
            "locale": person.locale,
            "channelData": {"tenant": {"id": TENANT}},
            **fields,
        }  # fmt: skip

    def post(self, activity: dict) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return self.http.post(self.endpoint, json=activity, headers=headers, timeout=30)

    def say(self, person: TeamsPerson, text: str) -> requests.Response:
        return self.post(self.activity(person, "message", text=text))

    def invoke(self, person: TeamsPerson, name: str, value: dict) -> dict:
        """An invoke activity; its synchronous answer (HTTP 200 with a JSON body)."""
        response = self.post(self.activity(person, "invoke", name=name, value=value))
        assert response.status_code == 200, (response.status_code, response.text)
        answer = response.json()
        assert cards_problems(answer) == []  # every card answered: Adaptive Cards 1.5, Teams' rules
        return answer

    def open_form(self, person: TeamsPerson) -> dict:
        answer = self.invoke(person, "task/fetch", {"data": {"verb": "open_draft"}})
        return answer["task"]["value"]["card"]["content"]

    def submit_form(self, person: TeamsPerson, form: dict, **values) -> dict:
        """Fill the form as a person would (the values kept in it, changed by `values`)."""
        data = dict(form["actions"][0]["data"])
        for element in form["body"]:
            if element.get("id"):
                data[element["id"]] = element.get("value", "")
        if not data.get("on_internet"):  # policy §4's question, answered "no" unless told
            data["on_internet"] = "no"
        data.update(values)
        return self.invoke(person, "task/submit", {"data": data})

    def click(self, person: TeamsPerson, card: dict, verb: str, **inputs) -> dict:
        """Press the Action.Execute button `verb` on `card` (nested show-cards included)."""
        action = find_action(card, verb)
        data = {**action.get("data", {}), **inputs}
        value = {"action": {"type": "Action.Execute", "verb": verb, "data": data},
                 "trigger": "manual"}  # fmt: skip
        return self.invoke(person, "adaptiveCard/action", value)

    def refresh(self, person: TeamsPerson, card: dict) -> dict:
        """What Teams shows `person` for a card with a user-specific refresh."""
        value = {"action": card["refresh"]["action"], "trigger": "automatic"}
        answer = self.invoke(person, "adaptiveCard/action", value)
        return answer["value"]


def cards_problems(answer: dict) -> list[str]:
    """What is wrong with the cards in an invoke's answer (a card button's, a dialog's)."""
    from adaptive_cards import problems

    found = []
    if isinstance(answer, dict) and answer.get("type") == "application/vnd.microsoft.card.adaptive":
        found += problems(answer["value"])
    task = answer.get("task") if isinstance(answer, dict) else None
    if isinstance(task, dict) and isinstance(task.get("value"), dict):
        card = (task["value"].get("card") or {}).get("content")
        found += problems(card, "dialog") if isinstance(card, dict) else []
    return found


def actions_of(card: dict) -> list[dict]:
    """Every button on a card: its actions, the ActionSets in its body (in columns and
    containers too) and those of the cards its Action.ShowCard buttons open."""
    found = []

    def walk(elements: list) -> None:
        for element in elements:
            if element.get("type") == "ActionSet":
                take(element["actions"])
            for column in element.get("columns", []):
                walk(column.get("items", []))
            walk(element.get("items", []) if element.get("type") == "Container" else [])

    def take(actions: list) -> None:
        for action in actions:
            found.append(action)
            if action.get("type") == "Action.ShowCard":
                walk(action["card"].get("body", []))
                take(action["card"].get("actions", []))

    walk(card.get("body", []))
    take(card.get("actions", []))
    return found


def find_action(card: dict, verb: str) -> dict:
    for action in actions_of(card):
        if action.get("verb") == verb:
            return action
    raise LookupError(f"no {verb} button on the card")


def verbs(card: dict) -> set[str]:
    return {action["verb"] for action in actions_of(card) if action.get("verb")}
