"""This installation's id: made with the database (migration 0010), read once at start."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.models import Installation


def installation_id(session_factory: sessionmaker[Session]) -> str:
    """The id kept in the database; made now if the database has none (a schema made by hand)."""
    with session_factory() as session:
        key = session.execute(select(Installation.key).order_by(Installation.id)).scalar()
    if key:
        return key
    try:
        with session_factory.begin() as session:
            session.add(Installation(id=1, key=uuid.uuid4().hex, created_at=datetime.now(UTC)))
    except IntegrityError:
        pass  # another process made it first
    with session_factory() as session:
        return session.execute(select(Installation.key).order_by(Installation.id)).scalar_one()
