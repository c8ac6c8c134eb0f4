"""The monthly report's files: the register's CSV for the month, a one-page summary, a chart."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from bot import register
from bot.features import report_chart
from bot.features.report import Figures, Month, gather
from bot.messages import Messages

STATES = ("pending", "approved", "rejected", "withdrawn", "expired")


@dataclass(frozen=True)
class ReportFiles:
    """The three files written, and the summary's text (for a chat message)."""

    csv: Path
    summary: Path
    chart: Path
    text: str


def write_report(session: Session, month: Month, out_dir: Path, msg: Messages) -> ReportFiles:
    """Write `snsbot-report-YYYY-MM.csv`, `.md` and `.png` into `out_dir` (made if missing)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f"snsbot-report-{month.name}"
    csv_path = stem.with_suffix(".csv")
    with csv_path.open("w", encoding="utf-8", newline="") as stream:  # BOM: bot.csvfile
        register.write_csv(register.export_rows(session, month.start, month.end), stream)
    text, png = summary_and_chart(session, month, msg)
    summary_path = stem.with_suffix(".md")
    summary_path.write_text(text, encoding="utf-8")
    chart_path = stem.with_suffix(".png")
    chart_path.write_bytes(png)
    return ReportFiles(csv_path, summary_path, chart_path, text)


def summary_and_chart(session: Session, month: Month, msg: Messages) -> tuple[str, bytes]:
    """The summary's Markdown and the chart's PNG, without the CSV (for a chat card)."""
    figures = gather(session, month)
    return summary_text(msg, figures), report_chart.chart_png(figures)


def summary_text(msg: Messages, f: Figures) -> str:
    """One page of Markdown in the installation's language."""

    def items(counts: Counter, label: str | None = None) -> str:
        shown = [(msg(f"{label}.{k}") if label else k, n) for k, n in counts.items() if n]
        return msg("report.list_sep").join(f"{k} {n}" for k, n in shown) or msg("report.none")

    lines = [
        msg("report.title", month=f.month.name),
        "",
        msg("report.submitted", count=f.submitted),
        msg("report.outcomes", items=items(Counter({s: f.outcomes[s] for s in STATES}), "state")),
        msg("report.by_source", items=items(f.by_source, "source")),
        msg("report.by_category", items=items(f.by_category, "category")),
        msg("report.by_group", items=items(f.by_group)),
        msg("report.acting", count=f.acting),
        msg(
            "report.approval_time",
            median=_duration(msg, f.median_wait),
            longest=_duration(msg, f.longest_wait),
        ),  # fmt: skip
        msg("report.published", items=items(f.published, "channel")),
        msg("report.dry_run", count=f.dry_run),
        msg("report.failures", items=items(f.failed, "channel")),
        msg("report.retries", retried=f.retried, requests=f.retry_requests),
        msg("report.engagements", items=items(f.engagements, "engage.kind")),
        msg("report.moderation", items=items(f.moderation, "moderation.action")),
    ]
    return "\n".join(line if not line or line.startswith("#") else f"- {line}" for line in lines)


def _duration(msg: Messages, span: timedelta | None) -> str:
    if span is None:
        return msg("report.none")
    minutes = int(span.total_seconds() // 60)
    return msg("report.duration", hours=minutes // 60, minutes=minutes % 60)
