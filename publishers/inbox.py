"""What the moderation inboxes share: an item's text made plain and short, and API times read."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

TEXT_MAX = 4000  # characters kept of an item's text


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
