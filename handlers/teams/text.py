"""Catalogue texts for Teams: the user's language, and Slack's mrkdwn turned into card markdown."""

from __future__ import annotations

import re

from bot.messages import Messages

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
    key, values = wording
    shown = {}
    for name, value in values.items():
        if name == "channel":
            shown[name] = msg(f"channel.{value}")
        elif name == "when":
            shown[name] = msg.time(value) if value else ""
        elif name == "who":
            shown[name] = name_of(value) + (msg("card.acting") if values.get("acting") else "")
        elif name == "decision":
            shown[name] = msg(f"decision.{value}")
        else:
            shown[name] = value
    if key == "pub.failed" and not values.get("error"):
        shown["error"] = msg("pub.error.unknown")
    slots = {name: value if name == "url" else f"\x00{name}\x00" for name, value in shown.items()}
    template = card_markdown(msg(key, **slots))
    return re.sub("\x00(\\w+)\x00", lambda m: str(shown[m.group(1)]), template)
