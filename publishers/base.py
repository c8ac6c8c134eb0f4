"""The publisher interface every channel implements, and its two errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

#: How much earlier than `Post.since` (our clock) a post may be stamped (the platform's clock)
#: and still be taken for this one by find().
CLOCK_SKEW = timedelta(minutes=2)


@dataclass(frozen=True)
class Image:
    """An image attached to a draft, already downloaded from the chat platform."""

    name: str
    mimetype: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class Post:
    """One approved revision as one channel will receive it."""

    draft_id: int
    revision: int
    channel: str
    payload: dict
    images: tuple[Image, ...] = field(default_factory=tuple)
    publish_at: datetime | None = None
    #: When the publication's first attempt began: find() adopts only posts made since then
    #: (less CLOCK_SKEW). None outside the outbox (no window is known).
    since: datetime | None = None


@dataclass(frozen=True)
class Published:
    """Where the post now lives on the platform."""

    remote_id: str
    url: str | None = None


def window_start(post: Post) -> datetime | None:
    """The earliest creation time find() accepts for this post, or None when there is no window."""
    return post.since - CLOCK_SKEW if post.since is not None else None


def made_in_window(created: datetime | None, post: Post) -> bool:
    """Whether a post stamped `created` (aware) may be this one: always without a window, and
    never when the time is unknown while there is one."""
    start = window_start(post)
    if start is None:
        return True
    return created is not None and created >= start


class TransientError(Exception):
    """Try again later (at `retry_at` when the platform said when)."""

    def __init__(self, message: str, retry_at: datetime | None = None):
        super().__init__(message)
        self.retry_at = retry_at


class PermanentError(Exception):
    """Retrying will not help; `user_message` tells the author what to do, in their language."""

    def __init__(self, user_message: str):
        super().__init__(user_message)
        self.user_message = user_message


class Publisher(Protocol):
    name: str
    dry_run: bool

    def preview(self, post: Post) -> str:
        """The text the approval card shows for this channel."""

    def publish(self, post: Post) -> Published:
        """Post it; raise TransientError or PermanentError on failure."""

    def find(self, post: Post) -> Published | None:
        """Look the post up on the platform (after a crash mid-send); None when absent.

        Only a post carrying everything this one carries and made since `post.since` counts:
        when in doubt, None (posting again beats recording someone else's post as ours)."""

    def verify_account(self) -> str | None:
        """None when the credentials belong to the configured account, else what is wrong."""
