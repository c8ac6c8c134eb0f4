"""The `snsbot` command line and the composition root that wires the Slack front end to the core."""

from __future__ import annotations

import argparse
import contextlib
import logging
import re
import secrets
import signal
import sys
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError

from bot import (
    db,
    dbcheck,
    engagement,
    feed,
    groups,
    moderation,
    oversight,
    register,
    roles,
    workers,
)
from bot.config import ConfigError, Settings, load_settings
from bot.dispatcher import Dispatcher
from bot.messages import JST
from bot.models import ROLES
from bot.services import Services, build_services, quiet_secret_loggers, utc_now

log = logging.getLogger("snsbot")

README_HINT = "See README.md, section 'Configuration'."
PLATFORMS = ("slack", "teams")  # the chat front ends people can be on
PREFIX_HINT = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"


@dataclass
class Runtime:
    """Everything one process runs: the core services, its chat front ends and the dispatcher."""

    services: Services
    app: object  # the Bolt app (None when this process does not serve Slack)
    dispatcher: Dispatcher
    teams: object = None  # handlers.teams.server.TeamsFrontEnd, when this process serves Teams


def assemble(
    settings: Settings, *, clock=utc_now, migrate: bool = True, slack: bool = True, teams=None
) -> Runtime:
    """The composition root: core services + the chat front ends + the dispatcher.

    `teams` is a handlers.teams.settings.TeamsSettings to serve Teams too (or instead: `slack`).
    """
    services = build_services(settings, clock=clock, migrate=migrate)
    dbcheck.check_writable(services.engine)  # say so now, not at the first decision
    heartbeat = workers.Heartbeat(
        services.session_factory,
        clock,
        timeout=timedelta(seconds=settings.heartbeat_timeout_seconds),
        give_way=services.foreground.give_way,
    )
    notifiers, app, periodic, fetch_file = {}, None, (), None
    if slack or settings.slack_bot_token:  # Slack drafts' images come from Slack, whoever posts
        from handlers.slack import server
        from handlers.slack.files import SlackFiles

        client = server.web_client(services)
        fetch_file = SlackFiles(
            client, settings.slack_bot_token, services.msg, settings.slack_api_url
        ).fetch
    if slack:
        notifiers["slack"] = server.notifier(services, client)
        app = server.create_bolt_app(services, client)
        periodic = _periodic_tasks(settings, services, client, clock, heartbeat)
    front_end = None
    if teams is not None:
        from handlers.teams import server as teams_server

        front_end = teams_server.build(services, teams)
        notifiers["teams"] = front_end.notifier
    dispatcher = Dispatcher(
        services.session_factory,
        services.publishers,
        notifiers,
        services.msg,
        clock,
        fetch_file=fetch_file,
        lease=timedelta(seconds=settings.publish_lease_seconds),
        schedule_lead=settings.schedule_lead,
        reminder_at=settings.reminder_at,
        reminder_after=timedelta(hours=settings.reminder_after_hours),
        periodic=periodic,
        give_way=services.foreground.give_way,
        heartbeat=heartbeat,
    )
    services.wake = dispatcher.wake
    return Runtime(services, app, dispatcher, front_end)


def _periodic_tasks(
    settings: Settings, services: Services, client, clock, heartbeat: workers.Heartbeat
) -> tuple:
    """The pollers the dispatcher's time-driven loop runs: each returns quickly when not due."""
    from bot.installation import current_installation_id
    from bot.networks import build_inboxes, build_performers
    from handlers.slack.engagement import SlackEngagementNotifier
    from handlers.slack.feed import SlackFeedNotifier
    from handlers.slack.moderation import SlackModerationNotifier

    notifier = SlackFeedNotifier(client, services.msg, settings.hp_feed_channel)
    hp_feed = feed.watcher(settings, services.session_factory, notifier, services.msg, clock)
    tasks = [hp_feed.tick] if hp_feed else []
    performers = build_performers(settings)
    engage_notifier = SlackEngagementNotifier(
        client,
        services.msg,
        tuple(name for name, p in performers.items() if getattr(p, "dry_run", False)),
        settings.approval_channel,
        current_installation_id(services.session_factory),
    )
    tasks.append(  # approved follows, retweets, likes and shares (policy §7, §8)
        lambda: engagement.perform_due(
            services.session_factory,
            performers,
            engage_notifier,
            services.msg,
            clock,
            heartbeat=heartbeat,
        )
    )
    inboxes = build_inboxes(settings)
    if inboxes:
        inbox_notifier = SlackModerationNotifier(client, services.msg, settings.moderation_channel)
        tasks.append(
            lambda: moderation.poll_once(
                services.session_factory, inboxes, inbox_notifier, services.msg, clock
            )
        )
    return tuple(tasks)


