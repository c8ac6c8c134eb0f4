"""The approval route in Teams: a review step's card, with 確認, 差し戻し and コメント."""

from __future__ import annotations

from bot.approval import wording
from bot.approval.snapshot import DraftSnapshot
from bot.messages import Messages
from handlers.teams import ids
from handlers.teams.approval_card import comment_action, facts, previews, route_lines
from handlers.teams.cards import NameOf, card, execute, text
from handlers.teams.text import rich_say


def step_card(msg: Messages, draft: DraftSnapshot, name_of: NameOf, step: int) -> dict:
    """Review step `step`'s card: 確認 and 差し戻し (with its comment) while the draft waits there."""
    data = {"draft": draft.id, "revision": draft.revision}
    header = msg("route.header", id=draft.id, revision=draft.revision, n=step + 1,
                 total=len(draft.route.route))  # fmt: skip
    body = [text(header, size="large", weight="bolder"), *facts(msg, draft, name_of),
            *previews(msg, draft), *route_lines(msg, draft, name_of)]  # fmt: skip
    if not (draft.at_review and draft.route.step == step):
        body.append(text(msg("route.done_here"), isSubtle=True))
        if draft.status != "pending":
            body.append(rich_say(msg, wording.decision(draft), name_of))
        return card(body, [comment_action(msg, draft)])
    body.append(text(msg("route.intro"), isSubtle=True, size="small"))
    box = {"type": "Input.Text", "id": ids.COMMENT, "label": msg("send_back.comment"),
           "isMultiline": True, "maxLength": 2000, "isRequired": True,
           "errorMessage": msg("error.comment_required")}  # fmt: skip
    back = card([box], [execute(msg, "send_back.submit", ids.SEND_BACK, data, "destructive")])
    pass_on = execute(msg, "button.pass_on", ids.PASS_ON, data, "positive")
    pass_on["associatedInputs"] = "none"
    show_back = {"type": "Action.ShowCard", "title": msg("button.send_back"), "card": back}
    return card(body, [pass_on, show_back, comment_action(msg, draft)])
