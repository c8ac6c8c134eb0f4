"""Time-driven rules: scheduled drafts expire unapproved, the chief cancels, business-day reminders."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import TypeVar

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import register
from bot.approval.deciding import DONE, NOT_FOUND, NOTHING_TO_DO, Outcome, may_decide, refuse
from bot.approval.workflow import add_notice, expire
from bot.messages import JST
from bot.models import (
    CANCELLED,
    CANCELLED_NOTICE,
    CARD_UPDATE,
    PENDING,
    QUEUED,
    Draft,
    Publication,
    ReminderLog,
    Revision,
)
from bot.workdays import WorkingDays

log = logging.getLogger(__name__)

Found = TypeVar("Found")


def expire_overdue(session: Session, now: datetime, lead: timedelta) -> int:
    """Expire every pending draft whose publish time is too close (or past) to approve."""
    overdue = session.execute(
        select(Draft)
        .join(Revision, (Revision.draft_id == Draft.id) & (Revision.number == Draft.revision))
        .where(Draft.status == PENDING, Revision.publish_at.is_not(None))
        .where(Revision.publish_at < now + lead)
    ).scalars()
    return sum(expire(session, draft, now) for draft in list(overdue))


def cancel_scheduled(session: Session, *, draft_id: int, actor: str, now: datetime) -> Outcome:
    """The chief stops an approved post that has not gone out yet (only still-queued channels)."""
    draft = session.get(Draft, draft_id, with_for_update=True)
    if draft is None:
        return Outcome(NOT_FOUND, draft_id)
    if not may_decide(session, actor, draft.front_end):
        return refuse(session, draft_id=draft_id, actor=actor, attempted="cancel", now=now)
    queued = list(
        session.execute(
            select(Publication.id, Publication.channel).where(
                Publication.draft_id == draft_id,
                Publication.revision == draft.revision,
                Publication.status == QUEUED,
            )
        ).all()
    )
    cancelled = []
    for pub_id, channel in queued:
        won = session.execute(
            update(Publication)
            .where(Publication.id == pub_id, Publication.status == QUEUED)
            .values(status=CANCELLED, updated_at=now)
        ).rowcount
        if won:
            cancelled.append(channel)
    if not cancelled:
        return Outcome(NOTHING_TO_DO, draft_id, status=draft.status)
    register.append(
        session,
        at=now,
        actor=actor,
        action="cancelled",
        draft_id=draft_id,
        revision=draft.revision,
        channels=cancelled,
    )
    add_notice(session, draft_id, CARD_UPDATE, now)
    add_notice(session, draft_id, CANCELLED_NOTICE, now)
    return Outcome(DONE, draft_id, status=draft.status, channels=tuple(cancelled))


def reminder_due(now: datetime, at: time, workdays: WorkingDays | None = None) -> str | None:
    """Today's date (Japan) when a business day's reminder is due at or after `at`, else None:
    never on weekends, public holidays or the office's closure days."""
    local = now.astimezone(JST)
    if not (workdays or WorkingDays()).is_working_day(local.date()) or local.time() < at:
        return None
    return local.date().isoformat()


def waiting_drafts(
    session: Session, now: datetime, older_than: timedelta, front_end: str = "slack"
) -> list[Draft]:
    """Pending drafts of one chat front end whose current revision waited over `older_than`."""
    return list(
        session.execute(
            select(Draft)
            .join(Revision, (Revision.draft_id == Draft.id) & (Revision.number == Draft.revision))
            .where(
                Draft.front_end == front_end,
                Draft.status == PENDING,
                Revision.created_at < now - older_than,
            )
            .order_by(Draft.id)
        ).scalars()
    )


def send_once_today(
    session_factory,
    kind: str,
    day: str,
    now: datetime,
    look: Callable[[Session], Found | None],
    send: Callable[[Found], object],
) -> None:
    """Today's message of `kind`, sent by one process only and tried again until it goes.

    Nothing happens when it was sent today already, or when `look` finds nothing to send (None);
    otherwise today's message is claimed, sent with what `look` found, and forgotten again if
    sending fails.
    """
    with session_factory() as session:
        if reminded(session, kind, day):
            return
        found = look(session)
    if found is None or not claim_reminder(session_factory, kind, day, now):
        return
    try:
        send(found)
    except Exception:
        log.exception("today's %s message could not be sent; trying again later", kind)
        release_reminder(session_factory, kind, day)


def reminded(session: Session, kind: str, day: str) -> bool:
    """Whether today's message of `kind` was sent (or is being sent)."""
    sent = select(ReminderLog.id).where(ReminderLog.kind == kind, ReminderLog.day == day)
    return session.execute(sent).first() is not None


def claim_reminder(session_factory, kind: str, day: str, now: datetime) -> bool:
    """Record that today's reminder is being sent; False when another process already did."""
    try:
        with session_factory.begin() as session:
            session.add(ReminderLog(kind=kind, day=day, sent_at=now))
    except IntegrityError:
        return False
    return True


def note_reminder(session: Session, kind: str, day: str, now: datetime) -> None:
    """In the caller's transaction: today's reminder of `kind` counts as sent (unless it was)."""
    if not reminded(session, kind, day):
        session.add(ReminderLog(kind=kind, day=day, sent_at=now))


def release_reminder(session_factory, kind: str, day: str) -> None:
    """Forget a claimed reminder that could not be sent, so it is tried again."""
    with session_factory.begin() as session:
        for row in session.execute(
            select(ReminderLog).where(ReminderLog.kind == kind, ReminderLog.day == day)
        ).scalars():
            session.delete(row)