def _safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(unparseable DATABASE_URL)"


def _settings_or_exit(socket_mode: bool | None = None) -> Settings:
    settings = load_settings()
    problems = settings.problems()
    if socket_mode is not None:
        problems += settings.slack_problems(socket_mode)
    if problems:
        raise ConfigError(problems)
    return settings


# -- commands ---------------------------------------------------------------------------------


def _check_accounts_in_background(runtime: Runtime) -> None:
    from bot.identity import check_and_report

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
    settings = _settings_or_exit(socket_mode)
    runtime = assemble(settings)
    _check_accounts_in_background(runtime)
    if not args.no_worker:
        runtime.dispatcher.start()
    _serve_slack(runtime, settings, socket_mode, args.host, args.port or 3000)
    runtime.dispatcher.stop()
    return 0


def _serve_slack(runtime: Runtime, settings: Settings, socket_mode: bool, host, port) -> None:
    from handlers.slack import server

    if socket_mode:
        log.info("starting in Socket Mode")
        server.serve_socket_mode(runtime.app, settings.slack_app_token, runtime.services.foreground)
        return
    http = server.HttpServer(
        runtime.app,
        settings.slack_signing_secret,
        host=host,
        port=port,
        foreground=runtime.services.foreground,
    )
    signal.signal(signal.SIGTERM, lambda *_: http.stop())
    log.info("serving POST /slack/events and GET /healthz on http://%s:%s", host, http.port)
    with contextlib.suppress(KeyboardInterrupt):
        http.serve_forever()


def _run_teams(args) -> int:
    """`snsbot run --teams`: serve Teams (and Slack too with `--slack`) from one process."""
    try:
        from handlers.teams import server as teams_server
        from handlers.teams.settings import TeamsSettings
    except ImportError:
        raise ConfigError(["Teams support is not installed: pip install -e '.[teams]'"]) from None
    socket_mode = not args.http and bool(load_settings().slack_app_token)  # reads .env too
    teams = TeamsSettings.from_env()
    refusal = teams.anonymous_refusal(args.host)
    if refusal:  # first of all: a production install switched to test mode must not serve
        log.error("snsbot cannot start: %s", refusal)
        return 2
    settings = _settings_or_exit(socket_mode if args.slack else None)
    problems = teams.problems() + [p for p in [teams_server.service_url_problem(teams)] if p]
    if problems:
        raise ConfigError(problems)
    runtime = assemble(settings, slack=args.slack, teams=teams)
    _check_accounts_in_background(runtime)
    if not args.no_worker:
        runtime.dispatcher.start()
    server = teams_server.TeamsServer(runtime.teams.web_app, args.host, args.port or 3978).start()
    log.info("serving Teams (the Bot Connector's endpoint and /healthz) on http://%s:%s",
             args.host, server.port)  # fmt: skip
    if args.slack:
        _serve_slack(runtime, settings, socket_mode, args.host, args.slack_port)
    else:
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    runtime.dispatcher.stop()  # first: its notices still use the Teams server's event loop
    server.stop()
    return 0


def cmd_worker(args) -> int:
    settings = _settings_or_exit()
    if not settings.slack_bot_token:
        raise ConfigError(settings.slack_problems(socket_mode=True)[:1])
    runtime = assemble(settings)
    _check_accounts_in_background(runtime)
    if args.once:
        runtime.dispatcher.run_until_idle(timeout=args.timeout)
        return 0
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    runtime.dispatcher.start()
    log.info("worker running; Ctrl-C to stop")
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    runtime.dispatcher.stop()
    return 0


