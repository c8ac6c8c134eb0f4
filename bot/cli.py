"""The `snsbot` command line: argparse and one small function per command."""

from __future__ import annotations

import argparse
import logging
import os
import re
import secrets
import sys
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import DatabaseError

from bot import app, cli_groups, db, dbcheck, doctor, register, serve
from bot.config import ConfigError, load_settings
from bot.messages import JST
from bot.models import ROLES
from bot.people import oversight, roles
from bot.services import open_database, quiet_secret_loggers, utc_now

README_HINT = "See README.md, section 'Configuration'."
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


def _session_factory():
    return open_database(serve.settings_or_exit())[1]  # the roster seeded, as every command


def cmd_roles_list(args) -> int:
    with _session_factory()() as session:
        for member in roles.members(session, args.front_end):
            print(f"{member.user_id}\t{member.role}" + ("\t(away)" if member.away else ""))
    return 0


SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,}")
TEAMS_USER = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}|29:[\w\-.:]{8,}")


def cmd_roles_set(args) -> int:
    if args.front_end == "slack" and not SLACK_USER.fullmatch(args.user):
        print(
            f"'{args.user}' is not a Slack user id (like U0123ABCD): find it in the user's "
            "profile → ⋮ → Copy member ID.",
            file=sys.stderr,
        )
        return 2
    if args.front_end == "teams" and not TEAMS_USER.fullmatch(args.user):
        print(
            f"'{args.user}' is not a Teams user: give the Entra object id (a GUID, from the "
            "Microsoft 365 admin center or Entra ID → Users) or the Teams user id (29:…).",
            file=sys.stderr,
        )
        return 2
    with _session_factory().begin() as session:
        changed = roles.set_role(
            session, args.user, args.role, actor="cli", now=utc_now(), front_end=args.front_end
        )
    print(f"{args.user} is now {args.role}" if changed else f"{args.user} already is {args.role}")
    return 0


def _date(value: str) -> datetime:
    """A day as staff mean it: midnight in Japan."""
    try:
        return datetime.fromisoformat(value).replace(tzinfo=None).replace(tzinfo=JST)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date like 2026-04-01") from None


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
            rows = register.entry_rows(session, args.since, args.until)
            columns = register.ENTRY_COLUMNS
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


def cmd_doctor(args) -> int:
    checks = doctor.run_checks(load_settings(), args.teams, app.doctor_probes())
    for ok, line in checks:
        print(f"{'✓' if ok else '✗'} {line}")
    return 0 if all(ok for ok, _ in checks) else 1


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
    run.add_argument("--web-port", type=int, help="serve the group intake pages on this port too")
    run.set_defaults(func=serve.cmd_run)

    worker = sub.add_parser("worker", help="run the publishing dispatcher on its own")
    worker.add_argument("--once", action="store_true", help="work until idle, then exit")
    worker.add_argument("--timeout", type=float, default=120.0)
    worker.set_defaults(func=serve.cmd_worker)

    doctor = sub.add_parser("doctor", help="check every setting and credential")
    doctor.add_argument("--teams", action="store_true", help="check Teams, not Slack")
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

    cli_groups.add_commands(sub)

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
