"""Database engine, sessions and Alembic migrations (SQLite by default, PostgreSQL in production)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"

READ_ONLY = "snsbot_read_only"  # an execution option: this transaction never writes
REGISTER_KEY = "register_key"  # a session `info` item: SNSBOT_REGISTER_KEY, held in memory only
WRITER_WAIT = 30.0  # seconds a writer waits for SQLite's write lock (as its busy_timeout)


def make_engine(url: str) -> Engine:
    """An engine tuned for the workflow: SQLite serialises writers, PostgreSQL pools connections."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": WRITER_WAIT, "check_same_thread": False}
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
            cursor = dbapi_connection.cursor()
            if ":memory:" not in url:
                # `synchronous` stays FULL (the default): with NORMAL a committed decision or
                # a recorded post could vanish in a power cut, and a post then go out twice.
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(WRITER_WAIT * 1000)}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection):
            # A writer takes the write lock up front, so read-then-write never fails with
            # SQLITE_BUSY; a reader reads its WAL snapshot without waiting for the writers.
            reads_only = connection.get_execution_options().get(READ_ONLY, False)
            connection.exec_driver_sql("BEGIN" if reads_only else "BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


class SessionFactory(sessionmaker[Session]):
    """`factory()` gives a session that only reads; `factory.begin()` one that writes and commits.

    The difference matters on SQLite, which has one write lock: only writers take it, and this
    process's writers queue for it in turn here. SQLite's own busy handler would have them
    sleep and poll (up to 100 ms a time) while it is taken and given back.
    """

    def __init__(self, engine: Engine, info: dict | None = None):
        super().__init__(
            engine, expire_on_commit=False, execution_options={READ_ONLY: True}, info=info
        )
        self._writers = threading.RLock() if engine.dialect.name == "sqlite" else None

    @contextmanager
    def begin(self) -> Iterator[Session]:
        queued = self._writers is not None and self._writers.acquire(timeout=WRITER_WAIT)
        try:
            with self(execution_options={READ_ONLY: False}) as session, session.begin():
                yield session
        finally:
            if queued:
                self._writers.release()


class Hidden:
    """A secret held in memory: its repr (in a session factory's, a traceback…) never shows it."""

    __slots__ = ("value",)

    def __init__(self, value: str):
        self.value = value

    def __repr__(self) -> str:
        return "Hidden(…)"


def make_session_factory(engine: Engine, register_key: str = "") -> SessionFactory:
    """Sessions on `engine`; with `register_key`, new register entries carry its HMAC."""
    info = {REGISTER_KEY: Hidden(register_key)} if register_key else None
    return SessionFactory(engine, info)


def register_key(session: Session) -> str:
    """The register's HMAC key the session was made with ("" when none)."""
    held = session.info.get(REGISTER_KEY)
    return held.value if held else ""


def _alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Apply every migration not yet applied (on every branch)."""
    command.upgrade(_alembic_config(engine), "heads")


def migration_state(engine: Engine) -> tuple[str | None, str]:
    """(the database's revisions, the code's head revisions), each as a sorted, joined string."""
    script = ScriptDirectory.from_config(_alembic_config(engine))
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    return (" ".join(sorted(current)) or None), " ".join(sorted(script.get_heads()))
