"""The roster (policy §3): who is chief, deputy or operator, and every change to it audited."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import register
from bot.models import CHIEF, ROLES, Member

NONE = "none"  # `roles set <user> none` removes someone from the roster


def role_of(session: Session, user_id: str, platform: str = "slack") -> str | None:
    return session.execute(
        select(Member.role).where(Member.platform == platform, Member.user_id == user_id)
    ).scalar_one_or_none()


def chief_id(session: Session, platform: str = "slack") -> str | None:
    return session.execute(
        select(Member.user_id)
        .where(Member.platform == platform, Member.role == CHIEF)
        .order_by(Member.id)
    ).scalar()


def members(session: Session, platform: str = "slack") -> list[Member]:
    return list(
        session.execute(
            select(Member).where(Member.platform == platform).order_by(Member.role, Member.user_id)
        ).scalars()
    )


def set_role(
    session: Session, user_id: str, role: str, *, actor: str, now: datetime, platform: str = "slack"
) -> bool:
    """Give `user_id` a role (or `none` to remove them); True when something changed.

    There is one chief: naming a new chief makes the previous one an operator.
    """
    if role not in (*ROLES, NONE):
        raise ValueError(f"role must be one of {', '.join((*ROLES, NONE))}")
    member = session.execute(
        select(Member).where(Member.platform == platform, Member.user_id == user_id)
    ).scalar_one_or_none()
    before = member.role if member else NONE
    if before == role:
        return False
    if role == CHIEF:
        for other in session.execute(
            select(Member).where(Member.platform == platform, Member.role == CHIEF)
        ).scalars():
            if other.user_id != user_id:
                other.role, other.updated_at = "operator", now
                register.append(
                    session,
                    at=now,
                    actor=actor,
                    action="role_changed",
                    user=other.user_id,
                    before=CHIEF,
                    after="operator",
                    platform=platform,
                )
    if role == NONE:
        session.delete(member)
    elif member is None:
        session.add(
            Member(platform=platform, user_id=user_id, role=role, created_at=now, updated_at=now)
        )
    else:
        member.role, member.updated_at = role, now
    register.append(
        session,
        at=now,
        actor=actor,
        action="role_changed",
        user=user_id,
        before=before,
        after=role,
        platform=platform,
    )
    return True


def bootstrap(
    session: Session, chief: str, operators: tuple[str, ...], now: datetime, platform: str = "slack"
) -> None:
    """Seed the roster from the environment; roles already in the database are kept."""
    if chief and chief_id(session, platform) is None:
        set_role(session, chief, CHIEF, actor="bootstrap", now=now, platform=platform)
    for user_id in operators:
        if role_of(session, user_id, platform) is None:
            set_role(session, user_id, "operator", actor="bootstrap", now=now, platform=platform)
