"""A registered group's request for Teams (policy §5(4)): what it asks, and its draft button."""

from __future__ import annotations

from bot.intake.status import RequestView, details
from bot.messages import Messages
from handlers.teams import ids
from handlers.teams.cards import card, dialog_button, literal, run, runs, text
from handlers.teams.text import rich


def group_request_card(msg: Messages, request: RequestView) -> dict:
    """The group and reference, its draft exactly as written, the details and the button."""
    words = {"group": request.group_name, "reference": request.reference}
    body = [rich(msg, "intake.arrived", words, {"weight": "bolder"}), literal(request.body)]
    for key, values in details(request):
        if key == "intake.channels":
            values = {"channels": "、".join(msg(f"channel.{c}") for c in values["channels"])}
        body.append(literal(msg(key, **values), isSubtle=True))
    if request.url:
        body.append(runs(run(request.url, request.url)))
    body.append(text(msg("intake.hint"), isSubtle=True, size="small"))
    button = dialog_button(msg, "button.group_request_draft", ids.GROUP_REQUEST_DRAFT,
                           {"request": request.id})  # fmt: skip
    return card(body, [button])
