"""A draft's later life before publication: resubmit after a rejection, chief's edit, withdraw."""

from __future__ import annotations

import difflib
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot import register
from bot.approval import drafts, route
from bot.approval.deciding import DONE, NOT_FOUND, NOTHING_TO_DO, Outcome, may_edit, refuse
from bot.approval.snapshot import content_of
from bot.approval.workflow import add_notice, content_record, revision_row, route_record
from bot.models import (
    CARD,
    CARD_UPDATE,
    EDITED,
    PENDING,
    REJECTED,
    SENT_BACK,
    SUBMITTED,
    WITHDRAWN,
    Draft,
)

RESUBMITTABLE = (REJECTED, SENT_BACK)  # rejected by the chief, or sent back on the route

FIELDS = (
    "body",
    "x_text",
    "blog_title",
    "url",
    "channels",
    "source",
    "category",
    "group_name",
    "group_date",
    "group_draft",
    "publish_at",
    "images",
)


def changed_fields(before: drafts.DraftInput, after: drafts.DraftInput) -> list[str]:
    """The names of the fields that differ between two revisions."""
    return [f for f in FIELDS if getattr(before, f) != getattr(after, f)]


def body_diff(before: str, after: str, limit: int = 20) -> list[str]:
    """A short line diff of the body: removed lines with '-', added lines with '+'."""
    lines = [
        line
        for line in difflib.ndiff(before.splitlines(), after.splitlines())
        if line[:1] in "+-" and line[1:2] == " "
    ]
    return lines[:limit]


def _new_revision(
    session: Session, draft: Draft, content: drafts.DraftInput, by: str, now: datetime
) -> int:
    number = draft.revision + 1
    session.add(revision_row(draft.id, number, content, by, now))
    draft.revision = number
    return number


def resubmit(
    session: Session,
    *,
    draft_id: int,
    actor: str,
    content: drafts.DraftInput,
    now: datetime,
    route_: route.Route = route.CHIEF_ALONE,
) -> Outcome:
    """The author sends a rejected (or sent back) draft back as a new revision: the route starts
    again from its first step, with a new card."""
    draft = session.get(Draft, draft_id, with_for_update=True)
    if draft is None:
        return Outcome(NOT_FOUND, draft_id)
    if actor != draft.author_id:
        return refuse(session, draft_id=draft_id, actor=actor, attempted="resubmit", now=now)
    if draft.status not in RESUBMITTABLE:
        return Outcome(NOTHING_TO_DO, draft_id, status=draft.status)
    previous = draft.revision
    number = _new_revision(session, draft, content, actor, now)
    draft.status, draft.decided_by, draft.decided_at = PENDING, None, None
    draft.reject_reason, draft.results_sent = None, False
    register.append(
        session,
        at=now,
        actor=actor,
        action="resubmitted",
        draft_id=draft_id,
        revision=number,
        previous_revision=previous,
        **content_record(content),
        **route_record(route_),
    )
    route.start(session, draft, route_, now)
    for kind in (CARD_UPDATE, CARD, SUBMITTED):  # the old card shows it was superseded
        add_notice(session, draft_id, kind, now)
    return Outcome(DONE, draft_id, status=PENDING)


def edit_by_chief(
    session: Session, *, draft_id: int, actor: str, content: drafts.DraftInput, now: datetime
) -> Outcome:
    """The chief's changes become a new revision in the chief's name; the author is told what."""
    draft = session.get(Draft, draft_id, with_for_update=True)
    if draft is None:
        return Outcome(NOT_FOUND, draft_id)
    if not may_edit(session, actor, draft):
        return refuse(session, draft_id=draft_id, actor=actor, attempted="edit", now=now)
    if draft.status != PENDING:
        return Outcome(NOTHING_TO_DO, draft_id, status=draft.status)
    before = content_of(draft.current)
    changes = changed_fields(before, content)
    if not changes:
        return Outcome(NOTHING_TO_DO, draft_id, status=draft.status)
    previous = draft.revision
    number = _new_revision(session, draft, content, actor, now)
    register.append(
        session,
        at=now,
        actor=actor,
        action="edited",
        draft_id=draft_id,
        revision=number,
        previous_revision=previous,
        changed=changes,
        **content_record(content),
    )
    for kind in (CARD_UPDATE, CARD, EDITED):
        add_notice(session, draft_id, kind, now)
    return Outcome(DONE, draft_id, status=PENDING)


def withdraw(session: Session, *, draft_id: int, actor: str, now: datetime) -> Outcome:
    """The author takes back a pending draft; it can no longer be approved."""
    draft = session.get(Draft, draft_id)
    if draft is None:
        return Outcome(NOT_FOUND, draft_id)
    if actor != draft.author_id:
        return refuse(session, draft_id=draft_id, actor=actor, attempted="withdraw", now=now)
    won = session.execute(
        update(Draft)
        .where(Draft.id == draft_id, Draft.status == PENDING)
        .values(status=WITHDRAWN, decided_by=actor, decided_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(draft)
    if won != 1:
        return Outcome(NOTHING_TO_DO, draft_id, status=draft.status, decided_by=draft.decided_by,
                       decided_at=draft.decided_at)  # fmt: skip
    register.append(
        session, at=now, actor=actor, action="withdrawn", draft_id=draft_id, revision=draft.revision
    )
    add_notice(session, draft_id, CARD_UPDATE, now)
    return Outcome(DONE, draft_id, status=WITHDRAWN, decided_by=actor, decided_at=now)
