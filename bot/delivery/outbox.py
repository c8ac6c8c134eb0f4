"""The outbox of publications: claiming the due ones, and writing how each attempt ended."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Row, Select, and_, func, literal, select, update
from sqlalchemy.orm import Session

from bot import register
from bot.approval.workflow import add_notice
from bot.delivery import workers
from bot.delivery.claims import abandoned
from bot.models import (
    CARD_UPDATE,
    FAILED,
    OPEN_PUBLICATION_STATES,
    PUBLISHED,
    QUEUED,
    RESULTS,
    SENDING,
    Draft,
    Publication,
    Revision,
)
from bot.ports import Post, Published

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claim:
    """A publication a dispatcher has taken: what to post, and which attempt this is."""

    publication_id: int
    post: Post
    images: tuple[dict, ...]
    attempt: int
    recovering: bool  # a crashed worker left it mid-send: look before posting again

    @classmethod
    def of(cls, row: Row, now: datetime) -> Claim:
        """From a row of the claim query (the publication with its revision's time and images),
        claimed at `now`."""
        post = Post(
            draft_id=row.draft_id,
            revision=row.revision,
            channel=row.channel,
            payload=dict(row.payload),
            publish_at=row.publish_at,
            since=row.first_claimed_at or now,
        )
        return cls(row.id, post, tuple(row.images or ()), row.attempts + 1, row.status == SENDING)


def claim_due(
    session: Session,
    now: datetime,
    lease: timedelta,
    limit: int,
    holder: str | None = None,
    silent_after: timedelta = workers.DEFAULT_TIMEOUT,
) -> list[Claim]:
    """Take up to `limit` due publications, and ones a crashed worker left mid-send, for `holder`.

    A publication left mid-send is taken over once its holder has been silent for
    `silent_after` (it stopped beating: it died), or else once its lease has run out (a live
    worker that is slow, or a claim with no holder).

    On PostgreSQL `FOR UPDATE SKIP LOCKED` lets several workers share the queue without waiting
    on each other; SQLite serialises writers. The queued ones are read in the order of
    `ix_publications_status_due_at`.
    """
    left = _claimable(abandoned(Publication, now, lease, silent_after, holder))
    rows = session.execute(left.limit(limit)).all()
    if len(rows) < limit:
        queued = _claimable(Publication.status == QUEUED, Publication.due_at <= now)
        rows += session.execute(
            queued.order_by(Publication.due_at, Publication.id).limit(limit - len(rows))
        ).all()
    if rows:
        session.execute(
            update(Publication)
            .where(Publication.id.in_([row.id for row in rows]))
            .values(
                status=SENDING,
                attempts=Publication.attempts + 1,
                claimed_at=now,
                first_claimed_at=func.coalesce(
                    Publication.first_claimed_at, literal(now, Publication.first_claimed_at.type)
                ),
                claimed_by=holder,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
    return [Claim.of(row, now) for row in rows]


def _claimable(*conditions) -> Select:
    """Publications with their revision's time and images, locked unless another holds them."""
    return (
        select(
            Publication.id,
            Publication.draft_id,
            Publication.revision,
            Publication.channel,
            Publication.payload,
            Publication.status,
            Publication.attempts,
            Publication.first_claimed_at,
            Revision.publish_at,
            Revision.images,
        )
        .join(
            Revision,
            and_(
                Revision.draft_id == Publication.draft_id, Revision.number == Publication.revision
            ),
        )
        .where(*conditions)
        .with_for_update(skip_locked=True, of=Publication)
    )


@dataclass(frozen=True)
class Attempted:
    """How one attempt ended: the publication's new columns and its register entry, if any."""

    claim: Claim
    changes: dict
    entry: register.Entry | None = None  # what the register keeps of it


def published(claim: Claim, result: Published, dry_run: bool, now: datetime) -> Attempted:
    """The post is out (or was found out there): published, and entered in the register."""
    post = claim.post
    return Attempted(
        claim,
        {
            "status": PUBLISHED,
            "remote_id": result.remote_id,
            "url": result.url,
            "published_at": now,
            "dry_run": dry_run,
            "error": None,
            "updated_at": now,
        },
        _entry(
            now,
            "published",
            post,
            remote_id=result.remote_id,
            url=result.url,
            dry_run=dry_run,
            payload=post.payload,
        ),
    )


def retried(claim: Claim, reason: str, due_at: datetime, now: datetime) -> Attempted:
    """A transient failure (`reason` as the installation's language words it): queued again for
    `due_at`."""
    changes = {"status": QUEUED, "error": reason, "due_at": due_at, "updated_at": now}
    return Attempted(claim, changes)


def failed(claim: Claim, error: str, now: datetime) -> Attempted:
    """Given up on, with the author's reason, and entered in the register."""
    changes = {"status": FAILED, "error": error, "updated_at": now}
    entry = _entry(now, "publish_failed", claim.post, error=error, attempts=claim.attempt)
    return Attempted(claim, changes, entry)


def _entry(now: datetime, action: str, post: Post, **details) -> register.Entry:
    details = {"channel": post.channel, **details}
    return register.Entry(now, "snsbot", action, post.draft_id, post.revision, details)


def record(session: Session, outcomes: list[Attempted], now: datetime) -> list[Attempted]:
    """Write outcomes in the caller's transaction; returns those written.

    An attempt another worker has since taken over is dropped. Drafts are locked in id order,
    then publications, notices and, last of all, the register's head, so the head stays locked
    only until the commit that follows.
    """
    draft_ids = sorted({o.claim.post.draft_id for o in outcomes})
    drafts_read = session.execute(
        select(Draft.id, Draft.results_sent, Draft.front_end)
        .where(Draft.id.in_(draft_ids))
        .order_by(Draft.id)
        .with_for_update()
    ).all()
    results_sent = {d.id: d.results_sent for d in drafts_read}
    front_end = {d.id: d.front_end for d in drafts_read}
    written = [o for o in outcomes if _write(session, o)]
    revisions = sorted({(o.claim.post.draft_id, o.claim.post.revision) for o in written})
    open_now = _open_publications(session, [d for d, _ in revisions])
    for draft_id, revision in revisions:
        still_open = open_now.get((draft_id, revision), [])
        # A channel still queued and due is next in line; its own result updates the card.
        if not any(status == QUEUED and due_at <= now for status, due_at in still_open):
            add_notice(session, draft_id, CARD_UPDATE, now, front_end[draft_id])
        if not still_open and not results_sent[draft_id]:
            results_sent[draft_id] = True
            session.execute(
                update(Draft)
                .where(Draft.id == draft_id)
                .values(results_sent=True)
                .execution_options(synchronize_session=False)
            )
            add_notice(session, draft_id, RESULTS, now, front_end[draft_id])
    register.append_all(session, [o.entry for o in written if o.entry is not None])
    return written


def _write(session: Session, outcome: Attempted) -> bool:
    claim, publications = outcome.claim, Publication.__table__
    # Core on the transaction's connection: the ORM's update machinery cost twice the statement.
    taken = (
        session.connection()
        .execute(
            update(publications)
            .where(
                publications.c.id == claim.publication_id,
                publications.c.status == SENDING,
                publications.c.attempts == claim.attempt,
            )
            .values(**outcome.changes)
        )
        .rowcount
    )
    if taken != 1:
        log.warning("publication %s was taken over; dropping a stale result", claim.publication_id)
    return taken == 1


def _open_publications(
    session: Session, draft_ids: list[int]
) -> dict[tuple[int, int], list[tuple[str, datetime]]]:
    """(draft, revision) → (status, due) of each publication still queued or being sent."""
    found: dict[tuple[int, int], list[tuple[str, datetime]]] = {}
    for draft_id, revision, status, due_at in session.execute(
        select(
            Publication.draft_id, Publication.revision, Publication.status, Publication.due_at
        ).where(
            Publication.draft_id.in_(draft_ids),
            Publication.status.in_(OPEN_PUBLICATION_STATES),
        )
    ):
        found.setdefault((draft_id, revision), []).append((status, due_at))
    return found
