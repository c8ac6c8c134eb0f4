"""The register's per-draft CSV export, built from the chained entries alone (never the tables)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from bot import register_requests
from bot.models import APPROVED, EXPIRED, PENDING, REJECTED, WITHDRAWN, RegisterEntry

EXPORT_COLUMNS = [
    "draft",
    "revision",
    "author",
    "submitted_at",
    "source",
    "category",
    "channels",
    "decision",
    "decider",
    "decided_at",
    "reason",
    "published_urls",
    "failures",
    # Added later, after the columns above (whose order stays): 代決, the group, and the kind of
    # each row (a draft's revision, an engagement request, a moderation decision).
    "acting",
    "group",
    "group_request_date",
    "kind",
    "item",
    "action",
    "target",
]

EXPORT_BATCH = 500  # drafts read at a time; memory stays flat however long the register

CONTENT = ("submitted", "resubmitted", "edited")  # entries holding a revision's full content
DECIDED = (APPROVED, REJECTED)  # the chief's (or deputy's) decision entries
STATE_AFTER = {  # the draft's state after each entry that changes it
    "submitted": PENDING,
    "resubmitted": PENDING,
    "edited": PENDING,
    APPROVED: APPROVED,
    REJECTED: REJECTED,
    "expired": EXPIRED,
    "withdrawn": WITHDRAWN,
}


@dataclass
class RevisionFacts:
    """What the register says of one revision: its content, its decision, each channel's end."""

    number: int
    at: datetime
    details: dict
    decision: Row | None = None  # the approved / rejected entry
    channels: dict[str, tuple[str, str]] = field(default_factory=dict)  # → (state, shown)


@dataclass
class DraftFacts:
    """What the register says of one draft: author, state, revisions."""

    draft_id: int
    author: str = ""
    state: str = ""
    revisions: dict[int, RevisionFacts] = field(default_factory=dict)


def export_rows(
    session: Session, since: datetime | None = None, until: datetime | None = None
) -> Iterator[list[str]]:
    """One row per revision, drafts in id order, filtered by the `submitted` entry's time; then
    one row per engagement request and one per moderation decision (bot.register_requests).

    Only chained entries are read, so every cell is covered by `snsbot audit verify`. Drafts
    are read a batch at a time (by id, after the last batch), their entries in one query.
    """
    e = RegisterEntry
    submitted = select(e.draft_id).where(e.action == "submitted", e.draft_id.is_not(None))
    if since is not None:
        submitted = submitted.where(e.at >= since)
    if until is not None:
        submitted = submitted.where(e.at < until)
    submitted = submitted.order_by(e.draft_id)
    last = 0
    while batch := session.execute(submitted.where(e.draft_id > last).limit(EXPORT_BATCH)).all():
        ids = sorted({row.draft_id for row in batch})
        last = ids[-1]
        entries = session.execute(
            select(e.at, e.actor, e.action, e.draft_id, e.revision, e.details)
            .where(e.draft_id.in_(ids))
            .order_by(e.seq)
        ).all()
        facts = {draft_id: DraftFacts(draft_id) for draft_id in ids}
        for entry in entries:
            take_in(facts[entry.draft_id], entry)
        for draft_id in ids:
            yield from rows_of(facts[draft_id])
    for cells in register_requests.engagement_rows(session, since, until):
        yield [cells.get(column, "") for column in EXPORT_COLUMNS]
    for cells in register_requests.moderation_rows(session, since, until):
        yield [cells.get(column, "") for column in EXPORT_COLUMNS]


def take_in(draft: DraftFacts, entry: Row) -> None:
    """Add one entry (in register order) to what is known of its draft."""
    details, action = entry.details or {}, entry.action
    draft.state = STATE_AFTER.get(action, draft.state)
    if action == "submitted" and not draft.author:
        draft.author = entry.actor
    if action in CONTENT and entry.revision is not None:
        draft.revisions[entry.revision] = RevisionFacts(entry.revision, entry.at, details)
        return
    revision = draft.revisions.get(entry.revision)
    if revision is None:
        return
    channels = revision.channels
    if action in DECIDED:
        revision.decision = entry
    elif action == "published":
        shown = details.get("url") or details.get("remote_id") or ""
        channels[details.get("channel", "")] = ("published", shown)
    elif action == "publish_failed":
        channels[details.get("channel", "")] = ("failed", details.get("error") or "")
    elif action in ("retry_requested", "cancelled"):
        for channel in details.get("channels", []):
            if channels.get(channel, ("",))[0] != "published":
                channels.pop(channel, None)


def rows_of(draft: DraftFacts) -> Iterator[list[str]]:
    """The draft's CSV rows, one per revision in order."""
    for number in sorted(draft.revisions):
        revision = draft.revisions[number]
        content, decision = revision.details, revision.decision
        ended = [(channel, *end) for channel, end in revision.channels.items()]
        yield [
            str(draft.draft_id),
            str(number),
            draft.author,
            revision.at.isoformat(),
            content.get("source") or "",
            content.get("category") or "",
            " ".join(content.get("channels") or []),
            decision.action if decision else draft.state,
            decision.actor if decision else "",
            decision.at.isoformat() if decision else "",
            (decision.details or {}).get("reason") or "" if decision else "",
            " ".join(f"{c}:{shown}" for c, state, shown in ended if state == "published"),
            " ".join(f"{c}:{shown}" for c, state, shown in ended if state == "failed"),
            register_requests.acting_cell(decision.details) if decision else "",
            content.get("group") or "",
            content.get("group_date") or "",
            "draft",
            "",
            "",
            "",
        ]
