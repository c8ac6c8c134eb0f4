"""The register export's rows for engagement requests and moderation decisions, from entries."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from bot.models import RegisterEntry

ACTING = "代決"  # shown in the `acting` column when the deputy decided in the chief's place
ENGAGEMENT_ACTIONS = (
    "engagement_requested",
    "engagement_approved",
    "engagement_rejected",
    "engagement_done",
    "engagement_failed",
)
MODERATED = "moderated"


def acting_cell(details: dict | None) -> str:
    return ACTING if (details or {}).get("acting") else ""


def _in_range(query, since: datetime | None, until: datetime | None):
    e = RegisterEntry
    if since is not None:
        query = query.where(e.at >= since)
    if until is not None:
        query = query.where(e.at < until)
    return query


def _entries(session: Session, actions: tuple[str, ...], after_seq: int = 0) -> list[Row]:
    e = RegisterEntry
    return list(
        session.execute(
            select(e.seq, e.at, e.actor, e.action, e.details)
            .where(e.action.in_(actions), e.seq >= after_seq)
            .order_by(e.seq)
        ).all()
    )


def engagement_rows(
    session: Session, since: datetime | None = None, until: datetime | None = None
) -> Iterator[dict[str, str]]:
    """One row per engagement request (follow, retweet, like, share) made in the period, in
    request order: who asked, the target, the decision (代決 marked) and the end on the network."""
    e = RegisterEntry
    first = _in_range(
        select(e.seq).where(e.action == "engagement_requested").order_by(e.seq).limit(1),
        since,
        until,
    )
    start = session.execute(first).scalar()
    if start is None:
        return
    requested = {
        row.seq
        for row in session.execute(
            _in_range(select(e.seq).where(e.action == "engagement_requested"), since, until)
        )
    }
    by_id: dict[object, list[Row]] = {}
    order = []
    for entry in _entries(session, ENGAGEMENT_ACTIONS, start):
        key = (entry.details or {}).get("engagement")
        if entry.action == "engagement_requested" and entry.seq in requested:
            by_id[key] = [entry]
            order.append(key)
        elif key in by_id:
            by_id[key].append(entry)
    for key in order:
        yield _engagement_row(by_id[key])


def _engagement_row(entries: list[Row]) -> dict[str, str]:
    asked, details = entries[0], entries[0].details or {}
    decision, state, published, failures = None, "pending", "", ""
    network = details.get("platform") or ""
    for entry in entries[1:]:
        ended = entry.details or {}
        if entry.action in ("engagement_approved", "engagement_rejected"):
            decision, state = entry, entry.action.removeprefix("engagement_")
        elif entry.action == "engagement_done":
            published = f"{network}:{ended.get('url') or ended.get('remote_id') or ''}"
        elif entry.action == "engagement_failed":
            failures = f"{network}:{ended.get('error') or ''}"
    return request_row(
        author=asked.actor, submitted_at=asked.at.isoformat(), category=details.get("category"),
        channels=network, decision=state, decider=decision.actor if decision else "",
        decided_at=decision.at.isoformat() if decision else "", published_urls=published,
        failures=failures, kind="engagement", item=details.get("engagement"),
        action=details.get("kind"), target=details.get("target_url") or details.get("target"),
        acting=acting_cell(decision.details) if decision else "",
    )  # fmt: skip


def moderation_rows(
    session: Session, since: datetime | None = None, until: datetime | None = None
) -> Iterator[dict[str, str]]:
    """One row per moderation decision (§11) carried out in the period: the network, the
    comment's author and address, what the chief did and under which of the 15 categories."""
    e = RegisterEntry
    query = _in_range(
        select(e.at, e.actor, e.details).where(e.action == MODERATED).order_by(e.seq), since, until
    )
    for entry in session.execute(query):
        details = entry.details or {}
        yield request_row(
            author=details.get("author"), category=details.get("category_text"),
            channels=details.get("platform"), decision=MODERATED, decider=entry.actor,
            decided_at=entry.at.isoformat(), kind="moderation", item=details.get("item_id"),
            action=details.get("decision"), target=details.get("url") or details.get("item"),
            acting=acting_cell(details),
        )  # fmt: skip


def request_row(**cells) -> dict[str, str]:
    """The cells of a request that is not a draft (no draft, revision or source), by column."""
    return {column: "" if value is None else str(value) for column, value in cells.items()}
