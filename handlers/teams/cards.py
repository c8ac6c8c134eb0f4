"""Adaptive Card (1.5) pieces for Teams: cards, texts, buttons, dialogs (pure functions)."""

from __future__ import annotations

from collections.abc import Callable

from bot.messages import Messages

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
MESSAGE_TYPE = "application/vnd.microsoft.activity.message"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
PREVIEW_CHARS = 900  # per channel on the card; the whole text is one click away
LIST_LIMIT = 20  # drafts or tasks listed in one message; the rest are counted

NameOf = Callable[[str], str]


def card(body: list, actions: list | None = None, refresh: dict | None = None) -> dict:
    """A 1.5 card. Buttons that include an Action.Execute go in an ActionSet at the end of the
    body: some older Teams clients honour an Action.Execute's fallback (the Action.Submit they
    can send) only there, and Microsoft recommends wrapping every Action.Execute so."""
    content = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": "1.5", "body": body}
    if actions and any(a.get("type") == "Action.Execute" for a in actions):
        content["body"] = [*body, {"type": "ActionSet", "actions": actions}]
    elif actions:
        content["actions"] = actions
    if refresh:
        content["refresh"] = refresh
    return content


def card_answer(content: dict) -> dict:
    """The answer to a card button (Action.Execute) that shows `content` in place of the card."""
    return {"statusCode": 200, "type": CARD_TYPE, "value": content}


def text_answer(text: str) -> dict:
    """The answer to a card button that leaves the card as it is and shows a short message."""
    return {"statusCode": 200, "type": MESSAGE_TYPE, "value": text}


def attachment(content: dict) -> dict:
    return {"contentType": CARD_TYPE, "content": content}


def text(value: str, **style) -> dict:
    return {"type": "TextBlock", "text": value, "wrap": True, **style}


def literal(value: str, **style) -> dict:
    """People's own text, shown exactly: a TextRun is never read as markdown (a TextBlock is,
    and Teams clients disagree on backslash escapes)."""
    return {"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": value, **style}]}


def run(value: str, url: str | None = None, **style) -> dict:
    """One TextRun (never read as markdown), opening `url` when it is a plain web address."""
    element = {"type": "TextRun", "text": value, **style}
    if url and url.startswith(("https://", "http://")) and not any(c in url for c in "<>| \n"):
        element["selectAction"] = {"type": "Action.OpenUrl", "url": url}
    return element


def runs(*inlines: dict, **style) -> dict:
    return {"type": "RichTextBlock", "inlines": [i for i in inlines if i["text"]], **style}


def error_text(value: str) -> dict:
    return text(value, color="attention", size="small", spacing="none")


def execute(msg: Messages, label: str, verb: str, data: dict, style: str | None = None) -> dict:
    """An Action.Execute button (falls back to Action.Submit on clients before 1.4)."""
    action = {"type": "Action.Execute", "title": msg(label), "verb": verb, "data": data}
    if style:
        action["style"] = style
    action["fallback"] = {
        "type": "Action.Submit",
        "title": msg(label),
        "data": {**data, "verb": verb},
    }
    return action


def dialog_button(msg: Messages, label: str, verb: str, data: dict) -> dict:
    """A button that opens a dialog (task/fetch) handled under `verb`."""
    return {
        "type": "Action.Submit",
        "title": msg(label),
        "data": {"msteams": {"type": "task/fetch"}, "verb": verb, **data},
    }


def dialog(title: str, content: dict) -> dict:
    """The task-module answer that shows `content` in a dialog."""
    return {
        "task": {
            "type": "continue",
            "value": {"title": title[:64], "width": "large", "height": "large",
                      "card": attachment(content)},
        }
    }  # fmt: skip


def close_dialog(message: str) -> dict:
    return {"task": {"type": "message", "value": message}}


def shorten(value: str, limit: int, msg: Messages) -> str:
    """Cut to `limit`, pointing to the 全文を見る button (only where the card has one)."""
    return value if len(value) <= limit else value[:limit] + msg("card.truncated")


def excerpt(value: str, limit: int) -> str:
    """One line of a list, cut to `limit` with an ellipsis (no button to point to)."""
    line = value.replace("\n", " ")
    return line if len(line) <= limit else line[:limit] + "…"
