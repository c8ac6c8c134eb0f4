"""The interfaces the core uses to reach the outside: publishers, inboxes, performers, notifiers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # the views the front ends render; the core builds them
    from bot.approval.engagement_view import EngagementView
    from bot.approval.snapshot import DraftSnapshot
    from bot.features.feed import FeedItem
    from bot.features.moderation_store import ItemView
    from bot.people.oversight import ReviewItem, RotationItem

#: How much earlier than `Post.since` (our clock) a post may be stamped (the network's clock)
#: and still be taken for this one by find().
CLOCK_SKEW = timedelta(minutes=2)


# -- words for people -------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """Words for people as a message key and its values; the core renders them in a language.

    A value may itself be a Text (rendered first, in the same language). A key the catalogue
    does not have is shown as it is (words an adapter already had in hand).
    """

    key: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def render(self, catalogue: Callable[..., str]) -> str:
        """The words in the catalogue's language (`catalogue(key, **values)`)."""
        values = {
            name: value.render(catalogue) if isinstance(value, Text) else value
            for name, value in self.values.items()
        }
        try:
            return catalogue(self.key, **values)
        except KeyError as missing:
            if missing.args != (self.key,):
                raise  # the key's text names a value that was not given
            return self.key


class NetworkError(Exception):
    """A network call that did not succeed; `text` says why, as a message key and values."""

    def __init__(self, key: str, values: Mapping[str, Any] | None = None):
        super().__init__(key)
        self.text = Text(key, dict(values or {}))

    @property
    def key(self) -> str:
        return self.text.key

    @property
    def values(self) -> Mapping[str, Any]:
        return self.text.values

    def render(self, catalogue: Callable[..., str]) -> str:
        """Why, in the catalogue's language."""
        return self.text.render(catalogue)


class TransientError(NetworkError):
    """Try again later (at `retry_at` when the network said when)."""

    def __init__(self, key: str, values: Mapping | None = None, retry_at: datetime | None = None):
        super().__init__(key, values)
        self.retry_at = retry_at


class PermanentError(NetworkError):
    """Retrying will not help; the rendered text tells the author what to do."""


#: The key of a failure the network code did not foresee; its one value `name` is the error's
#: class name (as stored before errors carried keys).
UNEXPECTED = "pub.reason.unexpected"


def unexpected(error: BaseException) -> TransientError:
    """An unforeseen exception as a transient failure named by its class."""
    return TransientError(UNEXPECTED, {"name": type(error).__name__})


# -- publishing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Image:
    """An image attached to a draft, already downloaded from the chat front end."""

    name: str
    mimetype: str
    data: bytes = field(repr=False)
    alt: str = ""  # the alternative text the author gave (accessibility), sent with the image


@dataclass(frozen=True)
class Post:
    """One approved revision as one channel will receive it."""

    draft_id: int
    revision: int
    channel: str
    payload: dict
    images: tuple[Image, ...] = field(default_factory=tuple)
    publish_at: datetime | None = None
    #: The first attempt's start: find() adopts only posts made since (less CLOCK_SKEW); or None.
    since: datetime | None = None


@dataclass(frozen=True)
class Published:
    """Where the post now lives on the network."""

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


class Publisher(Protocol):
    """One channel (X, Facebook, the blog, or a dry run)."""

    name: str
    dry_run: bool

    def preview(self, post: Post) -> str:
        """The text the approval card shows for this channel."""

    def publish(self, post: Post) -> Published:
        """Post it; raise TransientError or PermanentError on failure."""

    def find(self, post: Post) -> Published | None:
        """Look the post up on the network (after a crash mid-send); None when absent. Only a
        post carrying everything this one carries and made since `post.since` counts: when in
        doubt, None (posting again beats recording someone else's post as ours)."""

    def verify_account(self) -> Text | None:
        """None when the credentials belong to the configured account, else what is wrong."""

    def profile(self) -> dict[str, str]:
        """The account's public `name`, `username` and `about` text (policy §2, §9)."""


# -- engagement (policy §7, §8) ---------------------------------------------------------------


class Performer(Protocol):
    """Performs engagements on one network; raises TransientError or PermanentError."""

    network: str
    dry_run: bool

    def perform(self, kind: str, target: str) -> Published:
        """Follow, retweet, like or share `target`; where the result can be seen."""

    def look_up(self, kind: str, target: str) -> Published | None:
        """After a crash mid-call: the result if it is already there (None: perform again)."""


# -- moderation inbox (policy §11) ------------------------------------------------------------

