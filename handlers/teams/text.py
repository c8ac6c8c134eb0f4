"""Catalogue texts for Teams: the user's language, and Slack's mrkdwn turned into card markdown."""

from __future__ import annotations

import re

from bot.approval.wording import shown
from bot.messages import Messages

SLACK_LINK = re.compile(r"<(https?://[^|>\s]+)\|([^>]*)>")
SLACK_BOLD = re.compile(r"(?<![\w*\\])\*([^*\n]*[^*\n\\])\*(?![\w*])")
SLACK_MENTION = re.compile(r"<@([^>]+)>")
# The catalogue's own markup, as read for TextRuns: a link, or bold text.
MARKUP = re.compile(
    r"<(?P<url>https?://[^|>\s]+)\|(?P<label>[^>]*)>"
    r"|(?<![\w*\\])\*(?P<bold>[^*\n]*[^*\n\\])\*(?![\w*])"
)
SLOT = re.compile("\x00(\\w+)\x00")
SLOTTED_MENTION = re.compile("<@(\x00\\w+\x00)>")


def card_markdown(text: str, name_of=lambda user_id: user_id) -> str:
    """A catalogue text written for Slack (`*bold*`, `<url|label>`, `<@user>`) as card markdown."""
    text = SLACK_LINK.sub(lambda m: f"[{m.group(2)}]({m.group(1)})", text)
    text = SLACK_MENTION.sub(lambda m: name_of(m.group(1)), text)
    text = SLACK_BOLD.sub(r"**\1**", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def say(msg: Messages, wording: tuple[str, dict], name_of=lambda user_id: user_id) -> str:
    """Render a bot.approval.wording (key, values) pair: the catalogue's markup as card markdown, and
    the values (people's text among them) put in afterwards, untouched by that conversion."""
    key = wording[0]
    words = shown(msg, wording, person=name_of)
    slots = {name: value if name == "url" else f"\x00{name}\x00" for name, value in words.items()}
    template = card_markdown(msg(key, **slots))
    return re.sub("\x00(\\w+)\x00", lambda m: str(words[m.group(1)]), template)


def _entities(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _slotted(msg: Messages, key: str, words: dict) -> str:
    """The catalogue text with a marker where each value goes (a URL is put in at once)."""
    slots = {name: value if name == "url" else f"\x00{name}\x00" for name, value in words.items()}
    return SLOTTED_MENTION.sub(r"\1", msg(key, **slots))  # `<@{who}>`: the name given


def _runs(part: str, words: dict, style: dict) -> list[dict]:
    """One stretch of catalogue text as TextRuns, each value in it a TextRun of its own."""
    pieces = SLOT.split(part)  # even: the catalogue's words; odd: a value's name
    runs = [
        {"type": "TextRun", "text": str(words[piece]) if odd else _entities(piece), **style}
        for odd, piece in ((i % 2 == 1, piece) for i, piece in enumerate(pieces))
    ]
    return [r for r in runs if r["text"]]


def rich(msg: Messages, key: str, words: dict, run_style: dict | None = None, **style) -> dict:
    """A catalogue line as a RichTextBlock: its `*bold*` and `<url|label>` become TextRun styles,
    and every value (people's words and names) is a TextRun of its own, which no Teams client
    reads as markdown: `[見せかけ](http://…)` or `<at>` typed by someone stays text."""
    template, base = _slotted(msg, key, words), dict(run_style or {})
    inlines, at = [], 0
    for match in MARKUP.finditer(template):
        inlines += _runs(template[at : match.start()], words, base)
        if match.group("url"):
            link = {"selectAction": {"type": "Action.OpenUrl", "url": match.group("url")}}
            inlines += _runs(match.group("label"), words, {**base, **link})
        else:
            inlines += _runs(match.group("bold"), words, {**base, "weight": "bolder"})
        at = match.end()
    inlines += _runs(template[at:], words, base)
    return {"type": "RichTextBlock", "inlines": inlines, **style}


def rich_say(msg: Messages, wording: tuple[str, dict], name_of=lambda user_id: user_id, **style):
    """A bot.approval.wording (key, values) pair as a RichTextBlock (see rich)."""
    return rich(msg, wording[0], shown(msg, wording, person=name_of), **style)


def plain(msg: Messages, key: str, words: dict) -> str:
    """A catalogue line as plain text (for toasts and plain messages): markup dropped, values
    put in afterwards, exactly as they are."""
    template = _slotted(msg, key, words)
    template = SLACK_LINK.sub(lambda m: f"{m.group(2)} {m.group(1)}", template)
    template = _entities(SLACK_BOLD.sub(r"\1", template))
    return SLOT.sub(lambda m: str(words[m.group(1)]), template)


def plain_say(msg: Messages, wording: tuple[str, dict], name_of=lambda user_id: user_id) -> str:
    """A bot.approval.wording (key, values) pair as plain text (see plain)."""
    return plain(msg, wording[0], shown(msg, wording, person=name_of))
