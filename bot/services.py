"""The core's services, built once from the settings: database, publishers, messages, clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot import db, roles
from bot.config import Settings
from bot.messages import Messages
from publishers.base import Publisher
from publishers.registry import build_publishers


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    """What front ends and the dispatcher share; `wake` nudges the dispatcher after a commit."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    publishers: dict[str, Publisher]
    msg: Messages
    clock: Callable[[], datetime] = utc_now
    wake: Callable[[], None] = field(default=lambda: None)

    @property
    def dry_run_channels(self) -> tuple[str, ...]:
        return tuple(name for name, p in self.publishers.items() if p.dry_run)


def build_services(
    settings: Settings, *, clock: Callable[[], datetime] = utc_now, migrate: bool = True
) -> Services:
    """Connect the database (migrating it), seed the roster and choose the publishers."""
    engine = db.make_engine(settings.database_url)
    if migrate:
        db.upgrade(engine)
    session_factory = db.make_session_factory(engine)
    with session_factory.begin() as session:
        roles.bootstrap(session, settings.chief, settings.operators, clock())
    msg = Messages(settings.locale)
    return Services(
        settings=settings,
        engine=engine,
        session_factory=session_factory,
        publishers=build_publishers(settings, msg),
        msg=msg,
        clock=clock,
    )
