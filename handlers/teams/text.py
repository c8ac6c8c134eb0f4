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


def plain(text: str) -> str:
    """User text shown as is: Adaptive Card markdown characters cannot turn it into links or bold."""
    return re.sub(r"([\\*_\[\]`#>])", r"\\\1", text)


def card_markdown(text: str, name_of=lambda user_id: user_id) -> str:
    """A catalogue text written for Slack (`*bold*`, `<url|label>`, `<@user>`) as card markdown."""
    text = SLACK_LINK.sub(lambda m: f"[{m.group(2)}]({m.group(1)})", text)
    text = SLACK_MENTION.sub(lambda m: name_of(m.group(1)), text)
    text = SLACK_BOLD.sub(r"**\1**", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def say(msg: Messages, wording: tuple[str, dict], name_of=lambda user_id: user_id) -> str:
    """Render a bot.wording (key, values) pair as card markdown."""
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
        elif isinstance(value, str) and name != "url":
            shown[name] = plain(value)
        else:
            shown[name] = value
    if key == "pub.failed" and not values.get("error"):
        shown["error"] = msg("pub.error.unknown")
    return card_markdown(msg(key, **shown))