def cmd_teams_package(args) -> int:
    """Write the Teams app package (the zip a Teams administrator uploads)."""
    import os
    from pathlib import Path

    from handlers.teams.package import write_package
    from handlers.teams.settings import PREFIX

    app_id = args.app_id or os.environ.get(PREFIX + "CLIENTID", "")
    if not app_id:
        load_settings()  # reads .env into the environment
        app_id = os.environ.get(PREFIX + "CLIENTID", "")
    out = Path(args.out)
    if out.suffix != ".zip":
        out.mkdir(parents=True, exist_ok=True)
    try:
        path = write_package(out, app_id, version=args.version)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    print(f"wrote {path}: upload it in the Teams admin center (Manage apps → Upload new app)")
    return 0


def cmd_db_upgrade(args) -> int:
    settings = _settings_or_exit()
    db.upgrade(db.make_engine(settings.database_url))
    print(f"database at {_safe_url(settings.database_url)} is up to date")
    return 0


def _session_factory():
    settings = _settings_or_exit()
    services = build_services(settings)
    return services.session_factory


def cmd_roles_list(args) -> int:
    with _session_factory()() as session:
        for member in roles.members(session, args.platform):
            print(f"{member.user_id}\t{member.role}" + ("\t(away)" if member.away else ""))
    return 0


SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,}")
TEAMS_USER = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}|29:[\w\-.:]{8,}")


def cmd_roles_set(args) -> int:
    if args.platform == "slack" and not SLACK_USER.fullmatch(args.user):
        print(
            f"'{args.user}' is not a Slack user id (like U0123ABCD): find it in the user's "
            "profile → ⋮ → Copy member ID.",
            file=sys.stderr,
        )
        return 2
    if args.platform == "teams" and not TEAMS_USER.fullmatch(args.user):
        print(
            f"'{args.user}' is not a Teams user: give the Entra object id (a GUID, from the "
            "Microsoft 365 admin center or Entra ID → Users) or the Teams user id (29:…).",
            file=sys.stderr,
        )
        return 2
    with _session_factory().begin() as session:
        changed = roles.set_role(
            session, args.user, args.role, actor="cli", now=utc_now(), platform=args.platform
        )
    print(f"{args.user} is now {args.role}" if changed else f"{args.user} already is {args.role}")
    return 0


def _date(value: str) -> datetime:
    """A day as staff mean it: midnight in Japan."""
    try:
        return datetime.fromisoformat(value).replace(tzinfo=None).replace(tzinfo=JST)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date like 2026-04-01") from None


def cmd_groups_add(args) -> int:
    with _session_factory().begin() as session:
        added = groups.add(
            session, args.name, contact=args.contact, site=args.site, actor="cli", now=utc_now()
        )
    print(f"registered {args.name}" if added else f"{args.name} is already registered")
    return 0 if added else 1


def cmd_groups_list(args) -> int:
    with _session_factory()() as session:
        for group in groups.all_groups(session):
            print(f"{group.name}\t{group.contact}\t{group.site}")
    return 0


def cmd_groups_remove(args) -> int:
    with _session_factory().begin() as session:
        removed = groups.remove(session, args.name, actor="cli", now=utc_now())
    print(f"removed {args.name}" if removed else f"{args.name} is not registered")
    return 0 if removed else 1


def cmd_credentials_status(args) -> int:
    with _session_factory()() as session:
        items = oversight.open_rotations(session)
    for item in items:
        print(f"{item.account}\topen since {item.opened_at:%Y-%m-%d %H:%M} UTC\t{item.reason}")
    if not items:
        print("no credential changes are pending")
    return 0


def cmd_audit_export(args) -> int:
    with _session_factory()() as session:
        sys.stdout.reconfigure(encoding="utf-8", newline="")
        if args.entries:
            rows, columns = (
                register.entry_rows(session, args.since, args.until),
                register.ENTRY_COLUMNS,
            )
        else:
            rows, columns = register.export_rows(session, args.since, args.until), None
        register.write_csv(rows, sys.stdout, columns)
    return 0


def cmd_audit_verify(args) -> int:
    with _session_factory()() as session:
        verdict = register.check(session, args.expect_head)
    for problem in verdict.problems:
        print(f"✗ {problem}")
    for note in verdict.notes:
        print(f"! {note}")
    if verdict.problems:
        print("The approval register has been tampered with or damaged.")
        return 1
    print("✓ the approval register's hash chain is intact")
    if args.expect_head:
        print(f"✓ it holds the expected head {args.expect_head}")
    print(f"  {verdict.count} entries, head {verdict.count}:{verdict.head}")
    return 0


