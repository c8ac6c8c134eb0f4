"""The Teams HTTP endpoint: POST /api/messages (JWT-checked by the SDK) and GET /healthz."""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass

from aiohttp import web
from microsoft_agents.activity import load_configuration_from_env
from microsoft_agents.hosting.aiohttp import CloudAdapter, jwt_authorization_decorator
from microsoft_agents.hosting.core import (
    AgentAuthConfiguration,
    AnonymousTokenProvider,
    ConnectionManager,
    OutboundHostValidator,
)
from pydantic import ValidationError

from bot.config import ConfigError
from bot.people import roles
from bot.services import Services
from handlers.teams import images
from handlers.teams.bot import SnsAgent
from handlers.teams.ids import FRONT_END
from handlers.teams.notifier import TeamsNotifier
from handlers.teams.proactive import Proactive
from handlers.teams.settings import TeamsSettings, is_loopback_host, is_loopback_url
from handlers.teams.token import BOT_CONNECTOR_SCOPE

log = logging.getLogger(__name__)

BOT_CONNECTOR_RESOURCE = "https://api.botframework.com"
ANONYMOUS = web.AppKey("snsbot_teams_anonymous", bool)  # served only on loopback when True


@dataclass
class TeamsFrontEnd:
    """The Teams half of a process: its web app (to serve) and its notifier (for the dispatcher)."""

    web_app: web.Application
    notifier: TeamsNotifier


class LocalTokenProvider(AnonymousTokenProvider):
    """Anonymous mode's outgoing token: the SDK refuses an empty one even where none is checked."""

    async def get_access_token(self, resource_url, scopes, force_refresh=False) -> str:
        return "anonymous-local"


class LoopbackServiceUrls(OutboundHostValidator):
    """Anonymous mode's outbound check: only a Bot Connector on this machine may be called."""

    def __init__(self):
        super().__init__(enabled=True, include_default_microsoft_hosts=False)

    def is_allowed(self, url) -> bool:
        return is_loopback_url(str(url))


def service_url_check(settings: TeamsSettings) -> OutboundHostValidator:
    """Which serviceUrl the bot may call, in every mode: Microsoft's hosts, or loopback only."""
    return LoopbackServiceUrls() if settings.anonymous else OutboundHostValidator(enabled=True)


def service_url_problem(settings: TeamsSettings) -> str | None:
    """Why SNSBOT_TEAMS_SERVICE_URL (where new chats are opened) would never be called."""
    if service_url_check(settings).is_allowed(settings.service_url):
        return None
    allowed = "a loopback address" if settings.anonymous else "a Microsoft Bot Connector host"
    return (
        f"SNSBOT_TEAMS_SERVICE_URL={settings.service_url} is not {allowed}: the outbound host "
        "check refuses it, so no chat could be opened there."
    )


def refuse(reason: str) -> ConfigError:
    log.error("snsbot cannot start: %s", reason)
    return ConfigError([reason])


def connections_for(settings: TeamsSettings):
    """The SDK's connection manager: MSAL with the app's credentials, or anonymous for tests."""
    if settings.anonymous:
        configuration = AgentAuthConfiguration(anonymous_allowed=True)
        return ConnectionManager(
            provider_factory=lambda _: LocalTokenProvider(),
            connections_configurations={"SERVICE_CONNECTION": configuration},
        )
    from microsoft_agents.authentication.msal import MsalConnectionManager

    return MsalConnectionManager(**load_configuration_from_env(settings.sdk_environment))


