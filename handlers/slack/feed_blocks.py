"""The HP feed announcement in Slack (policy §5(2)): the entry and its 下書きを作成 button."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, ContextBlock, MarkdownTextObject, SectionBlock

from bot.features.feed import FeedItem
from bot.messages import Messages
from handlers.slack.blocks import button, esc, link_target

FEED_DRAFT = "feed_draft"  # button on an announcement; value = the FeedEntry row id


def feed_announcement(msg: Messages, item: FeedItem) -> tuple[str, list[dict]]:
    """(fallback text, blocks): the title, the link, and the 下書きを作成 button."""
    text = msg("feed.announced", title=esc(item.title))
    line = msg("feed.announced", title=f"*{esc(item.title)}*")
    if item.link:
        text += "\n" + esc(item.link)
        line += f"\n<{link_target(item.link)}>"
    notes = [msg("feed.hint")]
    if item.published_at:
        notes.insert(0, msg("feed.published", when=msg.time(item.published_at)))
    blocks = [
        SectionBlock(text=line),
        ContextBlock(elements=[MarkdownTextObject(text=n) for n in notes]),
        ActionsBlock(
            block_id=f"{FEED_DRAFT}:{item.id}",
            elements=[button(msg, FEED_DRAFT, "button.feed_draft", str(item.id), "primary")],
        ),
    ]
    return text, [b.to_dict() for b in blocks]