def cmd_audit_key(args) -> int:
    """A new random register key: printed once, here, and nowhere else."""
    print(secrets.token_hex(32))
    print(
        "Set it as SNSBOT_REGISTER_KEY for every snsbot process and keep a copy away from the "
        "database (verifying needs it). Entries written from then on carry its HMAC.",
        file=sys.stderr,
    )
    return 0


HEAD = re.compile(r"(\d+:)?[0-9a-fA-F]{12,64}")


def _head(value: str) -> str:
    """`HASH` or `N:HASH` as the daily line gives it; HASH at least 12 hex digits."""
    if not HEAD.fullmatch(value.strip()):
        raise argparse.ArgumentTypeError(
            "give the head as the daily line shows it: N:HASH or HASH (12 or more hex digits)"
        )
    return value.strip()


def _check_slack_token(settings: Settings) -> tuple[bool, str]:
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    try:
        who = WebClient(
            token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=10
        ).auth_test()
    except SlackApiError as error:
        return (
            False,
            f"Slack rejected SLACK_BOT_TOKEN ({error.response.get('error')}): copy it again",
        )
    except Exception as error:
        return False, f"cannot reach Slack at {settings.slack_api_url} ({type(error).__name__})"
    return True, f"Slack token is the bot @{who.get('user')} in workspace {who.get('team')}"


def _check_channels(settings: Settings) -> list[tuple[bool, str]]:
    from bot.messages import Messages
    from bot.networks import build_publishers

    checks = []
    for channel, publisher in build_publishers(settings).items():
        missing = settings.missing_credentials(channel)
        if settings.dry_run:
            checks.append((True, f"{channel}: dry run (SNSBOT_DRY_RUN=1): nothing is posted"))
        elif missing:
            checks.append(
                (True, f"{channel}: dry run, because these are not set: {', '.join(missing)}")
            )
        else:
            problem = publisher.verify_account()
            said = problem.render(Messages("en")) if problem else f"{channel}: account verified"
            checks.append((problem is None, said))
    return checks


def _check_teams() -> list[tuple[bool, str]]:
    from handlers.teams.settings import TeamsSettings  # no SDK import: works without the extra

    teams = TeamsSettings.from_env()
    problems = [(False, p) for p in teams.problems()]
    try:
        from handlers.teams.server import service_url_problem
    except ImportError:
        problems.append((False, "the Teams SDK is not installed: pip install -e '.[teams]'"))
    else:
        problems += [(False, p) for p in [service_url_problem(teams)] if p]
    if teams.anonymous:
        problems.append((False, "ANONYMOUS_ALLOWED is on: anyone can call the bot (tests only)"))
        if teams.anonymous_refusal():
            problems.append((False, f"`snsbot run --teams` refuses: {teams.anonymous_refusal()}"))
    return problems or [(True, f"Teams settings present (app {teams.app_id})")]


def _check_roster(session, platform: str, chief: str, operators: tuple[str, ...],
                  keys: tuple[str, str]) -> list[tuple[bool, str]]:  # fmt: skip
    """The roster settings against the roster in the database, which alone counts once seeded."""
    chief_key, operators_key = keys
    found = roles.compare_with_settings(session, chief, operators, platform)
    if not found.seeded:
        named = ", ".join(u for u in (chief, *operators) if u) or "nobody (neither is set)"
        return [(True, f"{platform} roster: empty so far; the first snsbot command fills it once "
                       f"from {chief_key} and {operators_key}: {named}")]  # fmt: skip
    fix = "The settings only fill an empty roster once; the roster in the database counts now."
    checks = []
    if found.chief_differs:
        may_empty = platform == "slack"  # `run --teams` requires SNSBOT_TEAMS_CHIEF
        make = f"`snsbot roles set {chief} chief{_platform_flag(platform)}`"
        if found.chief:
            change = f"set {chief_key}={found.chief}" + (" (or empty it)" if may_empty else "")
            checks.append((False, f"{chief_key} is {chief}, but the chief on the {platform} "
                                  f"roster is {found.chief}: {change}, or make {chief} chief "
                                  f"with {make}. {fix}"))  # fmt: skip
        else:
            change = f", or empty {chief_key}" if may_empty else ""
            checks.append((False, f"{chief_key} is {chief}, but the {platform} roster has no "
                                  f"chief: make {chief} chief with {make}{change}. {fix}"))  # fmt: skip
    if found.not_on_roster:
        ids = ", ".join(found.not_on_roster)
        checks.append((False, f"{operators_key} lists {ids}, who have no role on the {platform} "
                              f"roster (removed, or listed after it was filled): take them out "
                              f"of {operators_key}, or add each with `snsbot roles set <user> "
                              f"operator{_platform_flag(platform)}`. {fix}"))  # fmt: skip
    if found.not_listed:
        ids = ", ".join(found.not_listed)
        checks.append((False, f"{ids} are operators on the {platform} roster but not in "
                              f"{operators_key}: add them to {operators_key}, or empty it. "
                              f"{fix}"))  # fmt: skip
    roster = f"{platform} roster: chief {found.chief or '(none)'}"
    return checks or [(True, f"{roster}; it agrees with {chief_key} and {operators_key}")]


