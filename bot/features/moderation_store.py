"""The moderation inbox's database side: items stored once, poll times, and views of items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.delivery import notices
from bot.delivery.notices import card_refs
from bot.models import CARD, MODERATION, ModerationItem, ModerationPoll
from bot.ports import ACTIONS, DISMISS, Item

NEW, ACTING, DECIDED = "new", "acting", "decided"  # an item's states
FIRST_LOOKBACK = timedelta(days=7)  # how far back the first poll of a network reads
OVERLAP = timedelta(minutes=10)  # later polls re-read this much; seen items are skipped


@dataclass(frozen=True)
class ItemView:
    """An item as the chat front end shows it, detached from the database."""

    id: int
    network: str
    kind: str
    author: str
    text: str
    url: str
    posted_at: datetime
    actions: tuple[str, ...]  # DISMISS first, then what the network supports
    status: str
    decided_by: str | None
    decided_at: datetime | None
    action: str | None
    category: int | None
    card_refs: tuple[tuple[str, str], ...] = ()  # where its card was posted
    error: str | None = None  # why the last action failed
    failed_by: str | None = None  # who decided it (and is told)
    failed_action: str | None = None
    by_deputy: bool = False  # decided by the deputy while the chief was away (代決)


def view(row: ModerationItem, session: Session | None = None) -> ItemView:
    """The item as shown; with `session`, also where its card is (to update it)."""
    return ItemView(
        id=row.id,
        network=row.network,
        kind=row.kind,
        author=row.author,
        text=row.text,
        url=row.url,
        posted_at=row.posted_at,
        actions=(DISMISS, *[a for a in ACTIONS if a in (row.actions or ())]),
        status=row.status,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        action=row.action,
        category=row.category,
        card_refs=card_refs(session, MODERATION, row.id) if session is not None else (),
        error=row.error,
        failed_by=row.failed_by,
        failed_action=row.failed_action,
        by_deputy=bool(row.acting),
    )


def claim_poll(session: Session, network: str, minutes: int, now: datetime) -> datetime | None:
    """The time to read from when this network is due (and mark it read), else None."""
    poll = session.get(ModerationPoll, network, with_for_update=True)
    if poll is None:
        poll = ModerationPoll(network=network, next_at=now)
        session.add(poll)
    elif poll.next_at > now:
        return None
    poll.next_at, poll.polled_at = now + timedelta(minutes=minutes), now
    newest = session.execute(
        select(func.max(ModerationItem.posted_at)).where(ModerationItem.network == network)
    ).scalar()
    return now - FIRST_LOOKBACK if newest is None else newest - OVERLAP


def store(
    session: Session,
    network: str,
    items: list[Item],
    unknown: str,
    now: datetime,
    front_ends: tuple[str, ...] = ("slack",),
) -> int:
    """Insert the items not seen before, each owing its card on `front_ends`; one already stored
    is skipped (never shown twice). How many were new."""
    new = 0
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    for item in items:
        values = dict(
            network=network,
            remote_id=item.remote_id,
            kind=item.kind,
            author=item.author or unknown,
            author_id=item.author_id,
            text=item.text,
            url=item.url,
            posted_at=item.posted_at,
            actions=[a for a in item.actions if a != DISMISS],
            fetched_at=now,
            status=NEW,
        )
        inserted = session.execute(
            dialect.insert(ModerationItem)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["network", "remote_id"])
            .returning(ModerationItem.id)
        ).scalar()
        if inserted is not None:
            new += 1
            for front_end in front_ends:
                notices.owe(session, MODERATION, inserted, front_end, CARD, now)
    return new


def as_item(row: ModerationItem) -> Item:
    return Item(
        remote_id=row.remote_id,
        kind=row.kind,
        author=row.author,
        author_id=row.author_id,
        text=row.text,
        url=row.url,
        posted_at=row.posted_at,
        actions=tuple(row.actions or ()),
    )
