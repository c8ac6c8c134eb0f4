"""What the bot reads from outside: the Center HP feed, and when each moderation inbox is due."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base


class FeedState(Base):
    """The Center HP feed's last answer: its validators for the next conditional request."""

    __tablename__ = "feed_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    checked_at: Mapped[datetime | None]


class FeedEntry(Base):
    """An entry seen in the HP feed (keyed by its id/guid, else its link), announced or not."""

    __tablename__ = "feed_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_key: Mapped[str] = mapped_column(String(512), unique=True)
    title: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None]
    seen_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16), index=True)  # due, announced or skipped
    announced_at: Mapped[datetime | None]


class ModerationPoll(Base):
    """When each network's moderation inbox may be read next (networks limit the rate)."""

    __tablename__ = "moderation_polls"

    network: Mapped[str] = mapped_column(String(16), primary_key=True)
    next_at: Mapped[datetime]
    polled_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