def build(services: Services, settings: TeamsSettings) -> TeamsFrontEnd:
    """Wire the Teams front end to the core: agent, adapter, notifier, web app."""
    refusal = settings.anonymous_refusal()
    if refusal:
        raise refuse(refusal)
    if settings.anonymous:
        log.warning("Teams anonymous mode: requests without a token are let in (local tests only)")
    with services.session_factory.begin() as session:
        roles.bootstrap(session, settings.chief, settings.operators, services.clock(), FRONT_END)
    connections = connections_for(settings)
    # Outgoing calls go to the serviceUrl an activity names: an activity naming another is
    # refused (401) before anything is called; the proactive sends check their address too.
    guard = service_url_check(settings)
    adapter = CloudAdapter(connection_manager=connections, host_validator=guard)
    adapter.on_turn_error = _on_turn_error
    provider = connections.get_default_connection()

    async def bot_token() -> str:  # the pictures pasted in a chat are read with it
        return await provider.get_access_token(BOT_CONNECTOR_RESOURCE, [BOT_CONNECTOR_SCOPE])

    allowed = images.hosts_allowed(settings.anonymous, guard.is_allowed)
    pictures = images.PictureAccess(bot_token, allowed)
    proactive = Proactive(adapter, settings.app_id, None, service_url=settings.service_url,
                          tenant_id=settings.tenant_id, allowed=guard.is_allowed)  # fmt: skip
    notifier = TeamsNotifier(proactive, services.session_factory, services.clock,
                             services.settings.locale, approval_channel=settings.approval_channel,
                             moderation_channel=settings.moderation_channel)  # fmt: skip
    agent = SnsAgent(services, pictures, lookup=notifier.display_name)

    async def process(request: web.Request) -> web.Response:
        try:
            return await adapter.process(request, agent)
        except (ValidationError, ValueError, TypeError):
            return web.json_response({"error": "malformed activity"}, status=400)
        except Exception:
            log.exception("a Teams activity could not be processed")
            return web.json_response({"error": "internal error"}, status=500)

    checked = jwt_authorization_decorator(process)

    async def messages(request: web.Request) -> web.Response:
        with services.foreground.answering():  # the dispatcher gives way meanwhile
            try:
                return await checked(request)
            except Exception as error:  # the SDK's validator raises on some malformed tokens
                log.warning("a Teams request with an unusable token: %s", type(error).__name__)
                return web.json_response({"error": "unauthorized"}, status=401)

    async def healthz(_request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def on_startup(_app: web.Application) -> None:
        proactive.loop = asyncio.get_running_loop()  # the notifier sends from other threads

    web_app = web.Application(client_max_size=1024 * 1024)
    web_app[ANONYMOUS] = settings.anonymous
    web_app["agent_configuration"] = connections.get_default_connection_configuration()
    web_app.router.add_post("/api/messages", messages)
    web_app.router.add_get("/healthz", healthz)
    web_app.on_startup.append(on_startup)
    return TeamsFrontEnd(web_app, notifier)


async def _on_turn_error(context, error: Exception) -> None:
    """Log it; the user reads a plain apology, never the exception (it may quote a secret)."""
    log.error("Teams turn failed: %s", type(error).__name__, exc_info=error)


class TeamsServer:
    """Serves the Teams web app on its own thread and event loop (stoppable, for tests too)."""

    def __init__(self, web_app: web.Application, host: str = "127.0.0.1", port: int = 3978):
        if web_app.get(ANONYMOUS) and not is_loopback_host(host):
            raise refuse(
                f"the Teams endpoint in anonymous mode may listen on loopback only, not {host}"
            )
        self.web_app, self.host, self.port = web_app, host, port
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="teams-http", daemon=True)

    def start(self) -> TeamsServer:
        self._thread.start()
        self._ready.wait(30)
        if self._runner is None:
            raise RuntimeError(f"the Teams endpoint could not listen on {self.host}:{self.port}")
        return self

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            runner = web.AppRunner(self.web_app, access_log=None, shutdown_timeout=2.0)
            self._loop.run_until_complete(runner.setup())
            site = web.TCPSite(runner, self.host, self.port)
            self._loop.run_until_complete(site.start())
            self.port = runner.addresses[0][1]
            self._runner = runner
        except OSError:
            log.exception("the Teams endpoint could not start")
            return
        finally:
            self._ready.set()
        self._loop.run_forever()

    def stop(self) -> None:
        if self._runner is None:
            return
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
