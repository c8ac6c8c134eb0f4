"""Catalogue texts for Teams: the user's language, and Slack's mrkdwn turned into card markdown."""

from __future__ import annotations

import re

from bot.messages import Messages
from bot.wording import shown

SLACK_LINK = re.compile(r"<(https?://[^|>\s]+)\|([^>]*)>")
SLACK_BOLD = re.compile(r"(?<![\w*\\])\*([^*\n]*[^*\n\\])\*(?![\w*])")
SLACK_MENTION = re.compile(r"<@([^>]+)>")


def messages_for(locale: str | None, default: str = "ja") -> Messages:
    """English when the person's Teams is in English, Japanese otherwise (and by default)."""
    if locale and locale.lower().startswith("en"):
        return Messages("en")
    return Messages(default)


def card_markdown(text: str, name_of=lambda user_id: user_id) -> str:
    """A catalogue text written for Slack (`*bold*`, `<url|label>`, `<@user>`) as card markdown."""
    text = SLACK_LINK.sub(lambda m: f"[{m.group(2)}]({m.group(1)})", text)
    text = SLACK_MENTION.sub(lambda m: name_of(m.group(1)), text)
    text = SLACK_BOLD.sub(r"**\1**", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def say(msg: Messages, wording: tuple[str, dict], name_of=lambda user_id: user_id) -> str:
    """Render a bot.wording (key, values) pair: the catalogue's markup as card markdown, and
    the values (people's text among them) put in afterwards, untouched by that conversion."""
    key = wording[0]
    words = shown(msg, wording, person=name_of)
    slots = {name: value if name == "url" else f"\x00{name}\x00" for name, value in words.items()}
    template = card_markdown(msg(key, **slots))
    return re.sub("\x00(\\w+)\x00", lambda m: str(words[m.group(1)]), template)
