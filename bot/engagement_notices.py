"""Chat messages owed about engagements: the chief's card, its refresh, the requester's DMs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import func, literal, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot import notices
from bot.models import Engagement, EngagementNotice, UTCDateTime
from bot.notifier import NoticeMark
from bot.snapshot import routing

# Notice kinds: the chief's card, its refresh, the requester's receipt and result.
CARD, CARD_UPDATE, REQUESTED, RESULT = "card", "card_update", "requested", "result"
LEASE = timedelta(minutes=5)  # a claimed notice is tried again after this if never finished


@dataclass(frozen=True)
class EngagementView:
    """Everything a card or a message about one engagement shows, as plain values."""

    id: int
    chat: str
    requester_id: str
    kind: str
    platform: str
    target: str
    target_url: str
    account: str
    category: str
    official_confirmed: bool
    status: str
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    attempts: int
    due_at: datetime | None
    result_url: str | None
    dry_run: bool
    error: str | None
    approvers: tuple[str, ...]  # who gets the card
    card_refs: tuple[tuple[str, str], ...]
    acting: bool = False  # decided by the deputy (代決)
    deciders: tuple[str, ...] = ()  # who may decide it now: never its requester
    requester_excluded: bool = False  # the requester would decide it, were it not their own


class EngagementNotifier(Protocol):
    """Implemented by each chat front end. Raise to be retried later."""

    def post_engagement_card(
        self, item: EngagementView, notice: NoticeMark | None = None
    ) -> list[tuple[str, str]]:
        """Send the approval card to the approvers; return where it went (channel, message id).

        Each message carries `notice`; after an earlier attempt one that does is taken for it.
        """

    def update_engagement_card(self, item: EngagementView) -> None:
        """Re-render the card in place at every `item.card_refs`."""

    def tell_requester(
        self, item: EngagementView, kind: str, notice: NoticeMark | None = None
    ) -> None:
        """Direct-message the requester: `requested`, or `result` (rejected, done or failed)."""


def view(session: Session, item: Engagement) -> EngagementView:
    """Snapshot one engagement for rendering."""
    route = routing(session, item.requester_id, item.chat)  # separation of duties, 代決
    return EngagementView(
        id=item.id,
        chat=item.chat,
        requester_id=item.requester_id,
        kind=item.kind,
        platform=item.platform,
        target=item.target,
        target_url=item.target_url,
        account=item.account,
        category=item.category,
        official_confirmed=item.official_confirmed,
        status=item.status,
        created_at=item.created_at,
        decided_by=item.decided_by,
        decided_at=item.decided_at,
        attempts=item.attempts,
        due_at=item.due_at,
        result_url=item.result_url,
        dry_run=item.dry_run,
        error=item.error,
        approvers=route.recipients,
        card_refs=tuple((str(c), str(t)) for c, t in item.card_refs or ()),
        acting=bool(item.acting),
        deciders=route.deciders,
        requester_excluded=route.author_excluded,
    )


def add_notice(session: Session, engagement_id: int, kind: str, now: datetime) -> None:
    """Owe a chat message, in the same transaction as the change it reports."""
    session.add(
        EngagementNotice(engagement_id=engagement_id, kind=kind, due_at=now, created_at=now)
    )


def backoff(attempt: int, base: float = 2.0, cap: float = 600.0) -> timedelta:
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempt - 1)))


def deliver_due(
    session_factory: sessionmaker[Session],
    notifier: EngagementNotifier,
    clock: Callable[[], datetime],
    limit: int = 50,
    holder: str | None = None,
) -> int:
    """Deliver owed messages in order; an engagement's later notices wait for its earlier ones.

    A notice taken is marked with `holder` (this worker), so that it is due again at once
    should this worker go silent (`bot.workers.take_over_silent`).
    """
    now = clock()
    with session_factory() as session:
        due = session.execute(
            select(
                EngagementNotice.id,
                EngagementNotice.engagement_id,
                EngagementNotice.due_at,
                EngagementNotice.first_tried_at,
            )
            .where(EngagementNotice.done.is_(False))
            .order_by(EngagementNotice.id)
            .limit(limit)
        ).all()
    delivered, blocked = 0, set()
    for notice_id, engagement_id, due_at, first_tried_at in due:
        if engagement_id in blocked:
            continue
        if due_at > now or not _claim(session_factory, notice_id, due_at, now, holder):
            blocked.add(engagement_id)
            continue
        mark = notices.mark("engagement_notice", notice_id, first_tried_at)
        if not _deliver(session_factory, notifier, clock, mark, notice_id):
            blocked.add(engagement_id)
            continue
        delivered += 1
    return delivered


def _claim(
    factory: sessionmaker[Session], notice_id: int, due_at: datetime, now, holder: str | None
) -> bool:
    """Take a notice for one lease, so a second worker does not send it too."""
    with factory.begin() as session:
        taken = session.execute(
            update(EngagementNotice)
            .where(
                EngagementNotice.id == notice_id,
                EngagementNotice.done.is_(False),
                EngagementNotice.due_at == due_at,
            )
            .values(
                due_at=now + LEASE,
                claimed_by=holder,
                first_tried_at=func.coalesce(
                    EngagementNotice.first_tried_at, literal(now, UTCDateTime())
                ),
            )
        ).rowcount
    return taken == 1


def _deliver(
    factory, notifier: EngagementNotifier, clock, mark: NoticeMark, notice_id: int
) -> bool:
    with factory() as session:
        notice = session.get(EngagementNotice, notice_id)
        kind = notice.kind
        item = view(session, session.get(Engagement, notice.engagement_id))
    try:
        refs: list[tuple[str, str]] = []
        if kind == CARD:
            refs = notifier.post_engagement_card(item, notice=mark)
        elif kind == CARD_UPDATE:
            if item.card_refs:
                notifier.update_engagement_card(item)
        else:
            notifier.tell_requester(item, kind, notice=mark)
    except Exception as error:
        _defer(factory, clock, notice_id, error)
        return False
    with factory.begin() as session:
        session.execute(
            update(EngagementNotice).where(EngagementNotice.id == notice_id).values(done=True)
        )
        if refs:
            row = session.get(Engagement, item.id, with_for_update=True)
            row.card_refs = [*(row.card_refs or []), *([c, t] for c, t in refs)]
    return True


def _defer(factory, clock, notice_id: int, error: Exception) -> None:
    """Try again later, never giving up: a result the requester is owed is not dropped."""
    with factory.begin() as session:
        notices.put_off(session, notice_id, error, clock(), backoff, model=EngagementNotice)
