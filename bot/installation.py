"""This installation's id: made with the database, kept in it, part of each post's identity."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.models import Installation

ID_BYTES = 5  # 10 hex characters: 2**40 ids, collision-free for any plausible number of installs


def new_installation_id() -> str:
    """A fresh random id: lowercase hex, safe in a slug and a URL path."""
    return secrets.token_hex(ID_BYTES)


def installation_id(session: Session, now: datetime) -> str:
    """The database's installation id (the migration makes it; made here if it went missing)."""
    found = session.scalar(select(Installation.installation_id).where(Installation.id == 1))
    if found:
        return found
    try:
        with session.begin_nested():
            session.add(Installation(id=1, installation_id=new_installation_id(), created_at=now))
    except IntegrityError:  # another process made it first
        pass
    return session.scalar(select(Installation.installation_id).where(Installation.id == 1))


def current_installation_id(session_factory: sessionmaker[Session]) -> str:
    """The installation id, read (or made) in a transaction of its own: for wiring at start."""
    with session_factory.begin() as session:
        return installation_id(session, datetime.now(UTC))
