"""Registered groups (登録団体, policy §5(4)): the roster whose requests the center may post."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import register
from bot.models import Group


def names(session: Session) -> tuple[str, ...]:
    return tuple(session.execute(select(Group.name).order_by(Group.name)).scalars())


def all_groups(session: Session) -> list[Group]:
    return list(session.execute(select(Group).order_by(Group.name)).scalars())


def add(session: Session, name: str, *, contact: str, site: str, actor: str, now: datetime) -> bool:
    """Register a group; False when the name is already registered."""
    name = name.strip()
    if not name or session.execute(select(Group.id).where(Group.name == name)).first():
        return False
    session.add(Group(name=name, contact=contact.strip(), site=site.strip(), created_at=now))
    register.append(
        session, at=now, actor=actor, action="group_added", group=name, contact=contact, site=site
    )
    return True


def remove(session: Session, name: str, *, actor: str, now: datetime) -> bool:
    """Take a group off the roster; False when it was not registered."""
    group = session.execute(select(Group).where(Group.name == name.strip())).scalar_one_or_none()
    if group is None:
        return False
    session.delete(group)
    register.append(session, at=now, actor=actor, action="group_removed", group=group.name)
    return True
