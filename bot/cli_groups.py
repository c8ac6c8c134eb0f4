"""`snsbot groups …`: the registered groups (policy §5(4)) and their private intake links."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from bot import serve
from bot.cli_audit import session_factory as _session_factory
from bot.intake import links
from bot.messages import JST
from bot.people import groups
from bot.services import utc_now


def _day(value: str) -> datetime:
    """The end of a day as staff mean it (the link works through that day, Japan time)."""
    try:
        day = datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date like 2026-04-01") from None
    return day.replace(hour=23, minute=59, second=59, tzinfo=JST)


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


def cmd_groups_link(args) -> int:
    """Print the group's private intake link (new, or replacing the old one with --rotate)."""
    base = serve.settings_or_exit().public_url
    with _session_factory().begin() as session:
        result = links.issue(session, args.name, rotate=args.rotate, expires_at=args.expires,
                             actor="cli", now=utc_now())  # fmt: skip
    if result.outcome == links.NO_GROUP:
        print(f"{args.name} is not registered: `snsbot groups add` it first", file=sys.stderr)
        return 1
    if result.outcome == links.EXISTS:
        print(f"{args.name} already has a link; it is kept hashed and cannot be shown again. "
              "Use --rotate to replace it (the old link stops working at once).", file=sys.stderr)  # fmt: skip
        return 1
    if result.outcome == links.EXPIRY_SET:
        print(f"the link of {args.name} now works until {args.expires:%Y-%m-%d} (Japan time)")
        return 0
    print(f"{base}{links.path(result.token)}")
    if not base:
        print("(set SNSBOT_PUBLIC_URL to the address groups reach snsbot at to print a whole "
              "link)", file=sys.stderr)  # fmt: skip
    if result.outcome == links.ROTATED:
        print("the previous link no longer works", file=sys.stderr)
    return 0


def add_commands(sub) -> None:
    """`snsbot groups add|list|remove|link` under the command line's subcommands."""
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
    link = groupsp.add_parser("link", help="print the group's private intake link")
    link.add_argument("name")
    link.add_argument("--rotate", action="store_true", help="replace the link (the old one dies)")
    link.add_argument("--expires", type=_day, metavar="YYYY-MM-DD", help="last day it works")
    link.set_defaults(func=cmd_groups_link)
