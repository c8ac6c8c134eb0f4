"""The chief's oversight: reviewing deputy decisions (後閲, §3) and rotating credentials (§6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot import register
from bot.delivery import notices
from bot.models import (
    APPROVED,
    CHIEF,
    DEPUTY_CARD,
    PENDING,
    REJECTED,
    Decision,
    Draft,
    Engagement,
    ModerationItem,
    RotationTask,
)
from bot.people import roles

# What a deputy decided: a draft, an engagement or a moderation item (§11).
DRAFT, ENGAGEMENT, MODERATION = "draft", "engagement", "moderation"


@dataclass(frozen=True)
class ReviewItem:
    """A decision the deputy took while the chief was away, awaiting the chief's review.

    For a draft, `decision_id` is the decision and `draft_id` the draft; for an engagement
    (`subject` ENGAGEMENT), both are the engagement's id and `kind` says follow, retweet…; for a
    moderation item (MODERATION), both are the item's id, `outcome` the action (dismiss, hide,
    delete, block) and `kind` the network.
    """

    decision_id: int
    draft_id: int
    outcome: str
    decided_by: str
    decided_at: datetime
    subject: str = DRAFT
    kind: str = ""


@dataclass(frozen=True)
class RotationItem:
    """An account whose password or token must change after a roster change."""

    task_id: int
    account: str
    reason: str
    opened_at: datetime


@dataclass(frozen=True)
class Absence:
    """The chief's `away on|off`: who may decide meanwhile, or the 代決 to review on return."""

    away: bool
    deputies: tuple[str, ...]
    to_review: list[ReviewItem]


def mark_away(
    session: Session,
    user_id: str,
    away: bool,
    *,
    now: datetime,
    front_end: str = "slack",
    hand_over: bool = False,
) -> Absence | None:
    """The chief marks themselves away or back (代決, §3); None when `user_id` is not the chief.
    On return, the deputy decisions on that front end's requests come back to review (後閲).
    With `hand_over` (a front end without a list of waiting drafts), the drafts already waiting
    are owed to the deputies as cards too."""
    if not _is_chief(session, user_id, front_end):
        return None
    changed = roles.set_away(session, user_id, away, now=now, front_end=front_end)
    if changed and away and hand_over:
        waiting = select(Draft.id).where(
            Draft.front_end == front_end, Draft.status == PENDING, Draft.author_id != user_id
        )
        for draft_id in session.execute(waiting.order_by(Draft.id)).scalars():
            notices.owe(session, DRAFT, draft_id, front_end, DEPUTY_CARD, now)
    deputies = tuple(roles.deputies(session, front_end))
    return Absence(away, deputies, [] if away else unreviewed(session, front_end))


def unreviewed(session: Session, front_end: str | None = None) -> list[ReviewItem]:
    """Every deputy decision (代決) on a draft, an engagement or a moderation item not yet
    reviewed, oldest first; with `front_end`, only those on requests made (or items decided)
    there, whose chief reviews them."""
    items = [ReviewItem(d.id, d.draft_id, d.outcome, d.decided_by, d.decided_at)
             for d in _deputy_decisions(session, Decision, front_end)]  # fmt: skip
    items += [ReviewItem(e.id, e.id, _engagement_outcome(e), e.decided_by or "", e.decided_at,
                         ENGAGEMENT, e.kind)
              for e in _deputy_decisions(session, Engagement, front_end)]  # fmt: skip
    items += [ReviewItem(m.id, m.id, m.action or "", m.decided_by or "", m.decided_at,
                         MODERATION, m.network)
              for m in _deputy_decisions(session, ModerationItem, front_end)]  # fmt: skip
    return sorted(items, key=lambda item: item.decided_at)


def _deputy_decisions(session: Session, model, front_end: str | None = None) -> list:
    """The rows of `model` a deputy decided (`acting`) that the chief has not reviewed yet;
    with `front_end`, only those of that front end (a decision: its draft's)."""
    query = select(model).where(model.acting.is_(True), model.reviewed_at.is_(None))
    if front_end is not None and model is Decision:
        query = query.join(Draft, Draft.id == Decision.draft_id)
        query = query.where(Draft.front_end == front_end)
    elif front_end is not None:
        query = query.where(model.front_end == front_end)
    return list(session.execute(query.order_by(model.id)).scalars())


def _engagement_outcome(item: Engagement) -> str:
    return REJECTED if item.status == REJECTED else APPROVED


def _is_chief(session: Session, user_id: str, front_end: str) -> bool:
    return roles.role_of(session, user_id, front_end) == CHIEF


def mark_reviewed(
    session: Session,
    decision_id: int,
    *,
    actor: str,
    now: datetime,
    front_end: str = "slack",
    subject: str = DRAFT,
) -> bool | None:
    """The chief confirms a deputy decision (確認しました); None when the actor is not the chief."""
    if not _is_chief(session, actor, front_end):
        register.append(session, at=now, actor=actor, action="refused", attempted="review")
        return None
    model = {ENGAGEMENT: Engagement, MODERATION: ModerationItem}.get(subject, Decision)
    row = session.get(model, decision_id) if _review(session, model, decision_id, now) else None
    if row is None:
        return False
    if subject == ENGAGEMENT:  # the network under "platform", as in every entry before
        details = dict(engagement=row.id, kind=row.kind, platform=row.network, target=row.target,
                       decision=_engagement_outcome(row))  # fmt: skip
    elif subject == MODERATION:  # the item as the moderation entries name it
        details = dict(item_id=row.id, platform=row.network, decision=row.action,
                       category=row.category)  # fmt: skip
    else:
        details = dict(draft_id=row.draft_id, revision=row.revision, decision=row.outcome)
    register.append(session, at=now, actor=actor, action="reviewed", **details,
                    deputy=row.decided_by)  # fmt: skip
    return True


def _review(session: Session, model, row_id: int, now: datetime) -> bool:
    """Mark a deputy decision (a row of `model` with `acting`) reviewed, once: True if it was."""
    return bool(
        session.execute(
            update(model)
            .where(model.id == row_id, model.acting.is_(True), model.reviewed_at.is_(None))
            .values(reviewed_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
    )


def open_rotations(session: Session) -> list[RotationItem]:
    rows = session.execute(
        select(RotationTask).where(RotationTask.done_at.is_(None)).order_by(RotationTask.id)
    ).scalars()
    return [RotationItem(t.id, t.account, t.reason, t.opened_at) for t in rows]


def claim_unannounced_rotations(session: Session) -> bool:
    """True (once) when new rotation tasks were opened since the chief was last told."""
    return bool(
        session.execute(
            update(RotationTask)
            .where(RotationTask.announced.is_(False), RotationTask.done_at.is_(None))
            .values(announced=True)
        ).rowcount
    )


def mark_rotated(
    session: Session, task_id: int, *, actor: str, now: datetime, front_end: str = "slack"
) -> str | None:
    """The chief marks an account's credentials changed (変更済み); returns the account."""
    if not _is_chief(session, actor, front_end):
        register.append(session, at=now, actor=actor, action="refused", attempted="rotation")
        return None
    task = session.get(RotationTask, task_id)
    if task is None or task.done_at is not None:
        return None
    task.done_at, task.done_by = now, actor
    register.append(session, at=now, actor=actor, action="rotated", account=task.account)
    return task.account
