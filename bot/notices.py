"""Owed chat notices: claiming the due ones in order, and recording how their delivery went."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from itertools import takewhile

from sqlalchemy import Row, func, literal, select, update
from sqlalchemy.orm import Session, aliased

from bot.models import CardMessage, Draft, Notice, UTCDateTime
from bot.notifier import NoticeMark

log = logging.getLogger(__name__)

ALARM_AFTER = 10  # failures after which each further one is logged as an error


def claim_due(
    session: Session,
    platforms: Collection[str],
    now: datetime,
    lease_until: datetime,
    limit: int,
    holder: str | None = None,
) -> dict[int, list[Row]]:
    """Take due notices of drafts written on `platforms` until `lease_until`; each draft's, in order.

    Each row has the notice's `first_tried_at` as it was before this claim: None when no
    attempt was ever begun, else an earlier one may have delivered it (see `mark`).
    They are marked with `holder` (this worker): should it go silent, they are due again at once
    (`bot.workers.take_over_silent`) rather than at `lease_until`.

    A draft's notice is taken only with every earlier one still owed, so a second dispatcher
    neither sends it too nor overtakes it. On PostgreSQL, notices another transaction holds are
    skipped, not waited for: another dispatcher is taking them, or a publication's result is
    deciding whether it can ride on a card update not yet sent.
    """
    held = aliased(Notice)
    # A draft with a notice owed but not due (being sent, or waiting to be tried again) waits
    # for it: notices are claimed, put off and given back oldest first, so a later one of that
    # draft is never the one held. One pass over the notices owed (a hashed NOT IN), however
    # far behind the delivery is.
    waiting = select(held.draft_id).where(held.done.is_(False), held.due_at > now)
    due = session.execute(
        select(Notice.id, Notice.draft_id, Notice.kind, Notice.first_tried_at)
        .join(Draft, Draft.id == Notice.draft_id)
        .where(
            Notice.done.is_(False),
            Notice.due_at <= now,
            Draft.platform.in_(list(platforms)),
            Notice.draft_id.not_in(waiting),
        )
        .order_by(Notice.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=Notice)
    ).all()
    if not due:
        return {}
    owed = session.execute(  # to find the ones skipped
        select(Notice.draft_id, Notice.id)
        .where(
            Notice.draft_id.in_({n.draft_id for n in due}),
            Notice.done.is_(False),
            Notice.id <= due[-1].id,
        )
        .order_by(Notice.id)
    ).all()
    runs = unbroken_runs(due, owed)
    if runs:
        session.execute(
            update(Notice)
            .where(Notice.id.in_([n.id for run in runs.values() for n in run]))
            .values(
                due_at=lease_until,
                claimed_by=holder,
                first_tried_at=func.coalesce(Notice.first_tried_at, literal(now, UTCDateTime())),
            )
            .execution_options(synchronize_session=False)
        )
    return runs


def mark(prefix: str, notice_id: int, first_tried_at: datetime | None) -> NoticeMark:
    """The identity a notice's message carries: `prefix:id`, tried before since `first_tried_at`."""
    return NoticeMark(f"{prefix}:{notice_id}", first_tried_at)


def unbroken_runs(due: list[Row], owed: list[Row]) -> dict[int, list[Row]]:
    """Each draft's due notices that are its oldest owed ones, in order, up to the first gap.

    Both lists are oldest first; `owed` holds (draft, notice id) of every notice still owed.
    """
    owed_by_draft: dict[int, list[int]] = {}
    for draft_id, notice_id in owed:
        owed_by_draft.setdefault(draft_id, []).append(notice_id)
    due_by_draft: dict[int, list[Row]] = {}
    for notice in due:
        due_by_draft.setdefault(notice.draft_id, []).append(notice)
    runs = {}
    for draft_id, notices in due_by_draft.items():
        pairs = zip(notices, owed_by_draft[draft_id], strict=False)
        run = [notice for notice, _ in takewhile(lambda pair: pair[0].id == pair[1], pairs)]
        if run:
            runs[draft_id] = run
    return runs


def mark_sent(
    session: Session, notice_ids: list[int], draft_id: int, revision: int, cards: list
) -> None:
    """Delivered: done, and where each new card went (channel, message id), to update it later."""
    if notice_ids:
        session.execute(
            update(Notice)
            .where(Notice.id.in_(notice_ids))
            .values(done=True)
            .execution_options(synchronize_session=False)
        )
    for channel, ts in cards:
        session.add(CardMessage(draft_id=draft_id, revision=revision, channel=channel, ts=ts))


def release(session: Session, notice_ids: list[int], lease_until: datetime, now: datetime) -> None:
    """Give back claimed notices not sent: due again, after their draft's earlier ones."""
    session.execute(
        update(Notice)
        .where(Notice.id.in_(notice_ids), Notice.due_at == lease_until, Notice.done.is_(False))
        .values(due_at=now)
        .execution_options(synchronize_session=False)
    )


def put_off(
    session: Session,
    notice_id: int,
    error: Exception,
    now: datetime,
    backoff: Callable[[int], timedelta],
    model: type = Notice,
) -> None:
    """Try again later (after `backoff(failures so far)`), never giving up: none is dropped.

    `model` is the outbox table: draft notices, or engagement notices (same columns).
    """
    notice = session.get(model, notice_id)
    notice.attempts += 1
    notice.last_error = f"{type(error).__name__}: {error}"[:500]
    wait = backoff(notice.attempts)
    retry_after = getattr(error, "retry_after", None)
    if retry_after:
        wait = max(wait, timedelta(seconds=float(retry_after)))
    notice.due_at = now + wait
    level = logging.ERROR if notice.attempts >= ALARM_AFTER else logging.WARNING
    log.log(level, "%s notice %s failed (%s); retry in %s", notice.kind, notice_id, error, wait)