def _platform_flag(platform: str) -> str:
    return "" if platform == "slack" else f" --platform {platform}"


def _roster_checks(settings: Settings, teams: bool, engine) -> list[tuple[bool, str]]:
    """The roster settings of the front end being checked against that front end's roster."""
    with db.make_session_factory(engine)() as session:
        if not teams:
            return _check_roster(session, "slack", settings.chief, settings.operators,
                                 ("SNSBOT_CHIEF", "SNSBOT_OPERATORS"))  # fmt: skip
        from handlers.teams.settings import TeamsSettings

        seed = TeamsSettings.from_env()
        return _check_roster(session, "teams", seed.chief, seed.operators,
                             ("SNSBOT_TEAMS_CHIEF", "SNSBOT_TEAMS_OPERATORS"))  # fmt: skip


def _check_database(settings: Settings) -> tuple[list[tuple[bool, str]], object]:
    """The database's migration state and whether it can be written; the engine when usable."""
    url = settings.database_url
    engine = None
    try:
        engine = db.make_engine(url)
        current, head = db.migration_state(engine)
        if current != head:
            engine.dispose()
            return [
                (
                    False,
                    f"database is at migration {current}, code needs {head}: "
                    "run `snsbot db upgrade`",
                )
            ], None
        dbcheck.check_writable(engine)
    except dbcheck.DatabaseUnusable as error:
        if engine is not None:
            engine.dispose()
        return [(False, str(error))], None
    except Exception as error:
        if engine is not None:
            engine.dispose()
        return [(False, dbcheck.explain(error, url))], None
    return [(True, f"database {_safe_url(url)} at migration {head}, writable")], engine


def cmd_doctor(args) -> int:
    settings = load_settings()
    checks: list[tuple[bool, str]] = []
    for problem in settings.problems():
        checks.append((False, problem))
    if args.teams:
        checks += _check_teams()
    else:
        socket_mode = bool(settings.slack_app_token)
        slack_problems = settings.slack_problems(socket_mode)
        checks += [(False, p) for p in slack_problems]
        if not slack_problems:
            mode = "Socket Mode" if socket_mode else "HTTP mode"
            checks.append((True, f"Slack settings present ({mode})"))
    database_checks, engine = _check_database(settings)
    checks += database_checks
    if engine is not None:  # migrated: the roster can be read
        checks += _roster_checks(settings, args.teams, engine)
        engine.dispose()
    if settings.slack_bot_token:
        checks.append(_check_slack_token(settings))
    checks += _check_channels(settings)
    for ok, line in checks:
        print(f"{'✓' if ok else '✗'} {line}")
    return 0 if all(ok for ok, _ in checks) else 1


