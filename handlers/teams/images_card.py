"""Cards about pictures sent to the bot: what waits for the next draft, each with its alt text."""

from __future__ import annotations

import re

from bot.approval.drafts import MAX_IMAGES
from bot.messages import Messages
from handlers.teams import ids
from handlers.teams.cards import card, dialog_button, error_text, execute, literal, text

TAG = re.compile(r"<[^>]+>")  # Teams sends a message's words as HTML when a picture is pasted
ALT = "alt_"  # the card's alt-text inputs: alt_<picture number>


def waiting_card(msg: Messages, rows: list, problems: list[str], saved: bool = False) -> dict:
    """画像を受け取りました (n / 4): each waiting picture with its alt-text input; the next draft
    form takes them."""
    body: list = [text(msg("teams.images.received", count=len(rows), max=MAX_IMAGES),
                       weight="bolder")]  # fmt: skip
    body += [error_text(problem) for problem in problems]
    for row in rows:
        body.append(literal(row.name, weight="bolder"))
        body.append({"type": "Input.Text", "id": f"{ALT}{row.id}", "value": row.alt_text,
                     "label": msg("teams.images.alt"), "maxLength": 1000, "isRequired": True,
                     "errorMessage": msg("teams.images.alt_required")})  # fmt: skip
    if not rows:
        return card(body)
    hint = "teams.images.saved" if saved else "teams.images.hint"
    body.append(text(msg(hint), isSubtle=True, size="small"))
    clear = execute(msg, "teams.images.clear", ids.IMAGES_CLEAR, {}, "destructive")
    clear["associatedInputs"] = "none"
    return card(body, [execute(msg, "teams.images.save", ids.IMAGES_ALT, {}, "positive"),
                       dialog_button(msg, "teams.open_form", ids.OPEN_DRAFT, {}), clear])  # fmt: skip


def cleared_card(msg: Messages) -> dict:
    return card([text(msg("teams.images.cleared"))])


def form_lines(msg: Messages, attached: tuple[dict, ...]) -> list[dict]:
    """The draft form's note on pictures: those it will take (with their alt text), or how."""
    if not attached:
        return [text(msg("teams.images.how", max=MAX_IMAGES), isSubtle=True, size="small")]
    lines = [text(msg("teams.images.attached", count=len(attached)), weight="bolder")]
    for image in attached:
        alt = image.get("alt") or msg("teams.images.no_alt")
        lines.append(literal(f"{image.get('name', '')} — {alt}", isSubtle=True))
    return lines
