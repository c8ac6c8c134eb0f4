"""Pure Block Kit builder of `/sns search` results: one section per draft, links to its posts."""

from __future__ import annotations

from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject, SectionBlock

from bot.features.search import RESULT_LIMIT, Found, Hit
from bot.messages import Messages
from handlers.slack.blocks import esc, link_target, shorten

EXCERPT_CHARS = 150


def search_blocks(msg: Messages, found: Found) -> tuple[str, list[dict]]:
    """The ephemeral answer to a search: (its notification text, its blocks)."""
    if not found.hits:
        return msg("search.none"), [SectionBlock(text=msg("search.none")).to_dict()]
    text = msg("search.header", count=len(found.hits))
    blocks = [SectionBlock(text=text)]
    for hit in found.hits:
        blocks.append(SectionBlock(text=hit_text(msg, hit)))
    if found.more:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(
            text=msg("search.more", limit=RESULT_LIMIT))]))  # fmt: skip
    return text, [block.to_dict() for block in blocks]


def hit_text(msg: Messages, hit: Hit) -> str:
    """One draft: number, state, author and day; an excerpt; its live posts as links."""
    state = msg(f"state.{hit.status}")
    lines = [
        msg("search.line", id=hit.draft_id, state=state, author=esc(hit.author_id),
            date=msg.time(hit.submitted_at)),
        esc(shorten(hit.body.replace("\n", " "), EXCERPT_CHARS, msg)),
    ]  # fmt: skip
    for network, url in hit.links:
        label = msg("search.open", network=msg(f"channel.{network}"))
        if url.startswith(("https://", "http://")):
            lines.append(f"<{link_target(url)}|{label}>")
    if hit.failed:
        names = "、".join(msg(f"channel.{n}") for n in hit.failed)
        lines.append(msg("search.failed", networks=names))
    return "\n".join(lines)