# -- parser -----------------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="snsbot", description="SNS approval bot for Slack")
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="start the bot (Socket Mode when SLACK_APP_TOKEN is set)")
    run.add_argument("--http", action="store_true", help="force HTTP mode")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, help="3000 for Slack's HTTP mode, 3978 for Teams")
    run.add_argument("--no-worker", action="store_true", help="publish from `snsbot worker` only")
    run.add_argument("--teams", action="store_true", help="serve Microsoft Teams (see README)")
    run.add_argument("--slack", action="store_true", help="with --teams: serve Slack as well")
    run.add_argument("--slack-port", type=int, default=3000, help="with --teams --slack --http")
    run.set_defaults(func=cmd_run)

    worker = sub.add_parser("worker", help="run the publishing dispatcher on its own")
    worker.add_argument("--once", action="store_true", help="work until idle, then exit")
    worker.add_argument("--timeout", type=float, default=120.0)
    worker.set_defaults(func=cmd_worker)

    doctor = sub.add_parser("doctor", help="check every setting and credential")
    doctor.add_argument(
        "--teams", action="store_true", help="check the Teams settings, not Slack's"
    )
    doctor.set_defaults(func=cmd_doctor)

    package = sub.add_parser("teams-package", help="write the Teams app package (zip) to upload")
    package.add_argument(
        "--app-id", help=f"the bot's Entra app id (default: ${PREFIX_HINT}CLIENTID)"
    )
    package.add_argument("--out", default=".", help="a directory or a .zip path (default: .)")
    package.add_argument("--version", help="the app version, e.g. 1.0.1 (default: the manifest's)")
    package.set_defaults(func=cmd_teams_package)

    dbp = sub.add_parser("db", help="database maintenance").add_subparsers(dest="db", required=True)
    dbp.add_parser("upgrade", help="apply migrations").set_defaults(func=cmd_db_upgrade)

    rolesp = sub.add_parser("roles", help="the roster").add_subparsers(dest="roles", required=True)
    roles_list = rolesp.add_parser("list", help="list members and roles")
    roles_list.add_argument("--platform", choices=PLATFORMS, default="slack")
    roles_list.set_defaults(func=cmd_roles_list)
    role_set = rolesp.add_parser("set", help="give a chat user a role (none removes them)")
    role_set.add_argument("user", help="Slack user id (U0123ABCD) or, for Teams, Entra object id")
    role_set.add_argument("role", choices=[*ROLES, roles.NONE])
    role_set.add_argument("--platform", choices=PLATFORMS, default="slack")
    role_set.set_defaults(func=cmd_roles_set)

    groupsp = sub.add_parser("groups", help="registered groups (policy §5(4))").add_subparsers(
        dest="groups", required=True
    )
    group_add = groupsp.add_parser("add", help="register a group")
    group_add.add_argument("name")
    group_add.add_argument("--contact", default="", help="who to contact at the group")
    group_add.add_argument("--site", default="", help="the group's own site or SNS")
    group_add.set_defaults(func=cmd_groups_add)
    groupsp.add_parser("list", help="list registered groups").set_defaults(func=cmd_groups_list)
    group_remove = groupsp.add_parser("remove", help="take a group off the roster")
    group_remove.add_argument("name")
    group_remove.set_defaults(func=cmd_groups_remove)

    credentials = sub.add_parser("credentials", help="credential changes (policy §6)")
    credentials.add_subparsers(dest="credentials", required=True).add_parser(
        "status", help="list the accounts whose credentials must still change"
    ).set_defaults(func=cmd_credentials_status)

    audit = sub.add_parser("audit", help="the approval register").add_subparsers(
        dest="audit", required=True
    )
    export = audit.add_parser("export", help="CSV (UTF-8 with BOM) to stdout")
    export.add_argument("--since", type=_date, help="first day, e.g. 2026-04-01")
    export.add_argument("--until", type=_date, help="day after the last, e.g. 2027-04-01")
    export.add_argument(
        "--entries", action="store_true", help="every register entry instead of one row per draft"
    )
    export.set_defaults(func=cmd_audit_export)
    verify = audit.add_parser("verify", help="check the hash chain (and key marks)")
    verify.add_argument(
        "--expect-head",
        type=_head,
        metavar="HASH",
        help="fail unless the register holds this head (N:HASH or a HASH prefix, from the "
        "chief's daily line)",
    )
    verify.set_defaults(func=cmd_audit_verify)
    audit.add_parser("key", help="print a new random SNSBOT_REGISTER_KEY").set_defaults(
        func=cmd_audit_key
    )
    return p


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    quiet_secret_loggers()
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as error:
        print("snsbot cannot start:", file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        print(README_HINT, file=sys.stderr)
        return 2
    except dbcheck.DatabaseUnusable as error:
        print(f"snsbot {error}", file=sys.stderr)
        return 1
    except DatabaseError as error:
        if not dbcheck.is_unusable(error):
            raise
        print(f"snsbot {dbcheck.explain(error, load_settings().database_url)}", file=sys.stderr)
        return 1
