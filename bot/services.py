"""The core's services, built once from the settings: database, publishers, messages, clock."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot import db, roles
from bot.config import Settings
from bot.foreground import Foreground
from bot.messages import Messages
from bot.networks import build_publishers
from bot.ports import Publisher


def quiet_secret_loggers() -> None:
    """oauthlib logs OAuth keys and tokens at DEBUG: keep those loggers at WARNING, always."""
    for name in ("oauthlib", "requests_oauthlib"):
        logging.getLogger(name).setLevel(logging.WARNING)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    """What front ends and the dispatcher share; `wake` nudges the dispatcher after a commit,
    and background work gives way to the requests `foreground` counts."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    publishers: dict[str, Publisher]
    msg: Messages
    clock: Callable[[], datetime] = utc_now
    wake: Callable[[], None] = field(default=lambda: None)
    foreground: Foreground = field(default_factory=Foreground)

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
    session_factory = db.make_session_factory(engine, settings.register_key)
    quiet_secret_loggers()
    try:
        with session_factory.begin() as session:
            roles.bootstrap(session, settings.chief, settings.operators, clock())
    except IntegrityError:  # another process seeded the roster at the same moment
        with session_factory.begin() as session:
            roles.bootstrap(session, settings.chief, settings.operators, clock())
    msg = Messages(settings.locale)
    return Services(
        settings=settings,
        engine=engine,
        session_factory=session_factory,
        publishers=build_publishers(settings),
        msg=msg,
        clock=clock,
    )
