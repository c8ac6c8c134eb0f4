"""Fixture ladder: database URL → settings → fake Slack → running app → signed Slack client."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg
import pytest
from fakes.slack_api import FakeSlack
from slack_signing import SignedSlackClient
from sqlalchemy.engine import make_url

from bot import db
from bot.app import Runtime, assemble
from bot.config import Settings
from bot.people import roles

TOKEN = "xoxb-test-token"
SECRET = "test-signing-secret"
CHIEF = "UCHIEF01"
OPERATOR = "UOPER001"
OPERATOR2 = "UOPER002"
STRANGER = "USTRANGE1"
ROSTER_SEEDED_AT = datetime(2026, 4, 30, 3, 0, tzinfo=UTC)  # the day before tests' NOW

PG_URL = os.environ.get("SNSBOT_TEST_POSTGRES_URL", "")
_pg_counter = itertools.count()


def _pg_admin_dsn(url: str) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_template() -> str | None:
    """A migrated template database, so each test gets a fresh copy in a few milliseconds."""
    if not PG_URL:
        return None
    template = f"snsbot_tpl_{os.getpid()}"
    with psycopg.connect(_pg_admin_dsn(PG_URL), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {template}")
        conn.execute(f"CREATE DATABASE {template}")
    url = make_url(PG_URL).set(database=template).render_as_string(hide_password=False)
    engine = db.make_engine(url)
    db.upgrade(engine)
    engine.dispose()
    return template


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, pg_template) -> Iterator[str]:
    """A fresh, migrated database: SQLite in a temp dir, or a copy of the PostgreSQL template."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'snsbot.db'}"
        db.upgrade(db.make_engine(url))
        yield url
        return
    if not PG_URL:
        if os.environ.get("CI"):
            pytest.fail("SNSBOT_TEST_POSTGRES_URL is not set: .ci/run starts PostgreSQL for CI")
        pytest.skip("PostgreSQL tests need SNSBOT_TEST_POSTGRES_URL (bash .ci/run sets it)")
    name = f"snsbot_t{os.getpid()}_{next(_pg_counter)}"
    with psycopg.connect(_pg_admin_dsn(PG_URL), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {pg_template}")
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(_pg_admin_dsn(PG_URL), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def factory(database_url) -> Iterator[db.SessionFactory]:
    """Sessions on a fresh database whose roster is seeded: CHIEF, OPERATOR and OPERATOR2.

    For tests of the core on plain values; a module with another roster defines its own.
    """
    engine = db.make_engine(database_url)
    session_factory = db.make_session_factory(engine)
    with session_factory.begin() as session:
        roles.bootstrap(session, CHIEF, (OPERATOR, OPERATOR2), ROSTER_SEEDED_AT)
    yield session_factory
    engine.dispose()


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack(token=TOKEN) as fake:
        yield fake


@pytest.fixture
def settings(database_url, fake_slack) -> Settings:
    return Settings(
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=fake_slack.base_url,
        database_url=database_url,
        chief=CHIEF,
        operators=(OPERATOR, OPERATOR2),
        # No time-driven messages on the wall clock (reminders, the register's daily head line):
        # a test that wants them sets the dispatcher's `reminder_at` and drives its clock.
        reminder_time="off",
    )


@dataclass
class App:
    """A running snsbot: the runtime, its HTTP address and a client that signs like Slack."""

    runtime: Runtime
    slack: SignedSlackClient
    fake: FakeSlack
    base: str

    @property
    def services(self):
        return self.runtime.services


@contextmanager
def running_app(settings: Settings, fake_slack: FakeSlack, periodic: bool = True) -> Iterator[App]:
    """snsbot serving HTTP on a free port, with its dispatcher running, as in production
    (`periodic=False`: without the time-driven pollers, for tests that poll by hand; switched
    off before the dispatcher starts, so that no poll runs first)."""
    from handlers.slack.server import HttpServer

    runtime = assemble(settings)
    runtime.dispatcher.poll_seconds = 0.1
    if not periodic:
        runtime.dispatcher.periodic = ()
    http = HttpServer(runtime.app, SECRET, port=0, foreground=runtime.services.foreground)
    http.start()
    runtime.dispatcher.start()
    base = f"http://127.0.0.1:{http.port}"
    client = SignedSlackClient(f"{base}/slack/events", SECRET, fake_slack)
    try:
        yield App(runtime, client, fake_slack, base)
    finally:
        client.close()
        http.stop()
        runtime.dispatcher.stop()
        runtime.services.engine.dispose()


@pytest.fixture
def app(settings, fake_slack) -> Iterator[App]:
    with running_app(settings, fake_slack) as running:
        yield running


@pytest.fixture
def connector():
    """A fake Bot Connector (Teams' side of the conversation)."""
    from fakes.bot_connector import FakeBotConnector

    with FakeBotConnector(strict_updates=False) as fake:
        yield fake
        assert (
            fake.invalid_cards() == []
        )  # every card the bot sent: Adaptive Cards 1.5, Teams' rules


@pytest.fixture
def teams(settings, connector):
    """snsbot serving Teams (anonymous mode) against the fake connector, dispatcher running."""
    from teams_app import running_teams, teams_settings

    with running_teams(settings, teams_settings(connector), connector) as app:
        yield app


def roster_entries(session_factory) -> list[dict]:
    """The register's roster changes and refusals since the seeding, as actor, action, details."""
    from sqlalchemy import select

    from bot.models import RegisterEntry

    with session_factory() as session:
        rows = session.execute(select(RegisterEntry).order_by(RegisterEntry.id)).scalars()
        return [
            {"actor": r.actor, "action": r.action, **r.details}
            for r in rows
            if r.action in ("role_changed", "refused") and r.actor != roles.BOOTSTRAP
        ]
