"""Cross-posting (policy §5(3)): a published post offered again to the channels it did not use."""

from __future__ import annotations

from bot.approval.drafts import DraftInput
from bot.approval.snapshot import DraftSnapshot
from bot.config import CHANNELS
from bot.models import PUBLISHED


def published_url(draft: DraftSnapshot) -> str | None:
    """The live URL of the draft's first published channel (dry runs have none)."""
    for p in draft.publications:
        if p.status == PUBLISHED and not p.dry_run and p.url:
            return p.url
    return None


def unused_channels(draft: DraftSnapshot) -> tuple[str, ...]:
    return tuple(c for c in CHANNELS if c not in draft.content.channels)


def offer(draft: DraftSnapshot) -> DraftInput | None:
    """The new draft to open: the same text, the post's URL, source cross_post; None: nothing."""
    url, channels = published_url(draft), unused_channels(draft)
    if not url or not channels:
        return None
    c = draft.content
    return DraftInput(
        body=c.body,
        channels=channels,
        source="cross_post",
        category=c.category,
        x_text=c.x_text,
        blog_title=c.blog_title,
        url=url,
    )
