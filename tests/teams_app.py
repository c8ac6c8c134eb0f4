"""A running snsbot serving Teams (anonymous mode) against a fake Bot Connector."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from fakes.bot_connector import FakeBotConnector
from teams_client import CHIEF, ENGLISH_OPERATOR, OPERATOR, STRANGER, TENANT, TeamsClient

from bot.app import Runtime, assemble
from bot.config import Settings
from handlers.teams.server import TeamsServer
from handlers.teams.settings import TeamsSettings


@dataclass
class TeamsApp:
    runtime: Runtime
    client: TeamsClient
    connector: FakeBotConnector
    server: TeamsServer

    @property
    def services(self):
        return self.runtime.services


def teams_settings(connector: FakeBotConnector, **changes) -> TeamsSettings:
    return replace(
        TeamsSettings(
            anonymous=True,
            chief=CHIEF.aad,
            operators=(OPERATOR.aad,),
            service_url=connector.base_url,
            tenant_id=TENANT,
        ),
        **changes,
    )


@contextmanager
def running_teams(
    settings: Settings, teams: TeamsSettings, connector: FakeBotConnector, *, slack: bool = False
) -> Iterator[TeamsApp]:
    """snsbot serving Teams on a free port with its dispatcher running, as `run --teams` does."""
    for person in (CHIEF, OPERATOR, STRANGER, ENGLISH_OPERATOR):  # whom Teams knows
        connector.add_person(person.mri, person.aad, person.name)
    runtime = assemble(settings, slack=slack, teams=teams)
    runtime.dispatcher.poll_seconds = 0.1
    server = TeamsServer(runtime.teams.web_app, port=0).start()
    runtime.dispatcher.start()
    client = TeamsClient(f"http://127.0.0.1:{server.port}/api/messages", connector.base_url)
    try:
        yield TeamsApp(runtime, client, connector, server)
    finally:
        runtime.dispatcher.stop()
        server.stop()
        runtime.services.engine.dispose()
