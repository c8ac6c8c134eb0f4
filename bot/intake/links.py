"""A registered group's private intake link: an unguessable token, kept only as its SHA-256."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import register
from bot.models import Group, IntakeLink

TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")  # what secrets.token_urlsafe(32) gives, and no more
CREATED, ROTATED, EXISTS, NO_GROUP, EXPIRY_SET = "created", "rotated", "exists", "no_group", "set"


@dataclass(frozen=True)
class LinkResult:
    """What `issue` did: `token` is the new link's token (shown once), else empty."""

    outcome: str
    token: str = ""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def path(token: str) -> str:
    """The form's path for a token (DESIGN.md §4: /intake/<token>)."""
    return f"/intake/{token}"


def issue(
    session: Session,
    group_name: str,
    *,
    rotate: bool,
    expires_at: datetime | None,
    actor: str,
    now: datetime,
) -> LinkResult:
    """The group's first link, or a new one replacing the old at once (`rotate`).

    A link is kept hashed, so an existing one can never be shown again: without `rotate` it
    stays (its expiry changed when `expires_at` is given) and EXISTS or EXPIRY_SET is answered.
    """
    name = group_name.strip()
    if session.execute(select(Group.id).where(Group.name == name)).first() is None:
        return LinkResult(NO_GROUP)
    link = session.execute(
        select(IntakeLink).where(IntakeLink.group_name == name).with_for_update()
    ).scalar_one_or_none()
    if link is not None and not rotate:
        if expires_at is None:
            return LinkResult(EXISTS)
        link.expires_at = expires_at
        register.append(session, at=now, actor=actor, action="intake_link_expiry", group=name,
                        expires_at=expires_at.isoformat())  # fmt: skip
        return LinkResult(EXPIRY_SET)
    token = secrets.token_urlsafe(32)
    if link is None:
        link = IntakeLink(group_name=name, created_at=now)
        session.add(link)
    link.token_hash, link.created_at, link.expires_at = digest(token), now, expires_at
    outcome = ROTATED if link.id is not None else CREATED
    register.append(session, at=now, actor=actor, action=f"intake_link_{outcome}", group=name,
                    expires_at=expires_at.isoformat() if expires_at else None)  # fmt: skip
    return LinkResult(outcome, token)


def group_for(session: Session, token: str, now: datetime) -> str | None:
    """The registered group a token opens the form of; None when unknown, replaced, expired
    or the group is no longer registered (all answered alike: a plain 404)."""
    if not isinstance(token, str) or not TOKEN.fullmatch(token):
        return None
    link = session.execute(
        select(IntakeLink).where(IntakeLink.token_hash == digest(token))
    ).scalar_one_or_none()
    if link is None or (link.expires_at is not None and link.expires_at <= now):
        return None
    registered = session.execute(select(Group.id).where(Group.name == link.group_name)).first()
    return link.group_name if registered else None
