"""The `snsbot` command line: argparse and one small function per command."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError

from bot import app, cli_audit, db, dbcheck, doctor, logs, report_command, serve
from bot.cli_audit import session_factory
from bot.config import ConfigError, load_settings
from bot.models import ROLES
from bot.people import groups, oversight, roles
from bot.people.user_ids import SLACK_USER, TEAMS_ID_HINT, TEAMS_USER
from bot.services import quiet_secret_loggers, utc_now
from bot.startup import CannotStart

CONFIG_HINT = "See docs/configuration.md."
DEBUG_HELP = "log everything, details of failures included (secrets are always redacted)"
log = logging.getLogger("snsbot")


def _debug_after(command: argparse.ArgumentParser) -> None:
    """`snsbot run --debug` as well as `snsbot --debug run` (any command takes the latter)."""
    command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                         help=DEBUG_HELP)  # fmt: skip


FRONT_ENDS = ("slack", "teams")  # the chat front ends people can be on (flag `--platform`)
PREFIX_HINT = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"


def cmd_teams_package(args) -> int:
    """Write the Teams app package (the zip a Teams administrator uploads)."""
    app_id = args.app_id or os.environ.get(PREFIX_HINT + "CLIENTID", "")
    if not app_id:
        load_settings()  # reads .env into the environment
        app_id = os.environ.get(PREFIX_HINT + "CLIENTID", "")
    out = Path(args.out)
    if out.suffix != ".zip":
        out.mkdir(parents=True, exist_ok=True)
    try:
        path = app.write_teams_package(out, app_id, version=args.version)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    print(f"wrote {path}: upload it in the Teams admin center (Manage apps → Upload new app)")
    return 0


def cmd_db_upgrade(args) -> int:
    settings = serve.settings_or_exit()
    db.upgrade(db.make_engine(settings.database_url))
    print(f"database at {doctor.safe_url(settings.database_url)} is up to date")
    return 0


def cmd_roles_list(args) -> int:
    with session_factory()() as session:
        for member in roles.members(session, args.front_end):
            print(f"{member.user_id}\t{member.role}" + ("\t(away)" if member.away else ""))
    return 0


def cmd_roles_set(args) -> int:
    if args.front_end == "slack" and not SLACK_USER.fullmatch(args.user):
        print(
            f"'{args.user}' is not a Slack user id (like U0123ABCD): find it in the user's "
            "profile → ⋮ → Copy member ID.",
            file=sys.stderr,
        )
        return 2
    if args.front_end == "teams" and not TEAMS_USER.fullmatch(args.user):
        print(f"'{args.user}' is not a Teams user: {TEAMS_ID_HINT}.", file=sys.stderr)
        return 2
    with session_factory().begin() as session:
        changed = roles.set_role(
            session, args.user, args.role, actor="cli", now=utc_now(), front_end=args.front_end
        )
    print(f"{args.user} is now {args.role}" if changed else f"{args.user} already is {args.role}")
    return 0


def cmd_groups_add(args) -> int:
    with session_factory().begin() as session:
        added = groups.add(
            session, args.name, contact=args.contact, site=args.site, actor="cli", now=utc_now()
        )
    print(f"registered {args.name}" if added else f"{args.name} is already registered")
    return 0 if added else 1


def cmd_groups_list(args) -> int:
    with session_factory()() as session:
        for group in groups.all_groups(session):
            print(f"{group.name}\t{group.contact}\t{group.site}")
    return 0


def cmd_groups_remove(args) -> int:
    with session_factory().begin() as session:
        removed = groups.remove(session, args.name, actor="cli", now=utc_now())
    print(f"removed {args.name}" if removed else f"{args.name} is not registered")
    return 0 if removed else 1


def cmd_credentials_status(args) -> int:
    with session_factory()() as session:
        items = oversight.open_rotations(session)
    for item in items:
        print(f"{item.account}\topen since {item.opened_at:%Y-%m-%d %H:%M} UTC\t{item.reason}")
    if not items:
        print("no credential changes are pending")
    return 0


def cmd_doctor(args) -> int:
    only = "teams" if args.teams else "slack" if args.slack else None
    checks = doctor.run_checks(load_settings(), only, app.doctor_probes())
    for ok, line in checks:
        print(f"{'⚠' if ok is None else '✓' if ok else '✗'} {line}")
    return 0 if all(ok is not False for ok, _ in checks) else 1  # a warning (⚠) is no failure


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="snsbot", description="SNS approval bot for Slack")
    p.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="start the bot (Socket Mode when SLACK_APP_TOKEN is set)")
    run.add_argument("--http", action="store_true", help="force HTTP mode")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, help="3000 for Slack's HTTP mode, 3978 for Teams")
    run.add_argument("--no-worker", action="store_true", help="publish from `snsbot worker` only")
    run.add_argument("--teams", action="store_true", help="serve Microsoft Teams, not Slack")
    run.add_argument("--slack", action="store_true", help="with --teams: serve Slack as well")
    run.add_argument("--slack-port", type=int, default=3000, help="with --teams --slack --http")
    _debug_after(run)
    run.set_defaults(func=serve.cmd_run)

    worker = sub.add_parser("worker", help="run the publishing dispatcher on its own")
    worker.add_argument("--once", action="store_true", help="work until idle, then exit")
    worker.add_argument("--timeout", type=float, default=120.0)
    _debug_after(worker)
    worker.set_defaults(func=serve.cmd_worker)

    doctor = sub.add_parser("doctor", help="check every setting and credential")
    only = doctor.add_mutually_exclusive_group()
    only.add_argument("--teams", action="store_true", help="check Teams only (never asks Slack)")
    only.add_argument("--slack", action="store_true", help="check Slack only (the default)")
    _debug_after(doctor)
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
    roles_list.add_argument("--platform", dest="front_end", choices=FRONT_ENDS, default="slack")
    roles_list.set_defaults(func=cmd_roles_list)
    role_set = rolesp.add_parser("set", help="give a chat user a role (none removes them)")
    role_set.add_argument("user", help="Slack user id (U0123ABCD) or, for Teams, Entra object id")
    role_set.add_argument("role", choices=[*ROLES, roles.NONE])
    role_set.add_argument("--platform", dest="front_end", choices=FRONT_ENDS, default="slack")
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

    cli_audit.add_commands(sub)
    report_command.add_parser(sub)  # `snsbot report --month YYYY-MM [--out DIR]`
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    _configure_logging(args.debug)
    try:
        return args.func(args)
    except ConfigError as error:
        print("snsbot cannot start:", file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        print(CONFIG_HINT, file=sys.stderr)
        return 2
    except CannotStart as error:
        return _failed(f"snsbot cannot start: {error}", error.__cause__)
    except dbcheck.DatabaseUnusable as error:
        return _failed(f"snsbot {error}", error.__context__)
    except DatabaseError as error:
        if not dbcheck.is_unusable(error):
            raise
        return _failed(f"snsbot {dbcheck.explain(error, load_settings().database_url)}", error)


def _configure_logging(debug: bool) -> None:
    """The level from --debug or SNSBOT_LOG_LEVEL (.env read first); every secret redacted."""
    settings = load_settings()
    teams_secrets = app.teams_settings().secrets()
    try:
        database = make_url(settings.database_url).password
    except Exception:
        database = None  # reported by the command itself
    level = "DEBUG" if debug else settings.log_level
    logs.configure(level, [*settings.secrets(), *teams_secrets, str(database or "")])
    quiet_secret_loggers()


def _failed(line: str, details: BaseException | None) -> int:
    """One line on stderr; the details (a traceback, secrets redacted) in the debug log only."""
    debugging = log.isEnabledFor(logging.DEBUG)
    print(line + ("" if debugging else " (--debug shows the details)"), file=sys.stderr)
    if details is not None:
        log.debug("the details of what failed", exc_info=details)
    return 1
