"""The `snsbot audit` commands (the approval register) and the database the CLI commands open."""

from __future__ import annotations

import argparse
import re
import secrets
import sys
from datetime import datetime

from bot import register, serve
from bot.messages import JST
from bot.services import open_database


def session_factory():
    """The database's sessions, migrated and with the roster seeded, as every command has it."""
    return open_database(serve.settings_or_exit())[1]


def _date(value: str) -> datetime:
    """A day as staff mean it: midnight in Japan."""
    try:
        return datetime.fromisoformat(value).replace(tzinfo=None).replace(tzinfo=JST)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date like 2026-04-01") from None


def cmd_audit_export(args) -> int:
    with session_factory()() as session:
        sys.stdout.reconfigure(encoding="utf-8", newline="")
        if args.entries:
            rows = register.entry_rows(session, args.since, args.until)
            columns = register.ENTRY_COLUMNS
        else:
            rows, columns = register.export(session, args.since, args.until)
        register.write_csv(rows, sys.stdout, columns)
    return 0


def cmd_audit_verify(args) -> int:
    with session_factory()() as session:
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


def add_commands(sub) -> None:
    """`snsbot audit export|verify|key` on the CLI's subparsers."""
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
