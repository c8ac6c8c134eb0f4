"""The monthly report's figures: drafts, decisions (代決), posts per network and week, failures."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import register
from bot.messages import JST
from bot.models import (
    APPROVED,
    CHIEF,
    DEPUTY,
    FAILED,
    PUBLISHED,
    Decision,
    Draft,
    Engagement,
    Publication,
    RegisterEntry,
    Revision,
)
from bot.people import roles

MONTH = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True)
class Month:
    """A calendar month in Japan time: `start` included, `end` (the next month's start) not."""

    name: str  # "2026-11"
    start: datetime
    end: datetime

    def weeks(self) -> list[date]:
        """The Mondays of the weeks that hold a day of the month."""
        first, last = self.start.date(), (self.end - timedelta(days=1)).date()
        monday = first - timedelta(days=first.weekday())
        found = []
        while monday <= last:
            found.append(monday)
            monday += timedelta(days=7)
        return found


def parse_month(text: str) -> Month:
    """`YYYY-MM` as a Month; ValueError with a plain-word reason otherwise."""
    match = MONTH.fullmatch((text or "").strip())
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
        raise ValueError(f"give the month as YYYY-MM, e.g. 2026-11 (not '{text.strip()}')")
    year, month = int(match[1]), int(match[2])
    start = datetime(year, month, 1, tzinfo=JST)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=JST)
    return Month(f"{year:04d}-{month:02d}", start, end)


@dataclass
class Figures:
    """What happened in one month, counted from the tables."""

    month: Month
    submitted: int = 0
    outcomes: Counter = field(default_factory=Counter)  # draft state → drafts
    by_source: Counter = field(default_factory=Counter)
    by_category: Counter = field(default_factory=Counter)
    by_group: Counter = field(default_factory=Counter)
    acting: int = 0  # decisions by the deputy (代決), drafts and engagements
    approval_waits: list[timedelta] = field(default_factory=list)
    published: Counter = field(default_factory=Counter)  # network → posts (dry runs apart)
    dry_run: int = 0
    weekly: dict[date, Counter] = field(default_factory=dict)  # Monday → network → posts
    failed: Counter = field(default_factory=Counter)
    retried: int = 0  # posts that needed more than one attempt
    retry_requests: int = 0  # the Retry button, pressed
    engagements: Counter = field(default_factory=Counter)  # kind → requests
    moderation: Counter = field(default_factory=Counter)  # action → decisions

    @property
    def median_wait(self) -> timedelta | None:
        return statistics.median(self.approval_waits) if self.approval_waits else None

    @property
    def longest_wait(self) -> timedelta | None:
        return max(self.approval_waits) if self.approval_waits else None


def gather(session: Session, month: Month) -> Figures:
    """Count the month's drafts, decisions, posts, failures, engagements and moderation."""
    f = Figures(month, weekly={monday: Counter() for monday in month.weeks()})
    start, end = month.start, month.end
    current = (Revision.draft_id == Draft.id) & (Revision.number == Draft.revision)
    drafts = session.execute(
        select(Draft.status, Revision.source, Revision.category, Revision.group_name)
        .join(Revision, current)
        .where(Draft.created_at >= start, Draft.created_at < end)
    ).all()
    for status, source, category, group in drafts:
        f.submitted += 1
        f.outcomes[status] += 1
        f.by_source[source] += 1
        f.by_category[category] += 1
        if group:
            f.by_group[group] += 1
    decided = session.execute(
        select(Decision.outcome, Decision.acting, Decision.decided_at, Revision.created_at)
        .join(
            Revision,
            (Revision.draft_id == Decision.draft_id) & (Revision.number == Decision.revision),
        )  # fmt: skip
        .where(Decision.decided_at >= start, Decision.decided_at < end)
    ).all()
    for outcome, acting, decided_at, submitted_at in decided:
        f.acting += bool(acting)
        if outcome == APPROVED:
            f.approval_waits.append(decided_at - submitted_at)
    _publications(session, f)
    for kind, acting, decided_at, created_at in session.execute(
        select(Engagement.kind, Engagement.acting, Engagement.decided_at, Engagement.created_at)
    ).all():
        if start <= created_at < end:
            f.engagements[kind] += 1
        if acting and decided_at is not None and start <= decided_at < end:
            f.acting += 1
    for entry in session.execute(
        select(RegisterEntry.action, RegisterEntry.details)
        .where(RegisterEntry.at >= start, RegisterEntry.at < end)
        .where(RegisterEntry.action.in_(("moderated", "retry_requested")))
    ).all():
        if entry.action == "moderated":
            f.moderation[(entry.details or {}).get("decision", "")] += 1
        else:
            f.retry_requests += 1
    return f


def _publications(session: Session, f: Figures) -> None:
    start, end = f.month.start, f.month.end
    ended = func.coalesce(Publication.published_at, Publication.updated_at)
    rows = session.execute(
        select(Publication.channel, Publication.status, Publication.dry_run,
               Publication.attempts, Publication.published_at)
        .where(Publication.status.in_((PUBLISHED, FAILED)))
        .where(ended >= start, ended < end)
    ).all()  # fmt: skip
    for channel, status, dry_run, attempts, published_at in rows:
        f.retried += (attempts or 0) > 1
        if status == FAILED:
            f.failed[channel] += 1
        elif dry_run:
            f.dry_run += 1
        else:
            f.published[channel] += 1
            day = published_at.astimezone(JST).date()
            f.weekly.setdefault(day - timedelta(days=day.weekday()), Counter())[channel] += 1


def may_ask(session: Session, user_id: str, front_end: str, now: datetime) -> bool:
    """The chief may ask for the report, and the deputy while the chief is away (代決);
    anyone else's request is refused and recorded in the register."""
    role = roles.role_of(session, user_id, front_end)
    if role == CHIEF or (role == DEPUTY and roles.chief_is_away(session, front_end)):
        return True
    register.append(session, at=now, actor=user_id, action="refused", attempted="report",
                    role=role or "none", platform=front_end)  # fmt: skip
    return False
