"""Pure Adaptive Card builder of the monthly report for Teams: the summary and the chart inline."""

from __future__ import annotations

import base64

from bot.messages import Messages
from handlers.teams.cards import card, literal, text
from handlers.teams.text import card_markdown


def report_card(msg: Messages, month: str, summary: str, png: bytes) -> dict:
    """The summary line by line (group names are people's words: never read as markdown), the
    chart as a data URI image (Teams does not count inline base64 images in its 40 KB message
    limit), and where the CSV comes from: a bot's chat cannot receive a file outside the
    personal file-consent flow."""
    lines = summary.splitlines()
    body = [text(lines[0].lstrip("# "), weight="bolder", size="medium")]
    body += [literal(line) for line in lines[1:] if line.strip()]
    body.append({
        "type": "Image",
        "url": "data:image/png;base64," + base64.b64encode(png).decode("ascii"),
        "altText": msg("report.chart_alt", month=month),
    })  # fmt: skip
    body.append(text(card_markdown(msg("report.teams_files", month=month)), isSubtle=True))
    return card(body)
