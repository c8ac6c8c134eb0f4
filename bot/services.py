"""The core's services: database, publishers, moderation inboxes, messages, clock (built in bot.app)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot import db, register_key
from bot.approval.route import Route
from bot.config import Settings
from bot.delivery.foreground import Foreground
from bot.messages import Messages
from bot.people import roles
from bot.ports import Inbox, Publisher


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
    inboxes: dict[str, Inbox] = field(default_factory=dict)  # moderation (policy §11)
    wake: Callable[[], None] = field(default=lambda: None)
    foreground: Foreground = field(default_factory=Foreground)

    @property
    def dry_run_channels(self) -> tuple[str, ...]:
        return tuple(name for name, p in self.publishers.items() if p.dry_run)

    @property
    def route(self) -> Route:
        """The approval route a new or resubmitted draft follows (SNSBOT_ROUTE)."""
        return Route(self.settings.route, self.settings.route_skip_away)


def open_database(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_now,
    migrate: bool = True,
    writing: bool = False,
) -> tuple[Engine, sessionmaker[Session]]:
    """Connect the database (migrating it) and seed the roster from the settings once.

    `writing` (the bot and its worker): refuse to start with a register key the register was
    not written with, rather than failing at the first decision."""
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
    if writing:
        with session_factory() as session:
            register_key.check_key(session, settings.register_key)
    return engine, session_factory
