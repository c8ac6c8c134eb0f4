"""The roster (policy §3): who is chief, deputy or operator, and every change to it audited."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import register
from bot.models import CHIEF, DEPUTY, OPERATOR, ROLES, Member, RegisterEntry, RotationTask

log = logging.getLogger(__name__)

ROTATED_ACCOUNTS = ("x", "facebook", "blog", "slack")

NONE = "none"  # `roles set <user> none` removes someone from the roster
BOOTSTRAP = "bootstrap"  # the actor of the one seeding of an empty roster from the environment
ROLE_CHANGED = "role_changed"  # the register's action for every roster change


def role_of(session: Session, user_id: str, front_end: str = "slack") -> str | None:
    return session.execute(
        select(Member.role).where(Member.front_end == front_end, Member.user_id == user_id)
    ).scalar_one_or_none()


def chief_id(session: Session, front_end: str = "slack") -> str | None:
    return session.execute(
        select(Member.user_id)
        .where(Member.front_end == front_end, Member.role == CHIEF)
        .order_by(Member.id)
    ).scalar()


def chief_is_away(session: Session, front_end: str = "slack") -> bool:
    return bool(
        session.execute(
            select(Member.away).where(Member.front_end == front_end, Member.role == CHIEF)
        ).scalar()
    )


def deputies(session: Session, front_end: str = "slack") -> list[str]:
    return list(
        session.execute(
            select(Member.user_id)
            .where(Member.front_end == front_end, Member.role == DEPUTY)
            .order_by(Member.id)
        ).scalars()
    )


@dataclass(frozen=True)
class Deciding:
    """Who decides on one chat front end now: the chief, their absence, the deputies."""

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


def deciding(session: Session, front_end: str = "slack") -> Deciding:
    chief = chief_id(session, front_end)
    away = chief_is_away(session, front_end)
    return Deciding(chief, away, tuple(deputies(session, front_end)))


def approvers(session: Session, front_end: str = "slack") -> tuple[str, ...]:
    """Who may decide now: the chief, and the deputies while the chief is away (代決)."""
    return deciding(session, front_end).approvers()


def deciders(session: Session, author: str, front_end: str = "slack") -> tuple[str, ...]:
    """Who may decide a request by `author` now (Deciding.deciders)."""
    return deciding(session, front_end).deciders(author)


def excluded_as_author(session: Session, author: str, front_end: str = "slack") -> bool:
    """True when `author` could decide requests, but not this one because it is their own."""
    return deciding(session, front_end).excluded(author)


def set_away(
    session: Session, user_id: str, away: bool, *, now: datetime, front_end: str = "slack"
) -> bool:
    """The chief marks themselves away (or back); True when it changed."""
    member = session.execute(
        select(Member).where(Member.front_end == front_end, Member.user_id == user_id)
    ).scalar_one_or_none()
    if member is None or member.role != CHIEF or member.away == away:
        return False
    member.away, member.updated_at = away, now
    register.append(
        session, at=now, actor=user_id, action="away_on" if away else "away_off", platform=front_end
    )
    return True


def open_rotation_tasks(
    session: Session, reason: str, now: datetime, *, actor: str, front_end: str = "slack"
) -> None:
    """Policy §6: after a roster change every password and token must change; one task each.

    The register records it (`rotation_opened`): the change, and the tasks it opened (an
    account whose task is still open from an earlier change keeps that one task).
    """
    open_accounts = set(
        session.execute(
            select(RotationTask.account).where(RotationTask.done_at.is_(None))
        ).scalars()
    )
    opened = [account for account in ROTATED_ACCOUNTS if account not in open_accounts]
    for account in opened:
        session.add(RotationTask(account=account, reason=reason, opened_at=now))
    register.append(session, at=now, actor=actor, action="rotation_opened", reason=reason,
                    accounts=list(ROTATED_ACCOUNTS), opened=opened, platform=front_end)  # fmt: skip


def front_ends(session: Session, role: str | None = None) -> tuple[str, ...]:
    """The chat front ends with someone on the roster (with `role`: someone in that role)."""
    query = select(Member.front_end).distinct()
    if role is not None:
        query = query.where(Member.role == role)
    return tuple(sorted(session.execute(query).scalars()))


def members(session: Session, front_end: str = "slack") -> list[Member]:
    return list(
        session.execute(
            select(Member)
            .where(Member.front_end == front_end)
            .order_by(Member.role, Member.user_id)
        ).scalars()
    )


def set_role(
    session: Session,
    user_id: str,
    role: str,
    *,
    actor: str,
    now: datetime,
    front_end: str = "slack",
) -> bool:
    """Give `user_id` a role (or `none` to remove them); True when something changed.

    There is one chief: naming a new chief makes the previous one an operator. Removing someone,
    changing a role or replacing the chief opens the credential-rotation tasks (policy §6);
    adding someone new, or the seeding from the environment, does not.
    """
    if role not in (*ROLES, NONE):
        raise ValueError(f"role must be one of {', '.join((*ROLES, NONE))}")
    member = session.execute(
        select(Member).where(Member.front_end == front_end, Member.user_id == user_id)
    ).scalar_one_or_none()
    before = member.role if member else NONE
    if before == role:
        return False
    demoted = []
    if role == CHIEF:
        demoted = _demote_other_chiefs(session, user_id, actor=actor, now=now, front_end=front_end)
    if role == NONE:
        session.delete(member)
    elif member is None:
        session.add(
            Member(front_end=front_end, user_id=user_id, role=role, created_at=now, updated_at=now)
        )
    else:
        member.role, member.updated_at = role, now
    record_change(session, user_id, before, role, actor=actor, now=now, front_end=front_end)
    if actor != BOOTSTRAP and (before != NONE or demoted):  # someone left or changed (§6)
        changes = [f"{u}: {CHIEF} → {OPERATOR}" for u in demoted] + [
            f"{user_id}: {before} → {role}"
        ]
        open_rotation_tasks(session, ", ".join(changes), now, actor=actor, front_end=front_end)
    return True


def _demote_other_chiefs(
    session: Session, user_id: str, *, actor: str, now: datetime, front_end: str
) -> list[str]:
    """Before `user_id` becomes chief: the previous chief becomes an operator."""
    demoted = []
    for other in session.execute(
        select(Member).where(Member.front_end == front_end, Member.role == CHIEF)
    ).scalars():
        if other.user_id != user_id:
            other.role, other.updated_at = OPERATOR, now
            record_change(session, other.user_id, CHIEF, OPERATOR, actor=actor, now=now,
                    front_end=front_end)  # fmt: skip
            demoted.append(other.user_id)
    return demoted


def record_change(session: Session, user_id: str, before: str, after: str, *, actor: str,
            now: datetime, front_end: str) -> None:  # fmt: skip
    # The register's details key stays "platform": entries already written must still verify.
    register.append(session, at=now, actor=actor, action=ROLE_CHANGED, user=user_id,
                    before=before, after=after, platform=front_end)  # fmt: skip


def ever_had_members(session: Session, front_end: str = "slack") -> bool:
    """True once anyone has had a role on this front end: the register keeps every role change."""
    if session.execute(select(Member.id).where(Member.front_end == front_end).limit(1)).first():
        return True
    entry = RegisterEntry
    return (
        session.execute(
            select(entry.id)
            # "platform": the register's details key for the front end (entries are never rewritten)
            .where(entry.action == ROLE_CHANGED, entry.details["platform"].as_string() == front_end)
            .limit(1)
        ).first()
        is not None
    )


def bootstrap(
    session: Session,
    chief: str,
    operators: tuple[str, ...],
    now: datetime,
    front_end: str = "slack",
) -> bool:
    """Seed a roster nobody has ever been on from the environment; True when it did.

    The environment seeds each front end's roster once, while the register holds no role change
    of that front end. After that the roster in the database is the only truth: nobody removed
    comes back and a changed setting changes nothing (`snsbot doctor` says where they differ).
    Processes starting together queue on the register's head row first, so the second one sees
    what the first seeded instead of seeding again.
    """
    if not chief and not operators:
        return False
    register.lock(session)
    if ever_had_members(session, front_end):
        return False
    if chief:
        set_role(session, chief, CHIEF, actor=BOOTSTRAP, now=now, front_end=front_end)
    for user_id in operators:
        if role_of(session, user_id, front_end) is None:
            set_role(session, user_id, OPERATOR, actor=BOOTSTRAP, now=now, front_end=front_end)
    log.info("seeded the %s roster from the environment (once; the database rules from now on)",
             front_end)  # fmt: skip
    return True


@dataclass(frozen=True)
class SeedCheck:
    """How the environment's roster settings compare with the roster in the database."""

    seeded: bool  # someone has had a role here: the settings no longer change the roster
    chief: str | None  # the roster's chief
    chief_differs: bool  # the settings name a chief the roster does not have
    not_on_roster: tuple[str, ...]  # listed operators who have no role
    not_listed: tuple[str, ...]  # the roster's operators the list leaves out (when it lists any)

    @property
    def agrees(self) -> bool:
        return not (self.chief_differs or self.not_on_roster or self.not_listed)


def compare_with_settings(
    session: Session, chief: str, operators: tuple[str, ...], front_end: str = "slack"
) -> SeedCheck:
    """What `snsbot doctor` reports: where the roster settings and the roster disagree."""
    roster = {m.user_id: m.role for m in members(session, front_end)}
    current = chief_id(session, front_end)
    listed = (chief, *operators) if operators else ()
    return SeedCheck(
        seeded=ever_had_members(session, front_end),
        chief=current,
        chief_differs=bool(chief) and chief != current,
        not_on_roster=tuple(u for u in dict.fromkeys(operators) if u not in roster),
        not_listed=tuple(
            u for u, r in roster.items() if listed and r == OPERATOR and u not in listed
        ),
    )