# What the chief may do with an item. There is deliberately no "reply" (policy §9) and no
# private message (policy §10); blocking exists only here, behind a §11 category.
DISMISS, HIDE, DELETE, BLOCK = "dismiss", "hide", "delete", "block"
ACTIONS = (DISMISS, HIDE, DELETE, BLOCK)

# Kinds of item.
MENTION, REPLY, COMMENT = "mention", "reply", "comment"


@dataclass(frozen=True)
class Item:
    """A mention, reply or comment by someone else on one of the center's accounts."""

    remote_id: str
    kind: str
    author: str  # display name or handle, as the network shows it ("" when hidden from us)
    author_id: str  # the network's id for the author ("" when unknown: no block possible)
    text: str
    url: str
    posted_at: datetime
    actions: tuple[str, ...]  # besides DISMISS, what this network can do with this item


class Inbox(Protocol):
    """One network's inbox; action methods raise TransientError or PermanentError on failure."""

    name: str  # the channel name: x, facebook, blog
    poll_minutes: int  # how often fetch() may be called (rate limits)

    def fetch(self, since: datetime) -> list[Item]:
        """Items posted at or after `since` (the inbox may return a few older ones)."""

    # Each inbox also has the methods named in its items' `actions`: hide(item), delete(item)
    # and block(item). block() must only be reached through bot.approval.moderation.decide().


# -- the chat front ends (Slack, Teams) ---------------------------------------------------------


@dataclass(frozen=True)
class NoticeMark:
    """Which owed notice a message delivers; the front end stores it with the message.

    `key` is unique within this installation ("notice:42"). `tried_since` is when an earlier
    attempt began (None on the first): that attempt may have delivered the message although no
    answer came back, so the front end looks for a message carrying `key` before sending again.
    """

    key: str
    tried_since: datetime | None = None


class RetryLater(Exception):
    """A notice could not be delivered now; `retry_after` seconds when the front end said."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


Refs = list[tuple[str, str]]  # where new cards went: (channel or conversation, message id)


class Notifier(Protocol):
    """Every message the bot owes a person, for every kind of request; each front end implements
    all of it. Raise to be retried later. A method taking `notice` marks each message with it
    and, after an earlier attempt, takes a message that carries it for this one."""

    def post_card(self, draft: DraftSnapshot, notice: NoticeMark | None = None) -> Refs:
        """The draft's approval card to its approvers."""

    def update_card(self, draft: DraftSnapshot) -> None:
        """Re-render at every `draft.card_refs` (older revisions: superseded)."""

    def tell_author(self, draft: DraftSnapshot, kind: str, notice: NoticeMark | None = None):
        """submitted, rejected, results, edited, withdrawn, expired, cancelled."""

    def tell_approvers(self, draft: DraftSnapshot, kind: str, notice: NoticeMark | None = None):
        """About a draft they were to decide: expired."""

    def post_engagement_card(self, item: EngagementView, notice: NoticeMark | None = None) -> Refs:
        """A follow/retweet/like/share request's card to its approvers."""

    def update_engagement_card(self, item: EngagementView) -> None:
        """Re-render at every `item.card_refs`."""

    def tell_requester(self, item: EngagementView, kind: str, notice: NoticeMark | None = None):
        """requested, or result (rejected, done or failed)."""

    def post_item(self, item: ItemView, notice: NoticeMark | None = None) -> Refs:
        """A moderation item's card (§11) to whoever decides it."""

    def update_item(self, item: ItemView) -> None:
        """Re-render at every `item.card_refs` (the decision; no buttons once decided)."""

    def tell_decider(self, item: ItemView, kind: str, notice: NoticeMark | None = None):
        """failed: the action `item.failed_by` decided did not go through (`item.error`)."""

    def announce(
        self, item: FeedItem, members: tuple[str, ...], notice: NoticeMark | None = None
    ) -> None:
        """A new HP entry (§5(2)), in the feed channel or to each of `members`."""

    def remind(
        self, user_id: str, waiting: list[DraftSnapshot], notice: NoticeMark | None = None
    ) -> None:
        """The business-day reminder: the drafts waiting for a decision."""

    def ask_review(self, user_id: str, items: list[ReviewItem]) -> None:
        """The deputy's decisions for the returning chief to confirm (後閲)."""

    def ask_rotation(
        self, user_id: str, items: list[RotationItem], notice: NoticeMark | None = None
    ) -> None:
        """The accounts whose credentials must change (§6)."""

    def tell_user(self, user_id: str, text: str) -> None:
        """A short plain text to anyone (e.g. the register's head to the chief)."""
