"""The chief names (or changes, or clears) the deputy from chat: only the chief, every change recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import register
from bot.models import CHIEF, DEPUTY, OPERATOR, Member
from bot.people import roles

NAMED, CLEARED, UNCHANGED = "named", "cleared", "unchanged"  # what came of a naming
REFUSED, NOT_ELIGIBLE = "refused", "not_eligible"  # the actor is not the chief; not a candidate
ATTEMPTED = "name_deputy"  # the register's `attempted` of a refused naming


@dataclass(frozen=True)
class Naming:
    """What came of the chief's naming: `result` one of the constants above; `deputy` the
    deputy now (None: none); `previous` whoever was deputy before."""

    result: str
    deputy: str | None = None
    previous: tuple[str, ...] = ()


def candidates(session: Session, front_end: str) -> list[str]:
    """Who may be named deputy: the operators and the deputy of that front end's roster."""
    return list(
        session.execute(
            select(Member.user_id)
            .where(Member.front_end == front_end, Member.role.in_((OPERATOR, DEPUTY)))
            .order_by(Member.role, Member.user_id)
        ).scalars()
    )


def may_name(session: Session, actor: str, front_end: str) -> bool:
    return roles.role_of(session, actor, front_end) == CHIEF


def refuse(session: Session, *, actor: str, now: datetime, front_end: str) -> Naming:
    """Record (決裁簿) that someone not the chief tried to name the deputy."""
    role = roles.role_of(session, actor, front_end) or "none"
    register.append(session, at=now, actor=actor, action="refused", attempted=ATTEMPTED,
                    role=role, platform=front_end)  # fmt: skip
    return Naming(REFUSED)


def name_deputy(
    session: Session, *, actor: str, deputy: str | None, now: datetime, front_end: str
) -> Naming:
    """Make `deputy` the one deputy (None: nobody); the other deputies become operators.

    Only the chief may; anyone else's attempt is recorded (決裁簿) and changes nothing. Each
    role change is recorded as the CLI's are (`role_changed`, the chief as actor). Naming opens
    no credential rotation: nobody joins or leaves the staff who know the passwords (§6).
    """
    if not may_name(session, actor, front_end):
        return refuse(session, actor=actor, now=now, front_end=front_end)
    previous = tuple(roles.deputies(session, front_end))
    if deputy is not None and deputy not in candidates(session, front_end):
        return Naming(NOT_ELIGIBLE, previous[0] if previous else None, previous)
    if previous == ((deputy,) if deputy else ()):
        return Naming(UNCHANGED, deputy, previous)
    staff = (Member.front_end == front_end, Member.role.in_((OPERATOR, DEPUTY)))
    for member in session.execute(select(Member).where(*staff).order_by(Member.id)).scalars():
        wanted = DEPUTY if member.user_id == deputy else OPERATOR
        if member.role != wanted:
            before, member.role, member.updated_at = member.role, wanted, now
            roles.record_change(session, member.user_id, before, wanted, actor=actor, now=now,
                                front_end=front_end)  # fmt: skip
    return Naming(NAMED if deputy else CLEARED, deputy, previous)
