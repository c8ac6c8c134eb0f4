"""The notice outbox: chat messages owed about any subject, claimed in order, and how each went."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from itertools import takewhile

from sqlalchemy import Row, func, literal, select, tuple_, update
from sqlalchemy.orm import Session, aliased

from bot.models import CARD_UPDATE, CardMessage, Notice, UTCDateTime
from bot.ports import NoticeMark

log = logging.getLogger(__name__)

ALARM_AFTER = 10  # failures after which each further one is logged as an error

Subject = tuple[str, int]  # (what it is about: bot.models.SUBJECTS, its id)


def owe(
    session: Session, subject: str, subject_id: int, front_end: str, kind: str, now: datetime
) -> None:
    """Owe a chat message, in the caller's transaction; a card refresh already owed and not yet
    taken is not queued twice."""
    if kind == CARD_UPDATE:
        # Locked (PostgreSQL) so a dispatcher cannot take it, and snapshot the subject, before
        # this transaction's change is committed: it would show the card without it.
        already = session.execute(
            select(Notice.id)
            .where(
                Notice.subject == subject,
                Notice.subject_id == subject_id,
                Notice.front_end == front_end,
                Notice.kind == CARD_UPDATE,
                Notice.done.is_(False),
                Notice.attempts == 0,
                Notice.due_at <= now,  # not yet taken by a dispatcher, which snapshots on taking
            )
            .limit(1)
            .with_for_update()
        ).first()
        if already:
            return
    session.add(
        Notice(
            subject=subject,
            subject_id=subject_id,
            front_end=front_end,
            kind=kind,
            due_at=now,
            created_at=now,
        )  # fmt: skip
    )


def claim_due(
    session: Session,
    front_ends: Collection[str],
    now: datetime,
    lease_until: datetime,
    limit: int,
    holder: str | None = None,
) -> dict[Subject, list[Row]]:
    """Take due notices for `front_ends` until `lease_until`; each subject's, in order.

    Each row has the notice's `first_tried_at` as it was before this claim: None when no
    attempt was ever begun, else an earlier one may have delivered it (see `mark`).
    They are marked with `holder` (this worker): should it go silent, they are due again at once
    (`bot.delivery.workers.take_over_silent`) rather than at `lease_until`.

    A subject's notice is taken only with every earlier one of its front end still owed, so a
    second dispatcher neither sends it too nor overtakes it; another front end's (served by
    another process, or failing) never holds it up. On PostgreSQL, notices another transaction holds are
    skipped, not waited for: another dispatcher is taking them, or a publication's result is
    deciding whether it can ride on a card update not yet sent.
    """
    held = aliased(Notice)
    # A subject with a notice owed on a front end but not due (being sent, or waiting to be
    # tried again) waits for it there: notices are claimed, put off and given back oldest first,
    # so a later one is never the one held. One pass over the notices owed (a hashed NOT IN),
    # however far behind the delivery is.
    waiting = select(held.subject, held.subject_id, held.front_end).where(
        held.done.is_(False), held.due_at > now
    )
    due = session.execute(
        select(
            Notice.id,
            Notice.subject,
            Notice.subject_id,
            Notice.front_end,
            Notice.kind,
            Notice.first_tried_at,
        )
        .where(
            Notice.done.is_(False),
            Notice.due_at <= now,
            Notice.front_end.in_(list(front_ends)),
            tuple_(Notice.subject, Notice.subject_id, Notice.front_end).not_in(waiting),
        )
        .order_by(Notice.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=Notice)
    ).all()
    if not due:
        return {}
    owed = session.execute(  # to find the ones skipped
        select(Notice.subject, Notice.subject_id, Notice.front_end, Notice.id)
        .where(
            Notice.subject_id.in_({n.subject_id for n in due}),
            Notice.front_end.in_({n.front_end for n in due}),
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


def unbroken_runs(due: list[Row], owed: list[Row]) -> dict[Subject, list[Row]]:
    """Each subject's due notices that are the oldest owed ones of their front end, in order, up
    to the first gap on that front end.

    Both lists are oldest first; `owed` holds (subject, subject id, front end, notice id) of
    every notice still owed.
    """
    owed_by_queue: dict[tuple[str, int, str], list[int]] = {}
    for subject, subject_id, front_end, notice_id in owed:
        owed_by_queue.setdefault((subject, subject_id, front_end), []).append(notice_id)
    due_by_queue: dict[tuple[str, int, str], list[Row]] = {}
    for notice in due:
        queue = (notice.subject, notice.subject_id, notice.front_end)
        due_by_queue.setdefault(queue, []).append(notice)
    runs: dict[Subject, list[Row]] = {}
    for (subject, subject_id, front_end), notices in due_by_queue.items():
        pairs = zip(notices, owed_by_queue[(subject, subject_id, front_end)], strict=False)
        run = [notice for notice, _ in takewhile(lambda pair: pair[0].id == pair[1], pairs)]
        if run:
            merged = runs.get((subject, subject_id), []) + run
            runs[(subject, subject_id)] = sorted(merged, key=lambda n: n.id)
    return runs


def mark_sent(
    session: Session,
    notice_ids: list[int],
    subject: Subject,
    revision: int,
    cards: list,
    step: int | None = None,
) -> None:
    """Delivered: done, and where each new card went (conversation, message id), to update it later."""
    if notice_ids:
        session.execute(
            update(Notice)
            .where(Notice.id.in_(notice_ids))
            .values(done=True)
            .execution_options(synchronize_session=False)
        )
    for conversation, ts in cards:
        session.add(
            CardMessage(
                subject=subject[0],
                subject_id=subject[1],
                revision=revision,
                conversation=conversation,
                ts=ts,
                step=step,  # a review step's card (None: the chief's)
            )
        )


def card_refs(session: Session, subject: str, subject_id: int) -> tuple[tuple[str, str], ...]:
    """Where cards about one subject (not a draft: its refs carry a revision) were posted."""
    return tuple(
        (conversation, ts)
        for conversation, ts in session.execute(
            select(CardMessage.conversation, CardMessage.ts)
            .where(CardMessage.subject == subject, CardMessage.subject_id == subject_id)
            .order_by(CardMessage.id)
        )
    )


def release(session: Session, notice_ids: list[int], lease_until: datetime, now: datetime) -> None:
    """Give back claimed notices not sent: due again, after their subject's earlier ones."""
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
) -> None:
    """Try again later (after `backoff(failures so far)`), never giving up: none is dropped."""
    notice = session.get(Notice, notice_id)
    notice.attempts += 1
    notice.last_error = f"{type(error).__name__}: {error}"[:500]
    wait = backoff(notice.attempts)
    retry_after = getattr(error, "retry_after", None)
    if retry_after:
        wait = max(wait, timedelta(seconds=float(retry_after)))
    notice.due_at = now + wait
    level = logging.ERROR if notice.attempts >= ALARM_AFTER else logging.WARNING
    log.log(level, "%s notice %s failed (%s); retry in %s", notice.kind, notice_id, error, wait)
