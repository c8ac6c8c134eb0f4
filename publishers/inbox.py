"""The moderation inbox interface (policy §11): items others posted to us, and what may be done."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

# What the chief may do with an item. There is deliberately no "reply" (policy §9) and no
# private message (policy §10); blocking exists only here, behind a §11 category.
DISMISS, HIDE, DELETE, BLOCK = "dismiss", "hide", "delete", "block"
ACTIONS = (DISMISS, HIDE, DELETE, BLOCK)

# Kinds of item.
MENTION, REPLY, COMMENT = "mention", "reply", "comment"

TEXT_MAX = 4000  # characters kept of an item's text


@dataclass(frozen=True)
class Item:
    """A mention, reply or comment by someone else on one of the center's accounts."""

    remote_id: str
    kind: str
    author: str  # display name or handle, as the platform shows it ("" when hidden from us)
    author_id: str  # the platform's id for the author ("" when unknown: no block possible)
    text: str
    url: str
    posted_at: datetime
    actions: tuple[str, ...]  # besides DISMISS, what this platform can do with this item


class Inbox(Protocol):
    """One platform's inbox; action methods raise TransientError or PermanentError on failure."""

    name: str  # the channel name: x, facebook, blog
    poll_minutes: int  # how often fetch() may be called (platform rate limits)

    def fetch(self, since: datetime) -> list[Item]:
        """Items posted at or after `since` (the inbox may return a few older ones)."""

    # Each inbox also has the methods named in its items' `actions`: hide(item), delete(item)
    # and block(item). block() must only be reached through bot.moderation.decide().


def plain_text(markup: str) -> str:
    """HTML (a blog comment's rendering) as plain text, shortened to TEXT_MAX."""
    text = re.sub(r"<br\s*/?>|</p>", "\n", markup or "", flags=re.IGNORECASE)
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return clip(text.strip())


def clip(text: str) -> str:
    return text if len(text) <= TEXT_MAX else text[: TEXT_MAX - 1] + "…"


def parse_time(value: str | None) -> datetime | None:
    """An ISO 8601 time from an API ("…Z", "…+0000" or naive UTC) as an aware UTC time."""
    if not value:
        return None
    value = value.strip().replace("Z", "+00:00")
    if re.search(r"[+-]\d{4}$", value):
        value = value[:-2] + ":" + value[-2:]
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
