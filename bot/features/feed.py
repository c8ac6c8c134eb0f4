"""The Center HP feed watcher (policy §5(2)): new pages are announced to staff, never posted."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.delivery import notices
from bot.features.feedsource import Entry, FeedError, FeedFetcher, Fetched, HttpFeedFetcher, parse
from bot.messages import Messages
from bot.models import FEED_ENTRY, FeedEntry, FeedState
from bot.people import roles

log = logging.getLogger(__name__)

DUE, ANNOUNCED, SKIPPED = "due", "announced", "skipped"  # FeedEntry.state
ANNOUNCE = "announce"  # the notice owed about an entry
FIRST_POLL_DAYS = 3  # a new feed's first poll announces only entries this recent ...
FIRST_POLL_MAX = 3  # ... and at most this many; older ones are recorded as seen, silently
MAX_PER_POLL = 10  # a later poll with more unseen entries (a site move) announces the newest


@dataclass(frozen=True)
class FeedItem:
    """One HP entry as the chat front ends show it; `id` is the FeedEntry row id."""

    id: int
    title: str
    link: str
    published_at: datetime | None


def build_fetcher(settings: Settings) -> HttpFeedFetcher | None:
    """The fetcher for SNSBOT_HP_FEED_URL, or None when no feed is configured."""
    return HttpFeedFetcher(settings.hp_feed_url) if settings.hp_feed_url else None


def _to_announce(new: list[Entry], first: bool, now: datetime) -> list[Entry]:
    if first:
        since = now - timedelta(days=FIRST_POLL_DAYS)
        recent = [e for e in new if e.published_at and e.published_at >= since]
        return sorted(recent, key=lambda e: e.published_at, reverse=True)[:FIRST_POLL_MAX]
    return sorted(new, key=lambda e: e.published_at or now, reverse=True)[:MAX_PER_POLL]


def _remember(session: Session, url: str, fetched: Fetched, entries: list[Entry], now) -> None:
    state = session.execute(select(FeedState).where(FeedState.url == url)).scalar_one_or_none()
    first = state is None
    if first:
        state = FeedState(url=url)
        session.add(state)
    state.etag, state.last_modified = fetched.etag or None, fetched.last_modified or None
    state.checked_at = now
    unique = list({e.key: e for e in reversed(entries)}.values())  # first occurrence wins
    known = set(
        session.execute(
            select(FeedEntry.entry_key).where(FeedEntry.entry_key.in_([e.key for e in unique]))
        ).scalars()
    )
    new = [e for e in unique if e.key not in known]
    due = {e.key for e in _to_announce(new, first, now)}
    if len(new) > len(due):
        log.info(
            "HP feed: %d entries recorded as seen without an announcement", len(new) - len(due)
        )
    session.add_all(
        FeedEntry(
            entry_key=e.key,
            title=e.title,
            link=e.link,
            published_at=e.published_at,
            seen_at=now,
            state=DUE if e.key in due else SKIPPED,
        )
        for e in new
    )


def _owe_announcements(session_factory, channel_front_ends: tuple[str, ...], now: datetime) -> int:
    """Each due entry becomes announced, owing a notice on each front end with staff on the
    roster (and each with a feed channel), in one transaction, whichever process polled: the
    notice outbox delivers it (and retries it) once on each."""
    with session_factory.begin() as session:
        front_ends = sorted(set(roles.front_ends(session)) | set(channel_front_ends))
        due = (
            session.execute(
                select(FeedEntry.id)
                .where(FeedEntry.state == DUE)
                .order_by(FeedEntry.published_at.is_(None), FeedEntry.published_at, FeedEntry.id)
                .with_for_update(skip_locked=True)
            )
            .scalars()
            .all()
        )
        for entry_id in due:
            for front_end in front_ends:
                notices.owe(session, FEED_ENTRY, entry_id, front_end, ANNOUNCE, now)
        if due:
            session.execute(
                update(FeedEntry)
                .where(FeedEntry.id.in_(due))
                .values(state=ANNOUNCED, announced_at=now)
                .execution_options(synchronize_session=False)
            )
    return len(due)


def poll_once(
    session_factory: sessionmaker[Session],
    fetcher: FeedFetcher,
    msg: Messages,
    clock: Callable[[], datetime],
    channel_front_ends: tuple[str, ...] = (),
) -> int:
    """Check the feed once, remember new entries and owe an announcement of each due one to the
    staff of every front end (and to `channel_front_ends`' feed channels); how many entries are
    to be announced."""
    now, url = clock(), fetcher.url
    with session_factory() as session:
        state = session.execute(select(FeedState).where(FeedState.url == url)).scalar_one_or_none()
        etag, modified = (state.etag or "", state.last_modified or "") if state else ("", "")
    try:
        fetched = fetcher(etag, modified)
    except (requests.RequestException, FeedError) as error:
        log.warning("HP feed %s could not be fetched: %s", url, error)
        fetched = Fetched(0)
    if fetched.status == 200:
        entries = parse(fetched, url, msg("feed.untitled"))
        if entries is None:
            log.warning("HP feed %s is not a readable RSS or Atom feed; nothing recorded", url)
        else:
            try:
                with session_factory.begin() as session:
                    _remember(session, url, fetched, entries, now)
            except IntegrityError:
                log.info("HP feed: another process recorded these entries first")
    return _owe_announcements(session_factory, channel_front_ends, now)


def item(session: Session, entry_id: int) -> FeedItem | None:
    """One remembered HP entry, for the 下書きを作成 button."""
    e = session.get(FeedEntry, entry_id)
    return FeedItem(e.id, e.title, e.link, e.published_at) if e else None


class FeedWatcher:
    """Runs `poll_once` at most every `every`; the dispatcher's housekeeping calls `tick`."""

    def __init__(self, session_factory, fetcher, msg, clock, every: timedelta, channel_front_ends):
        self.args = (session_factory, fetcher, msg, clock, channel_front_ends)
        self.clock, self.every = clock, every
        self._next: datetime | None = None

    def tick(self) -> int:
        now = self.clock()
        if self._next is not None and now < self._next:
            return 0
        self._next = now + self.every
        try:
            return poll_once(*self.args)
        except Exception:
            log.exception("HP feed poll failed; trying again in %s", self.every)
            return 0


def watcher(settings: Settings, session_factory, msg, clock) -> FeedWatcher | None:
    """The feed watcher for these settings, or None when SNSBOT_HP_FEED_URL is not set."""
    channels = ("slack",) if settings.hp_feed_channel else ()  # SNSBOT_HP_FEED_CHANNEL is Slack's
    fetcher = build_fetcher(settings)
    every = timedelta(minutes=max(1, settings.hp_feed_minutes))
    if fetcher is None:
        return None
    return FeedWatcher(session_factory, fetcher, msg, clock, every, channels)
