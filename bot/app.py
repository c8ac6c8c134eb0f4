"""The composition root: builds every adapter once and hands it to the core and the front ends."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from bot import dbcheck, doctor
from bot.approval import moderation
from bot.approval.pictures import KeptImages
from bot.config import Settings
from bot.delivery import workers
from bot.delivery.dispatcher import Dispatcher
from bot.features import feed, profiles
from bot.messages import Messages
from bot.networks import build_inboxes, build_performers, build_publishers
from bot.services import Services, open_database, utc_now
from bot.startup import Refused

log = logging.getLogger("snsbot")


@dataclass
class Runtime:
    """Everything one process runs: the core services, its chat front ends and the dispatcher."""

    services: Services
    app: object  # the Bolt app (None when this process does not serve Slack)
    dispatcher: Dispatcher
    teams: object = None  # handlers.teams.server.TeamsFrontEnd, when this process serves Teams


def build_services(
    settings: Settings, *, clock=utc_now, migrate: bool = True, writing: bool = False
) -> Services:
    """The database (migrated, roster seeded), the publishers and the moderation inboxes."""
    engine, session_factory = open_database(settings, clock=clock, migrate=migrate, writing=writing)
    msg = Messages(settings.locale)
    return Services(
        settings=settings,
        engine=engine,
        session_factory=session_factory,
        publishers=build_publishers(settings),
        msg=msg,
        clock=clock,
        inboxes=build_inboxes(settings),
    )


def assemble(
    settings: Settings,
    *,
    clock=utc_now,
    migrate: bool = True,
    slack: bool = True,
    teams=None,
    preflight: Callable[[Services], None] | None = None,
) -> Runtime:
    """The core services + the chat front ends + the dispatcher, each built once.

    `teams` is a handlers.teams.settings.TeamsSettings to serve Teams too (or instead: `slack`);
    `preflight` runs once the database is usable, before any front end contacts its service.
    """
    services = build_services(settings, clock=clock, migrate=migrate, writing=True)
    dbcheck.check_writable(services.engine)  # say so now, not at the first decision
    if preflight is not None:
        preflight(services)
    heartbeat = workers.Heartbeat(
        services.session_factory,
        clock,
        timeout=timedelta(seconds=settings.heartbeat_timeout_seconds),
        give_way=services.foreground.give_way,
    )
    notifiers, app, fetch_file = {}, None, None
    performers = build_performers(settings)  # follows, retweets, likes, shares (§7, §8)
    if slack or settings.slack_bot_token:  # Slack drafts' images come from Slack, whoever posts
        from handlers.slack import server
        from handlers.slack.files import SlackFiles

        client = server.web_client(services)
        fetch_file = SlackFiles(
            client, settings.slack_bot_token, services.msg, settings.slack_api_url
        ).fetch
    if slack:
        languages = server.languages(services)  # each person's own (SNSBOT_LOCALE by default)
        notifiers["slack"] = server.notifier(services, client, _dry_run(performers), languages)
        app = server.create_bolt_app(services, client, languages)
    front_end = None
    if teams is not None:
        from handlers.teams import server as teams_server

        front_end = teams_server.build(services, teams)
        notifiers["teams"] = front_end.notifier
    fetch_file = KeptImages(services.session_factory, fetch_file).fetch  # Teams' kept pictures
    dispatcher = Dispatcher(
        services.session_factory,
        services.publishers,
        notifiers,
        services.msg,
        clock,
        fetch_file=fetch_file,
        performers=performers,
        inboxes=services.inboxes,  # the chief's moderation decisions act through them (§11)
        lease=timedelta(seconds=settings.publish_lease_seconds),
        schedule_lead=settings.schedule_lead,
        reminder_at=settings.reminder_at,
        reminder_after=timedelta(hours=settings.reminder_after_hours),
        workdays=settings.workdays,
        periodic=_periodic_tasks(settings, services, clock, tuple(notifiers)),
        profile_check=lambda: profiles.problems(services.publishers, settings, services.msg),
        give_way=services.foreground.give_way,
        heartbeat=heartbeat,
    )
    services.wake = dispatcher.wake
    return Runtime(services, app, dispatcher, front_end)


def _dry_run(performers: dict) -> tuple[str, ...]:
    return tuple(name for name, p in performers.items() if getattr(p, "dry_run", False))


def _periodic_tasks(settings: Settings, services: Services, clock, front_ends: tuple) -> tuple:
    """The pollers the dispatcher's time-driven loop runs: each returns quickly when not due.

    What they find is owed as notices on every front end in use (whichever process polls), and
    each front end's dispatcher delivers its own.
    """
    if not front_ends:
        return ()
    factory, msg = services.session_factory, services.msg
    hp_feed = feed.watcher(settings, factory, msg, clock)
    tasks = [hp_feed.tick] if hp_feed else []
    inboxes = services.inboxes  # the same clients the chief's decisions act through
    if inboxes:
        tasks.append(lambda: moderation.poll_once(factory, inboxes, msg, clock))
    return tuple(tasks)


# -- the servers the serve loops (bot/serve.py) run ---------------------------------------------


def slack_http_server(runtime: Runtime, settings: Settings, host: str, port: int):
    """The Slack HTTP server: signatures checked at the edge, then the Bolt app."""
    from handlers.slack import server

    return server.HttpServer(
        runtime.app,
        settings.slack_signing_secret,
        host=host,
        port=port,
        foreground=runtime.services.foreground,
    )


def serve_socket_mode(runtime: Runtime, settings: Settings) -> None:
    """Serve Slack over Socket Mode until the process is stopped."""
    from handlers.slack import server

    server.serve_socket_mode(runtime.app, settings.slack_app_token, runtime.services.foreground)


def load_teams_support() -> None:
    """Import the Teams front end now: ImportError when the Teams extra is not installed."""
    import handlers.teams.server  # noqa: F401


def teams_settings():
    """The Teams settings (handlers.teams.settings.TeamsSettings) from the environment."""
    from handlers.teams.settings import TeamsSettings  # no SDK import: works without the extra

    return TeamsSettings.from_env()


def teams_service_url_problem(teams) -> str | None:
    """What is wrong with the Teams service URL; ImportError without the Teams extra."""
    from handlers.teams.server import service_url_problem

    return service_url_problem(teams)


def teams_server(runtime: Runtime, host: str, port: int):
    """The Teams endpoint, started on its own thread."""
    from handlers.teams.server import TeamsServer

    return TeamsServer(runtime.teams.web_app, host, port).start()


def write_teams_package(out, app_id: str, version: str | None):
    """Write the Teams app package (the zip a Teams administrator uploads); its path."""
    from handlers.teams.package import write_package

    return write_package(out, app_id, version=version)


# -- what `snsbot doctor` asks the adapters -----------------------------------------------------


def slack_identity(settings: Settings) -> dict:
    """Slack's auth.test for SLACK_BOT_TOKEN; startup.Refused when Slack rejects it."""
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    quiet = logging.getLogger(f"{__name__}.slack_identity")  # failures are said in one line
    quiet.setLevel(logging.DEBUG if log.isEnabledFor(logging.DEBUG) else logging.CRITICAL)
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url,
                       timeout=10, logger=quiet, retry_handlers=[])  # fmt: skip
    try:
        return client.auth_test()
    except SlackApiError as error:
        raise Refused(error.response.get("error")) from None


def teams_token(teams) -> str:
    """A Bot Connector token obtained with the Teams credentials; startup.Refused when refused."""
    from handlers.teams.token import obtain_token

    return obtain_token(teams)


def doctor_probes() -> doctor.Probes:
    """The adapters `snsbot doctor` checks, built here like every other adapter."""
    return doctor.Probes(
        slack_identity=slack_identity,
        publishers=build_publishers,
        teams_settings=teams_settings,
        teams_service_url_problem=teams_service_url_problem,
        teams_token=teams_token,
    )
