"""The chief's oversight: reviewing deputy decisions (後閲, §3) and rotating credentials (§6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot import register, roles
from bot.models import CHIEF, Decision, RotationTask


@dataclass(frozen=True)
class ReviewItem:
    """A decision the deputy took while the chief was away, awaiting the chief's review."""

    decision_id: int
    draft_id: int
    outcome: str
    decided_by: str
    decided_at: datetime


@dataclass(frozen=True)
class RotationItem:
    """An account whose password or token must change after a roster change."""

    task_id: int
    account: str
    reason: str
    opened_at: datetime


def unreviewed(session: Session) -> list[ReviewItem]:
    rows = session.execute(
        select(Decision)
        .where(Decision.acting.is_(True), Decision.reviewed_at.is_(None))
        .order_by(Decision.id)
    ).scalars()
    return [ReviewItem(d.id, d.draft_id, d.outcome, d.decided_by, d.decided_at) for d in rows]


def _is_chief(session: Session, user_id: str, platform: str) -> bool:
    return roles.role_of(session, user_id, platform) == CHIEF


def mark_reviewed(
    session: Session, decision_id: int, *, actor: str, now: datetime, platform: str = "slack"
) -> bool | None:
    """The chief confirms a deputy decision (確認しました); None when the actor is not the chief."""
    if not _is_chief(session, actor, platform):
        register.append(session, at=now, actor=actor, action="refused", attempted="review")
        return None
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
    session: Session, task_id: int, *, actor: str, now: datetime, platform: str = "slack"
) -> str | None:
    """The chief marks an account's credentials changed (変更済み); returns the account."""
    if not _is_chief(session, actor, platform):
        register.append(session, at=now, actor=actor, action="refused", attempted="rotation")
        return None
    task = session.get(RotationTask, task_id)
    if task is None or task.done_at is not None:
        return None
    task.done_at, task.done_by = now, actor
    register.append(session, at=now, actor=actor, action="rotated", account=task.account)
    return task.account
