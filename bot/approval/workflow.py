"""The approval workflow on plain values: submit, decide (approve / reject), retry."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot import register
from bot.approval import deciding, drafts, route
from bot.approval.deciding import (
    ALREADY_DECIDED,
    DONE,
    NOT_FOUND,
    NOTHING_TO_DO,
    STALE,
    TOO_LATE,
    Outcome,
    may_decide,
    refusal_to_decide,
    refuse,
)
from bot.approval.snapshot import content_of
from bot.delivery import notices
from bot.installation import installation_id
from bot.models import (
    APPROVED,
    CARD,
    CARD_UPDATE,
    DRAFT,
    EXPIRED,
    EXPIRED_NOTICE,
    FAILED,
    PENDING,
    QUEUED,
    REJECTED,
    REJECTED_NOTICE,
    SUBMITTED,
    Decision,
    Draft,
    Publication,
    Revision,
)

EXPIRED_FOR_CHIEF = "expired_chief"  # notice kind: the chief hears of an expiry too


def add_notice(
    session: Session, draft_id: int, kind: str, now: datetime, front_end: str | None = None
) -> None:
    """Owe a chat message about a draft, delivered by the front end it was written on."""
    if front_end is None:
        query = select(Draft.front_end).where(Draft.id == draft_id)
        front_end = session.execute(query).scalar_one()
    notices.owe(session, DRAFT, draft_id, front_end, kind, now)


def submit(session: Session, *, author_id: str, content: drafts.DraftInput, now: datetime,
           front_end: str = "slack", route_: route.Route = route.CHIEF_ALONE) -> Draft:  # fmt: skip
    """Store a new draft (revision 1) and owe the card (to the route's first step: the chief,
    by default) and the author a receipt."""
    draft = Draft(
        front_end=front_end, author_id=author_id, status=PENDING, revision=1, created_at=now
    )
    session.add(draft)
    session.flush()
    session.add(revision_row(draft.id, 1, content, author_id, now))
    register.append(
        session,
        at=now,
        actor=author_id,
        action="submitted",
        draft_id=draft.id,
        revision=1,
        **content_record(content),
        **route_record(route_),
    )
    route.start(session, draft, route_, now)
    add_notice(session, draft.id, CARD, now)
    add_notice(session, draft.id, SUBMITTED, now)
    return draft


def revision_row(
    draft_id: int, number: int, c: drafts.DraftInput, by: str, now: datetime
) -> Revision:
    return Revision(
        draft_id=draft_id,
        number=number,
        body=c.body,
        x_text=c.x_text,
        blog_title=c.blog_title,
        url=c.url,
        on_internet=c.on_internet,
        channels=list(c.channels),
        source=c.source,
        category=c.category,
        group_name=c.group_name,
        group_date=c.group_date,
        group_draft=c.group_draft,
        publish_at=c.publish_at,
        images=list(c.images),
        created_by=by,
        created_at=now,
    )


def route_record(route_: route.Route) -> dict:
    """The route a (re)submission follows, for its register entry (none: the chief alone)."""
    return {"route": list(route_.steps)} if route_.steps else {}


def content_record(c: drafts.DraftInput) -> dict:
    return {
        "body": c.body,
        "x_text": c.x_text,
        "blog_title": c.blog_title,
        "url": c.url,
        **({} if c.on_internet is None else {"on_internet": c.on_internet}),  # §4's answer
        "channels": list(c.channels),
        "source": c.source,
        "category": c.category,
        "group": c.group_name,
        "group_date": c.group_date,
        "group_draft": c.group_draft,
        "publish_at": c.publish_at.isoformat() if c.publish_at else None,
        "images": [i.get("name", "") for i in c.images],
        "image_alts": [i.get("alt", "") for i in c.images],  # what the networks receive too
    }


def decide(
    session: Session,
    *,
    draft_id: int,
    actor: str,
    approve: bool,
    now: datetime,
    reason: str = "",
    revision: int | None = None,
    lead: timedelta = timedelta(0),
    blog_footer: str = "",
) -> Outcome:
    """Approve or reject in one conditional update: the first decision wins, later ones see it.

    Approval writes one publication per chosen channel (the outbox) in the same transaction.
    A scheduled draft approved later than `lead` before its time expires instead: never late.
    """
    draft = session.get(Draft, draft_id)
    if draft is None:
        return Outcome(NOT_FOUND, draft_id)
    refused = refusal_to_decide(session, draft, actor, "approve" if approve else "reject", now)
    if refused is not None:
        return refused
    current_now = approve and draft.status == PENDING and revision in (None, draft.revision)
    if current_now and too_late(draft.current.publish_at, now, lead):
        expire(session, draft, now)
        return Outcome(TOO_LATE, draft_id, status=EXPIRED)
    status = APPROVED if approve else REJECTED
    conditions = [Draft.status == PENDING]
    if revision is not None:
        conditions.append(Draft.revision == revision)
    changes = dict(status=status, decided_by=actor, decided_at=now, reject_reason=reason or None)
    if not deciding.settle(session, draft, *conditions, **changes):
        if draft.status == PENDING:  # still pending, so the click came from an older revision
            return Outcome(STALE, draft_id, status=draft.status)
        return Outcome(
            ALREADY_DECIDED,
            draft_id,
            status=draft.status,
            decided_by=draft.decided_by,
            decided_at=draft.decided_at,
        )
    route.skip_rest(session, draft, now)  # decided before the route reached the chief
    current = draft.current
    acting = deciding.acting(session, actor, draft.front_end)
    session.add(
        Decision(
            draft_id=draft_id,
            revision=draft.revision,
            outcome=status,
            decided_by=actor,
            decided_at=now,
            reason=reason,
            acting=acting,
        )
    )
    if approve:
        content = content_of(current)
        due = max(now, current.publish_at) if current.publish_at else now
        installation = installation_id(session, now)
        for channel, payload in drafts.payloads(
            content, draft_id, draft.revision, blog_footer, installation=installation
        ).items():
            session.add(
                Publication(
                    draft_id=draft_id,
                    revision=draft.revision,
                    channel=channel,
                    status=QUEUED,
                    due_at=due,
                    payload=payload,
                    updated_at=now,
                )
            )
    register.append(
        session,
        at=now,
        actor=actor,
        action=status,
        draft_id=draft_id,
        revision=draft.revision,
        reason=reason,
        acting=acting,
    )
    add_notice(session, draft_id, CARD_UPDATE, now)
    if not approve:
        add_notice(session, draft_id, REJECTED_NOTICE, now)
    return Outcome(DONE, draft_id, status=status, decided_by=actor, decided_at=now)


def too_late(publish_at: datetime | None, now: datetime, lead: timedelta) -> bool:
    """True when a scheduled draft can no longer be approved in time to go out at its time."""
    return publish_at is not None and publish_at - lead < now


def expire(session: Session, draft: Draft, now: datetime) -> bool:
    """Mark a pending draft expired (one conditional update) and tell its author and the chief."""
    won = session.execute(
        update(Draft)
        .where(Draft.id == draft.id, Draft.status == PENDING, Draft.revision == draft.revision)
        .values(status=EXPIRED, decided_by="snsbot", decided_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        return False
    register.append(
        session,
        at=now,
        actor="snsbot",
        action="expired",
        draft_id=draft.id,
        revision=draft.revision,
    )
    for kind in (CARD_UPDATE, EXPIRED_NOTICE, EXPIRED_FOR_CHIEF):
        add_notice(session, draft.id, kind, now)
    return True


def retry_failed(session: Session, *, draft_id: int, actor: str, now: datetime) -> Outcome:
    """Queue the failed channels of an approved draft again; published ones are never touched."""
    draft = session.get(Draft, draft_id, with_for_update=True)
    if draft is None:
        return Outcome(NOT_FOUND, draft_id)
    if actor != draft.author_id and not may_decide(session, actor, draft.front_end):
        return refuse(session, draft_id=draft_id, actor=actor, attempted="retry", now=now)
    failed = list(
        session.execute(
            select(Publication).where(
                Publication.draft_id == draft_id,
                Publication.revision == draft.revision,
                Publication.status == FAILED,
            )
        ).scalars()
    )
    if not failed:
        return Outcome(NOTHING_TO_DO, draft_id, status=draft.status)
    for publication in failed:
        publication.status, publication.attempts = QUEUED, 0
        publication.due_at, publication.updated_at, publication.error = now, now, None
    draft.results_sent = False
    channels = tuple(p.channel for p in failed)
    register.append(
        session,
        at=now,
        actor=actor,
        action="retry_requested",
        draft_id=draft_id,
        revision=draft.revision,
        channels=list(channels),
    )
    add_notice(session, draft_id, CARD_UPDATE, now)
    return Outcome(DONE, draft_id, status=draft.status, channels=channels)


def open_drafts(session: Session, author_id: str, limit: int = 20) -> list[Draft]:
    """The author's most recent drafts, newest first."""
    return list(
        session.execute(
            select(Draft).where(Draft.author_id == author_id).order_by(Draft.id.desc()).limit(limit)
        ).scalars()
    )
