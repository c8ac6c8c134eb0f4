"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot import db
from bot.models import Base
from bot.people import addresses
from bot.services import utc_now


def test_migrated_schema_matches_the_models(database_url):
    engine = db.make_engine(database_url)
    with engine.connect() as connection:
        postgres = engine.dialect.name == "postgresql"  # SQLite does not keep VARCHAR lengths
        context = MigrationContext.configure(connection, opts={"compare_type": postgres})
        assert compare_metadata(context, Base.metadata) == []


def test_a_long_chat_identity_and_its_address_are_kept(database_url):
    teams_user = "29:" + "x" * 200  # Teams user ids are far longer than Slack's
    factory = db.make_session_factory(db.make_engine(database_url))
    with factory.begin() as session:
        addresses.remember(session, "teams", teams_user, {"conversation": "a:1"}, utc_now())
        addresses.remember(session, "teams", teams_user, {"conversation": "a:2"}, utc_now())
    with factory() as session:
        assert addresses.address_of(session, "teams", teams_user) == {"conversation": "a:2"}
        assert addresses.address_of(session, "slack", teams_user) is None
