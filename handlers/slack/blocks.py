"""Shared Block Kit pieces: escaping and previews, buttons, card facts, publication lines."""

from __future__ import annotations

import json
import re

from slack_sdk.models.blocks import (
    ButtonElement,
    ContextBlock,
    ImageBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.approval.drafts import (
    X_MAX_WEIGHT,
)
from bot.approval.snapshot import DraftSnapshot, PublicationView
from bot.approval.wording import publication, shown
from bot.messages import Messages
from bot.models import PENDING

PREVIEW_CHARS = 900  # per channel on the card, escaped; the full text is behind "全文を見る"
URL_DISPLAY_CHARS = 300
SECTION_CHARS = 2900  # Slack allows 3000 per section text


def esc(text: str) -> str:
    """Escape user text for mrkdwn (Slack's three control characters)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link_target(url: str) -> str:
    """A URL as the target of a mrkdwn link `<url|label>`: escaped, and no `|` to end it early."""
    return esc(url).replace("|", "%7C")


def mention(user_id: str | None) -> str:
    """A mention of a Slack user by id (an id is never anyone's words, but is escaped too)."""
    return f"<@{esc(user_id or '')}>"


def shorten(text: str, limit: int, msg: Messages) -> str:
    return text if len(text) <= limit else text[:limit] + msg("card.truncated")


def quote(text: str) -> str:
    return "\n".join("> " + line for line in esc(text).splitlines() or [""])


def preview(text: str, msg: Messages, limit: int = PREVIEW_CHARS) -> str:
    """User text as an escaped, quoted preview of at most `limit` characters (plus a marker)."""
    quoted = quote(text)
    if len(quoted) <= limit:
        return quoted
    return re.sub(r"&[a-z]*$", "", quoted[:limit]) + msg("card.truncated")  # never split "&amp;"


def chunks(text: str, size: int = SECTION_CHARS) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def plain_text(text: str) -> dict:
    """A plain_text object, as slack_sdk would serialise it (plain dicts cost far less CPU)."""
    return {"type": "plain_text", "text": text, "emoji": True}


def option(value: str, text: str) -> dict:
    return {"text": plain_text(text), "value": value}


def options(values, label_key: str, msg: Messages, suffix: dict | None = None) -> list[dict]:
    return [option(v, msg(f"{label_key}.{v}") + (suffix or {}).get(v, "")) for v in values]


# -- pieces of cards and messages ------------------------------------------------------------


def say(msg: Messages, wording: tuple[str, dict]) -> str:
    """A bot.approval.wording (key, values) pair in Slack mrkdwn: people as mentions, text escaped, and
    a URL made safe to stand in a link."""
    words = shown(msg, wording, person=mention, text=esc)
    if isinstance(words.get("url"), str):
        words["url"] = link_target(words["url"])
    return msg(wording[0], **words)


def publication_line(msg: Messages, p: PublicationView, draft: DraftSnapshot) -> str:
    return say(msg, publication(p, draft))


def publication_lines(msg: Messages, draft: DraftSnapshot) -> str:
    return "\n".join(publication_line(msg, p, draft) for p in draft.publications)


def facts(msg: Messages, draft: DraftSnapshot) -> list:
    c = draft.content
    fields = [
        f"*{msg('card.author')}*\n{mention(draft.author_id)}",
        f"*{msg('card.source')}*\n{msg('source.' + c.source)}",
        f"*{msg('card.category')}*\n{msg('category.' + c.category)}",
        f"*{msg('card.url')}*\n{esc(c.url[:URL_DISPLAY_CHARS]) if c.url else msg('card.no_url')}",
        f"*{msg('card.publish_at')}*\n"
        + (msg.time(c.publish_at) if c.publish_at else msg("card.publish_now")),
    ]
    if c.group_name:
        fields.append(f"*{msg('card.group')}*\n{esc(c.group_name[:200])}")
    if c.group_date:
        fields.append(f"*{msg('card.group_date')}*\n{esc(c.group_date)}")
    if c.images:
        fields.append(f"*{msg('card.images')}*\n{msg('card.images_count', count=len(c.images))}")
    return [
        SectionBlock(fields=[MarkdownTextObject(text=f) for f in fields]),
        ContextBlock(elements=[MarkdownTextObject(text=msg("source_rule." + c.source))]),
    ]


def image_block(image: dict) -> ImageBlock:
    """An attached image with the author's alternative text, read aloud and shown as its title
    for the chief to check (the file name for images stored before alt texts were asked)."""
    alt = str(image.get("alt") or image.get("name") or "image")[:2000]
    return ImageBlock(slack_file={"id": image["id"]}, alt_text=alt, title=alt)


def previews(msg: Messages, draft: DraftSnapshot) -> list:
    c, blocks = draft.content, []
    if "x" in c.channels:
        head = msg("card.preview_x", weight=draft.x_weight, max=X_MAX_WEIGHT)
        blocks.append(SectionBlock(text=head + "\n" + preview(draft.x_text, msg)))
    if "facebook" in c.channels:
        head = msg("card.preview_facebook")
        blocks.append(SectionBlock(text=head + "\n" + preview(c.body, msg)))
    if "blog" in c.channels:
        head = msg("card.preview_blog", title=esc(shorten(draft.blog_title, 150, msg)))
        blocks.append(SectionBlock(text=head + "\n" + preview(c.body, msg)))
    if c.group_draft:
        blocks.append(
            SectionBlock(text=msg("card.group_draft") + "\n" + preview(c.group_draft, msg))
        )
    blocks.extend(image_block(image) for image in c.images if image.get("id"))
    dry = [ch for ch in c.channels if ch in draft.dry_run_channels]
    if dry and draft.status == PENDING:
        names = "、".join(msg(f"channel.{ch}") for ch in dry)
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=f"{msg('card.dry_run')}: {names}")])
        )
    return blocks


def button(msg: Messages, action_id: str, label: str, value: str, style: str | None = None):
    return ButtonElement(action_id=action_id, text=msg(label), value=value, style=style)


def metadata(**values) -> str:
    """private_metadata for a modal (Slack allows 3000 characters)."""
    return json.dumps(values, separators=(",", ":"))[:3000]
