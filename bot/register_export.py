"""The register's per-draft CSV export, built from the chained entries alone (never the tables)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from bot import register_requests
from bot.models import APPROVED, EXPIRED, PENDING, REJECTED, SENT_BACK, WITHDRAWN, RegisterEntry

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
DECIDED = (APPROVED, REJECTED, SENT_BACK)  # the decision entries (a reviewer's send-back too)
ROUTE_MARKS = ("passed_on", SENT_BACK, "step_skipped")  # a review step's mark (details: step)
STATE_AFTER = {  # the draft's state after each entry that changes it
    "submitted": PENDING,
    "resubmitted": PENDING,
    "edited": PENDING,
    APPROVED: APPROVED,
    REJECTED: REJECTED,
    "expired": EXPIRED,
    "withdrawn": WITHDRAWN,
    SENT_BACK: SENT_BACK,
}


def export_columns(steps: int = 0) -> list[str]:
    """The export's columns: the route's review steps (確認者, 確認日時) after the decision's."""
    route = [name for n in range(1, steps + 1) for name in (f"reviewer_{n}", f"reviewed_at_{n}")]
    return EXPORT_COLUMNS + route


def route_steps(session: Session) -> int:
    """How many review steps the register's longest route had (0: no route was ever used)."""
    e = RegisterEntry
    marks = session.execute(select(e.details).where(e.action.in_(ROUTE_MARKS)))
    return max((int((details or {}).get("step") or 0) for (details,) in marks), default=0)


@dataclass
class RevisionFacts:
    """What the register says of one revision: its content, its decision, each channel's end."""

    number: int
    at: datetime
    details: dict
    decision: Row | None = None  # the approved / rejected (or sent back) entry
    steps: dict[int, Row] = field(default_factory=dict)  # each review step's mark, by step
    channels: dict[str, tuple[str, str]] = field(default_factory=dict)  # → (state, shown)


@dataclass
class DraftFacts:
    """What the register says of one draft: author, state, revisions."""

    draft_id: int
    author: str = ""
    state: str = ""
    revisions: dict[int, RevisionFacts] = field(default_factory=dict)


def export(
    session: Session, since: datetime | None = None, until: datetime | None = None
) -> tuple[Iterator[list[str]], list[str]]:
    """(rows, columns) of the export, with a column pair for each review step the register's
    routes had (none when no route was ever used: the columns are EXPORT_COLUMNS)."""
    steps = route_steps(session)
    return export_rows(session, since, until, steps), export_columns(steps)


def export_rows(
    session: Session,
    since: datetime | None = None,
    until: datetime | None = None,
    steps: int = 0,
) -> Iterator[list[str]]:
    """One row per revision, drafts in id order, filtered by the `submitted` entry's time; then
    one row per engagement request and one per moderation decision (bot.register_requests);
    with `steps`, each review step's reviewer and time after (see export_columns).

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
            yield from rows_of(facts[draft_id], steps)
    blank_steps = [""] * (2 * steps)  # requests have no review route
    for cells in register_requests.engagement_rows(session, since, until):
        yield [cells.get(column, "") for column in EXPORT_COLUMNS] + blank_steps
    for cells in register_requests.moderation_rows(session, since, until):
        yield [cells.get(column, "") for column in EXPORT_COLUMNS] + blank_steps


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
    if action in ROUTE_MARKS:
        revision.steps[int(details.get("step") or 0)] = entry
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


def step_cells(revision: RevisionFacts, steps: int) -> list[str]:
    """Each review step's reviewer and time (a skipped step: `skipped:<why>`), as on paper."""
    cells = []
    for number in range(1, steps + 1):
        mark = revision.steps.get(number)
        if mark is None:
            cells += ["", ""]
            continue
        why = (mark.details or {}).get("reason") or ""
        who = f"skipped:{why}" if mark.action == "step_skipped" else mark.actor
        cells += [who, mark.at.isoformat()]
    return cells


def rows_of(draft: DraftFacts, steps: int = 0) -> Iterator[list[str]]:
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
            _reason(decision),
            " ".join(f"{c}:{shown}" for c, state, shown in ended if state == "published"),
            " ".join(f"{c}:{shown}" for c, state, shown in ended if state == "failed"),
            register_requests.acting_cell(decision.details) if decision else "",
            content.get("group") or "",
            content.get("group_date") or "",
            "draft",
            "",
            "",
            "",
            *step_cells(revision, steps),
        ]


def _reason(decision: Row | None) -> str:
    """A rejection's reason, or a send-back's comment."""
    details = (decision.details or {}) if decision else {}
    return details.get("reason") or details.get("comment") or ""
