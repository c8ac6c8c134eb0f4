"""`snsbot run` and `snsbot worker`: assemble the process, then serve until stopped."""

from __future__ import annotations

import contextlib
import logging
import signal
import threading

from bot import app, startup
from bot.app import Runtime
from bot.config import ConfigError, Settings, load_settings
from bot.config_examples import example_problems
from bot.services import Services

log = logging.getLogger("snsbot")


def settings_or_exit(socket_mode: bool | None = None) -> Settings:
    """The settings, or ConfigError naming every problem (and Slack's, given its mode): first
    the example values of .env.example still in place, before anything is contacted."""
    settings = load_settings()
    problems = example_problems() + settings.problems()
    if socket_mode is not None:
        problems += settings.slack_problems(socket_mode)
    if problems:
        raise ConfigError(problems)
    return settings


def _check_accounts_in_background(runtime: Runtime) -> None:
    from bot.features.identity import check_and_report

    threading.Thread(
        target=check_and_report,
        args=(runtime.services, runtime.dispatcher.notifiers),
        name="identity-check",
        daemon=True,
    ).start()


def cmd_run(args) -> int:
    if args.teams:
        return _run_teams(args)
    socket_mode = not args.http and bool(load_settings().slack_app_token)
    settings = settings_or_exit(socket_mode)
    runtime = app.assemble(settings, preflight=_ready_for_slack(settings))
    _check_accounts_in_background(runtime)
    if not args.no_worker:
        runtime.dispatcher.start()
    _serve_slack(runtime, settings, socket_mode, args.host, args.port or 3000)
    runtime.dispatcher.stop()
    return 0


def _ready_for_slack(settings: Settings):
    """Before Slack is served: a chief on the roster, and Slack accepting the bot token."""

    def check(services: Services) -> None:
        startup.require_chief(services.session_factory, settings.chief)
        startup.reach_slack(settings, app.slack_identity)

    return check


def _ready_for_teams(settings: Settings, teams, slack: bool):
    """Before Teams is served: the bot's token from Microsoft (and Slack, when served too)."""

    def check(services: Services) -> None:
        if slack:
            _ready_for_slack(settings)(services)
        if not teams.anonymous and teams.client_secret:
            startup.reach_teams(teams, app.teams_token, teams.token_url)

    return check


def _serve_slack(runtime: Runtime, settings: Settings, socket_mode: bool, host, port) -> None:
    if socket_mode:
        log.info("starting in Socket Mode")
        app.serve_socket_mode(runtime, settings)
        return
    http = app.slack_http_server(runtime, settings, host, port)
    signal.signal(signal.SIGTERM, lambda *_: http.stop())
    log.info("serving POST /slack/events and GET /healthz on http://%s:%s", host, http.port)
    with contextlib.suppress(KeyboardInterrupt):
        http.serve_forever()


def _run_teams(args) -> int:
    """`snsbot run --teams`: serve Teams (and Slack too with `--slack`) from one process."""
    try:
        app.load_teams_support()
    except ImportError:
        raise ConfigError(["Teams support is not installed: pip install -e '.[teams]'"]) from None
    socket_mode = not args.http and bool(load_settings().slack_app_token)  # reads .env too
    teams = app.teams_settings()
    refusal = teams.anonymous_refusal(args.host)
    if refusal:  # first of all: a production install switched to test mode must not serve
        log.error("snsbot cannot start: %s", refusal)
        return 2
    settings = settings_or_exit(socket_mode if args.slack else None)
    problems = teams.problems() + [p for p in [app.teams_service_url_problem(teams)] if p]
    if problems:
        raise ConfigError(problems)
    ready = _ready_for_teams(settings, teams, args.slack)
    runtime = app.assemble(settings, slack=args.slack, teams=teams, preflight=ready)
    _check_accounts_in_background(runtime)
    if args.no_worker:  # `snsbot worker` serves Slack only
        log.warning("--no-worker: this process delivers no Teams message; run it without the flag")
    else:
        runtime.dispatcher.start()
    server = app.teams_server(runtime, args.host, args.port or 3978)
    log.info("serving Teams (the Bot Connector's endpoint and /healthz) on http://%s:%s",
             args.host, server.port)  # fmt: skip
    if args.slack:
        _serve_slack(runtime, settings, socket_mode, args.host, args.slack_port)
    else:
        _wait(_stop_on_sigterm())
    runtime.dispatcher.stop()  # first: its notices still use the Teams server's event loop
    server.stop()
    return 0


def cmd_worker(args) -> int:
    settings = settings_or_exit()
    if not settings.slack_bot_token:
        raise ConfigError(settings.slack_problems(socket_mode=True)[:1])
    runtime = app.assemble(settings, preflight=_ready_for_slack(settings))
    _check_accounts_in_background(runtime)
    if args.once:
        runtime.dispatcher.run_until_idle(timeout=args.timeout)
        return 0
    stop = _stop_on_sigterm()
    runtime.dispatcher.start()
    log.info("worker running; Ctrl-C to stop")
    _wait(stop)
    runtime.dispatcher.stop()
    return 0


def _stop_on_sigterm() -> threading.Event:
    """An event SIGTERM sets."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    return stop


def _wait(stop: threading.Event) -> None:
    """Block until `stop` is set or Ctrl-C."""
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
