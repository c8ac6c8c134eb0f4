"""The roster (policy §3): who is chief, deputy or operator, and every change to it audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import register
from bot.models import CHIEF, DEPUTY, ROLES, Member, RotationTask

ROTATED_ACCOUNTS = ("x", "facebook", "blog", "slack")

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


def chief_is_away(session: Session, platform: str = "slack") -> bool:
    return bool(
        session.execute(
            select(Member.away).where(Member.platform == platform, Member.role == CHIEF)
        ).scalar()
    )


def deputies(session: Session, platform: str = "slack") -> list[str]:
    return list(
        session.execute(
            select(Member.user_id)
            .where(Member.platform == platform, Member.role == DEPUTY)
            .order_by(Member.id)
        ).scalars()
    )


@dataclass(frozen=True)
class Deciding:
    """Who decides on one chat platform now: the chief, their absence, the deputies."""

    chief: str | None
    away: bool
    deputies: tuple[str, ...]

    def approvers(self) -> tuple[str, ...]:
        """The chief, and the deputies while the chief is away (代決)."""
        return tuple(u for u in (self.chief, *(self.deputies if self.away else ())) if u)

    def deciders(self, author: str) -> tuple[str, ...]:
        """Who may decide a request by `author`: never its author (separation of duties).

        The chief's own requests are decided by the deputies (代決), whether the chief is away
        or not; anyone else's by the approvers of the moment but the author.
        """
        if author and author == self.chief:
            return tuple(d for d in self.deputies if d != author)
        return tuple(u for u in self.approvers() if u != author)

    def excluded(self, author: str) -> bool:
        """True when `author` could decide requests, but not this one: it is their own."""
        return bool(author) and (author == self.chief or author in self.deputies)


def deciding(session: Session, platform: str = "slack") -> Deciding:
    chief = chief_id(session, platform)
    away = chief_is_away(session, platform)
    return Deciding(chief, away, tuple(deputies(session, platform)))


def approvers(session: Session, platform: str = "slack") -> tuple[str, ...]:
    """Who may decide now: the chief, and the deputies while the chief is away (代決)."""
    return deciding(session, platform).approvers()


def deciders(session: Session, author: str, platform: str = "slack") -> tuple[str, ...]:
    """Who may decide a request by `author` now (Deciding.deciders)."""
    return deciding(session, platform).deciders(author)


def excluded_as_author(session: Session, author: str, platform: str = "slack") -> bool:
    """True when `author` could decide requests, but not this one because it is their own."""
    return deciding(session, platform).excluded(author)


def set_away(
    session: Session, user_id: str, away: bool, *, now: datetime, platform: str = "slack"
) -> bool:
    """The chief marks themselves away (or back); True when it changed."""
    member = session.execute(
        select(Member).where(Member.platform == platform, Member.user_id == user_id)
    ).scalar_one_or_none()
    if member is None or member.role != CHIEF or member.away == away:
        return False
    member.away, member.updated_at = away, now
    register.append(
        session, at=now, actor=user_id, action="away_on" if away else "away_off", platform=platform
    )
    return True


def open_rotation_tasks(session: Session, reason: str, now: datetime) -> None:
    """Policy §6: after a roster change every password and token must change; one task each."""
    open_accounts = set(
        session.execute(
            select(RotationTask.account).where(RotationTask.done_at.is_(None))
        ).scalars()
    )
    for account in ROTATED_ACCOUNTS:
        if account not in open_accounts:
            session.add(RotationTask(account=account, reason=reason, opened_at=now))


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
    if before != NONE and actor != "bootstrap":  # someone left or changed role (policy §6)
        open_rotation_tasks(session, f"{user_id}: {before} → {role}", now)
    return True


def bootstrap(
    session: Session, chief: str, operators: tuple[str, ...], now: datetime, platform: str = "slack"
) -> None:
    """Seed the roster from the environment; roles already in the database are kept.

    Processes starting together queue on the register's head row first, so the second one
    sees what the first seeded instead of inserting it again.
    """
    register.lock(session)
    if chief and chief_id(session, platform) is None:
        set_role(session, chief, CHIEF, actor="bootstrap", now=now, platform=platform)
    for user_id in operators:
        if role_of(session, user_id, platform) is None:
            set_role(session, user_id, "operator", actor="bootstrap", now=now, platform=platform)
