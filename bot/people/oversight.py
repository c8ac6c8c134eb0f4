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
    RotationTask,
)
from bot.people import roles

DRAFT, ENGAGEMENT = "draft", "engagement"  # what a deputy decided: a draft or an engagement


@dataclass(frozen=True)
class ReviewItem:
    """A decision the deputy took while the chief was away, awaiting the chief's review.

    For a draft, `decision_id` is the decision and `draft_id` the draft; for an engagement
    (`subject` ENGAGEMENT), both are the engagement's id and `kind` says follow, retweet…
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
    """Every deputy decision (代決) on a draft or an engagement not yet reviewed, oldest first;
    with `front_end`, only on the requests made there (whose chief reviews them)."""
    decided = select(Decision).where(Decision.acting.is_(True), Decision.reviewed_at.is_(None))
    if front_end is not None:
        decided = decided.join(Draft, Draft.id == Decision.draft_id).where(
            Draft.front_end == front_end
        )
    decisions = session.execute(decided.order_by(Decision.id)).scalars()
    items = [ReviewItem(d.id, d.draft_id, d.outcome, d.decided_by, d.decided_at) for d in decisions]
    acted = select(Engagement).where(Engagement.acting.is_(True), Engagement.reviewed_at.is_(None))
    if front_end is not None:
        acted = acted.where(Engagement.front_end == front_end)
    engagements = session.execute(acted.order_by(Engagement.id)).scalars()
    items += [
        ReviewItem(
            e.id, e.id, _engagement_outcome(e), e.decided_by or "", e.decided_at, ENGAGEMENT, e.kind
        )  # fmt: skip
        for e in engagements
    ]
    return sorted(items, key=lambda item: item.decided_at)


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
    if subject == ENGAGEMENT:
        return _mark_engagement_reviewed(session, decision_id, actor, now)
    done = session.execute(
        update(Decision)
        .where(
            Decision.id == decision_id, Decision.acting.is_(True), Decision.reviewed_at.is_(None)
        )
        .values(reviewed_at=now)
    ).rowcount
    if done:
        decision = session.get(Decision, decision_id)
        register.append(
            session,
            at=now,
            actor=actor,
            action="reviewed",
            draft_id=decision.draft_id,
            revision=decision.revision,
            decision=decision.outcome,
            deputy=decision.decided_by,
        )
    return bool(done)


def _mark_engagement_reviewed(session: Session, engagement_id: int, actor: str, now) -> bool:
    done = session.execute(
        update(Engagement)
        .where(
            Engagement.id == engagement_id,
            Engagement.acting.is_(True),
            Engagement.reviewed_at.is_(None),
        )
        .values(reviewed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if done:
        item = session.get(Engagement, engagement_id)
        # The network under the details key "platform", as in every entry before.
        register.append(
            session, at=now, actor=actor, action="reviewed", engagement=item.id, kind=item.kind,
            platform=item.network, target=item.target, decision=_engagement_outcome(item),
            deputy=item.decided_by,
        )  # fmt: skip
    return bool(done)


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
