"""Builds the Bolt app and serves it: HTTP (waitress, threaded) or Socket Mode."""

from __future__ import annotations

import gc
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from waitress import create_server, wasyncore

from bot.delivery.foreground import Foreground
from bot.installation import current_installation_id
from bot.services import Services
from handlers import slack
from handlers.slack.http import MAX_BODY_BYTES, events_app
from handlers.slack.languages import SlackLanguages, locale_client
from handlers.slack.notifier import SlackNotifier

log = logging.getLogger(__name__)


def web_api_logger() -> logging.Logger:
    """The Web API client's logger, its level set on itself (from the logging configuration).

    slack_sdk tests `logger.level`, not the effective level: on a logger left at NOTSET it
    formats every request body (a whole modal or card) into a debug message nobody sees.
    """
    logger = logging.getLogger(f"{__name__}.web_api")
    logger.setLevel(logger.getEffectiveLevel())
    return logger


def web_client(services: Services) -> WebClient:
    """A Web API client that retries rate limits, server errors and dropped connections."""
    return WebClient(
        token=services.settings.slack_bot_token,
        base_url=services.settings.slack_api_url,
        logger=web_api_logger(),  # Bolt's per-request clients copy it
        timeout=15,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


# Bolt runs each listener on this many threads, up to its ack and then the rest of it (views.open,
# replies). Decisions run on their own threads (replies.after_ack_pool), so these stay free for
# acks. More threads than the database pool has connections only cost CPU (docs/benchmarks.md, 1).
LISTENER_THREADS = 5


def languages(services: Services) -> SlackLanguages:
    """Each Slack user's language, shared by the listeners and the notifier."""
    settings = services.settings
    client = locale_client(settings.slack_bot_token, settings.slack_api_url)
    return SlackLanguages(client, services.session_factory, settings.locale, services.clock)


def create_bolt_app(
    services: Services, client: WebClient, languages: SlackLanguages | None = None
) -> App:
    app = App(
        client=client,
        listener_executor=ThreadPoolExecutor(LISTENER_THREADS, thread_name_prefix="bolt"),
        # HTTP requests are verified at the edge (handlers/slack/http.py) before Bolt sees them;
        # Socket Mode requests arrive over an authenticated WebSocket.
        request_verification_enabled=False,
        process_before_response=False,  # ack first; the rest of a listener runs after the reply
    )

    @app.error
    def on_error(error, body, logger):
        logger.error("listener failed for %s", (body or {}).get("type"), exc_info=error)

    slack.add_listeners(app, services, languages)
    return app


def notifier(
    services: Services,
    client: WebClient,
    dry_run: tuple[str, ...] = (),
    languages: SlackLanguages | None = None,
) -> SlackNotifier:
    """The Slack notifier; `dry_run` names the networks engagements are only pretended on."""
    settings = services.settings
    return SlackNotifier(
        client,
        services.msg,
        settings.approval_channel,
        current_installation_id(services.session_factory),  # what the notices it posts carry
        dry_run=dry_run,
        moderation_channel=settings.moderation_channel,
        feed_channel=settings.hp_feed_channel,
        languages=languages,
    )


class HttpServer:
    """A threaded production WSGI server (waitress) that can also be stopped, for tests."""

    def __init__(
        self,
        app: App,
        signing_secret: str,
        host: str = "127.0.0.1",
        port: int = 3000,
        threads=16,
        foreground: Foreground | None = None,
    ):
        self._server = create_server(
            events_app(app, signing_secret, foreground),
            host=host,
            port=port,
            threads=threads,
            max_request_body_size=MAX_BODY_BYTES,
            ident="snsbot",
        )
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.effective_port

    def serve_forever(self) -> None:
        if threading.current_thread() is threading.main_thread():  # the process is the server
            # What start-up built (modules, mappers, the Bolt app) lives as long as the process:
            # keep the collector's full passes (30-50 ms with every thread stopped) off it.
            gc.collect()
            gc.freeze()
        # Short select() slices let the serving thread itself close the sockets on stop.
        while not self._stopping.is_set():
            wasyncore.loop(timeout=0.2, map=self._server._map, count=1)
        self._server.task_dispatcher.shutdown()
        wasyncore.close_all(self._server._map)

    def start(self) -> None:
        self._thread = threading.Thread(target=self.serve_forever, name="http", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread:
            self._thread.join(timeout=10)


def socket_mode_handler(app: App, app_token: str, foreground: Foreground | None = None):
    """Slack's Socket Mode handler; each request is in hand (`foreground`) until answered."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    foreground = foreground or Foreground()

    class Handler(SocketModeHandler):
        def handle(self, client, req) -> None:
            with foreground.answering():
                super().handle(client, req)

    return Handler(app, app_token)


def serve_socket_mode(app: App, app_token: str, foreground: Foreground | None = None) -> None:
    socket_mode_handler(app, app_token, foreground).start()
