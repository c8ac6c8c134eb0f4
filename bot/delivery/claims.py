"""What every action outbox shares: taking due rows with a lease and the heartbeat, the backoff."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from bot.delivery import workers
from bot.models import SENDING
from bot.ports import TransientError


def backoff(attempt: int, base: float = 5.0, cap: float = 900.0) -> timedelta:
    """How long after a failed attempt to try again: 5 s, 10 s, 20 s … up to 15 minutes."""
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempt - 1)))


def abandoned(
    model, now: datetime, lease: timedelta, silent_after: timedelta, holder, sending=None
):
    """Rows of an outbox table (publications, engagements, moderation items) left mid-call
    (`sending`: status SENDING unless said otherwise): taken over once their holder has been
    silent for `silent_after` (it died), or else once the lease has run out (a live worker that
    is slow, or a claim with no holder)."""
    return and_(
        model.status == SENDING if sending is None else sending,
        or_(
            model.claimed_at < now - lease,
            workers.silent(model.claimed_by, now, silent_after, holder),
        ),
    )


def take_due(session: Session, model, due, left, limit: int, now: datetime, holder, **values):
    """Lock up to `limit` rows of an outbox table (engagements, moderation items) that are `due`
    or were `left` mid-call, oldest due first, skipping rows another worker holds (PostgreSQL;
    SQLite serialises writers), and mark them taken by `holder`: one attempt more, `values` set.
    The rows come back as they were before the mark."""
    rows = (
        session.execute(
            select(model)
            .where(or_(due, left))
            .order_by(model.due_at, model.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=model)
        )
        .scalars()
        .all()
    )
    if rows:
        session.execute(
            update(model)
            .where(model.id.in_([row.id for row in rows]))
            .values(attempts=model.attempts + 1, claimed_at=now, claimed_by=holder, **values)
            .execution_options(synchronize_session=False)
        )
    return rows


def retry_at(error: TransientError, now: datetime, wait: timedelta) -> datetime:
    """When a transient failure is tried again: when the network said, else after `wait`."""
    if error.retry_at and error.retry_at > now:
        return error.retry_at
    return now + wait
