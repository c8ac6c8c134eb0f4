"""`snsbot report --month YYYY-MM [--out DIR]`: the monthly report's files, written to a folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot import serve
from bot.features.report import parse_month
from bot.features.report_files import write_report
from bot.messages import Messages
from bot.services import open_database


def _month(value: str):
    try:
        return parse_month(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def cmd_report(args) -> int:
    settings = serve.settings_or_exit()
    engine, session_factory = open_database(settings)  # migrated, as for every command
    try:
        with session_factory() as session:
            files = write_report(session, args.month, Path(args.out), Messages(settings.locale))
    finally:
        engine.dispose()
    for path in (files.csv, files.summary, files.chart):
        print(path)
    return 0


def add_parser(sub) -> None:
    """`snsbot report` among the CLI's commands."""
    report = sub.add_parser("report", help="the monthly report: CSV (with BOM), summary, chart")
    report.add_argument("--month", type=_month, required=True, help="e.g. 2026-11 (Japan time)")
    report.add_argument("--out", default=".", help="the folder to write into (default: .)")
    report.set_defaults(func=cmd_report)
