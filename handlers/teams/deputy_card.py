"""The chief's card for naming the deputy: the roster's operators to choose from (pure builder)."""

from __future__ import annotations

from bot.messages import Messages
from handlers.teams import ids
from handlers.teams.cards import card, error_text, execute, text
from handlers.teams.text import rich


def deputy_card(
    msg: Messages, current: tuple[str, str] | None, choices: list[tuple[str, str]], problem=""
) -> dict:
    """`current` and each of `choices` is (roster id, name); names are shown as plain text."""
    body = [text(msg("deputy.title"), weight="bolder", size="medium")]
    if current:
        body.append(rich(msg, "deputy.current", {"who": current[1]}))  # the name: a TextRun
    else:
        body.append(text(msg("deputy.none")))
    body.append({
        "type": "Input.ChoiceSet",
        "id": ids.DEPUTY_CHOICE,
        "label": msg("deputy.pick"),
        "isRequired": True,
        "errorMessage": msg("deputy.pick"),
        "value": current[0] if current else ids.NO_DEPUTY,
        "choices": [{"title": name[:200], "value": user_id} for user_id, name in choices]
        + [{"title": msg("deputy.choice_none"), "value": ids.NO_DEPUTY}],
    })  # fmt: skip
    body.append(text(msg("deputy.hint"), isSubtle=True, size="small"))
    if problem:
        body.append(error_text(problem))
    return card(body, [execute(msg, "deputy.submit", ids.NAME_DEPUTY, {}, "positive")])
