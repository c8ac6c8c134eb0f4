"""The approval register (決裁簿): append-only entries chained by SHA-256, CSV export, verify."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import NamedTuple

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from bot.models import Decision, Draft, Publication, RegisterEntry, RegisterHead, Revision

GENESIS = "0" * 64


def _digest(
    prev_hash: str, seq: int, at: datetime, actor: str, action: str, draft_id, revision, details
) -> str:
    canonical = json.dumps(
        [prev_hash, seq, at.isoformat(), actor, action, draft_id, revision, details],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class Line(NamedTuple):
    """One entry to append: when, who, what, about which draft and revision, and its details."""

    at: datetime
    actor: str
    action: str
    draft_id: int | None
    revision: int | None
    details: dict


def append(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    draft_id: int | None = None,
    revision: int | None = None,
    **details,
) -> RegisterEntry:
    """Add one entry in the caller's transaction; concurrent appends queue on the head row.

    The head row stays locked until the caller commits: append last, just before committing.
    """
    return append_all(session, [Line(at, actor, action, draft_id, revision, details)])[0]


def append_all(session: Session, lines: list[Line]) -> list[RegisterEntry]:
    """Add entries in order, as `append` does, taking the head row once for all of them."""
    if not lines:
        return []
    session.flush()  # the caller's pending rows are written before the head is locked
    head = session.execute(
        update(RegisterHead)
        .where(RegisterHead.id == 1)
        .values(seq=RegisterHead.seq + len(lines))
        .returning(RegisterHead.seq, RegisterHead.hash)
    ).one()
    seq, prev_hash, rows = head.seq - len(lines), head.hash, []
    for line in lines:
        seq, at = seq + 1, line.at.astimezone(UTC)
        digest = _digest(
            prev_hash, seq, at, line.actor, line.action, line.draft_id, line.revision, line.details
        )
        rows.append(
            {
                "seq": seq,
                "at": at,
                "actor": line.actor,
                "action": line.action,
                "draft_id": line.draft_id,
                "revision": line.revision,
                "details": line.details,
                "prev_hash": prev_hash,
                "hash": digest,
            }
        )
        prev_hash = digest
    # One multi-row insert, with the head still locked: the ORM's unit of work cost more here.
    session.connection().execute(insert(RegisterEntry.__table__), rows)
    session.execute(update(RegisterHead).where(RegisterHead.id == 1).values(hash=prev_hash))
    return [RegisterEntry(**row) for row in rows]


def lock(session: Session) -> None:
    """Take the register's head row for this transaction (other appenders wait)."""
    session.execute(update(RegisterHead).where(RegisterHead.id == 1).values(seq=RegisterHead.seq))


def verify(session: Session) -> list[str]:
    """Every break in the chain, in plain words (empty: intact)."""
    problems = []
    expected_prev, expected_seq = GENESIS, 1
    rows = session.execute(select(RegisterEntry).order_by(RegisterEntry.seq)).scalars()
    for entry in rows.yield_per(1000):
        if entry.seq != expected_seq:
            problems.append(f"entry {expected_seq} is missing (found {entry.seq} next)")
        if entry.prev_hash != expected_prev:
            problems.append(f"entry {entry.seq} does not follow the previous entry")
        recomputed = _digest(
            entry.prev_hash,
            entry.seq,
            entry.at,
            entry.actor,
            entry.action,
            entry.draft_id,
            entry.revision,
            entry.details,
        )
        if recomputed != entry.hash:
            problems.append(f"entry {entry.seq} ({entry.action}) was altered after it was written")
        expected_prev, expected_seq = entry.hash, entry.seq + 1
    head = session.get(RegisterHead, 1)
    if head is None:
        problems.append("the register's head record is missing")
    elif head.seq != expected_seq - 1 or head.hash != expected_prev:
        problems.append("the last entries were removed")
    return problems


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
]


EXPORT_BATCH = 500  # drafts read at a time; memory stays flat however long the register


def export_rows(
    session: Session, since: datetime | None = None, until: datetime | None = None
) -> Iterator[list[str]]:
    """One row per decided or pending revision, oldest first, streamed from the database.

    Drafts are read a batch at a time (by id, after the last batch), each batch's revisions,
    decisions and publications in one query each: four queries per 500 drafts.
    """
    drafts = select(Draft.id, Draft.author_id, Draft.status).order_by(Draft.id)
    if since is not None:
        drafts = drafts.where(Draft.created_at >= since)
    if until is not None:
        drafts = drafts.where(Draft.created_at < until)
    last = 0
    while batch := session.execute(drafts.where(Draft.id > last).limit(EXPORT_BATCH)).all():
        last = batch[-1].id
        yield from _export_batch(session, batch)


def _export_batch(session: Session, batch) -> Iterator[list[str]]:
    ids = [draft.id for draft in batch]
    revisions = session.execute(
        select(Revision.draft_id, Revision.number, Revision.created_at, Revision.source,
               Revision.category, Revision.channels)
        .where(Revision.draft_id.in_(ids))
        .order_by(Revision.draft_id, Revision.number)
    ).all()  # fmt: skip
    decisions = {
        (d.draft_id, d.revision): d
        for d in session.execute(
            select(Decision.draft_id, Decision.revision, Decision.outcome, Decision.decided_by,
                   Decision.decided_at, Decision.reason)
            .where(Decision.draft_id.in_(ids))
        )
    }  # fmt: skip
    publications: dict[tuple[int, int], list] = {}
    for p in session.execute(
        select(Publication.draft_id, Publication.revision, Publication.channel,
               Publication.status, Publication.url, Publication.remote_id,
               Publication.published_at, Publication.error)
        .where(Publication.draft_id.in_(ids))
        .order_by(Publication.id)
    ):  # fmt: skip
        publications.setdefault((p.draft_id, p.revision), []).append(p)
    drafts = {draft.id: draft for draft in batch}
    for revision in revisions:
        draft = drafts[revision.draft_id]
        decision = decisions.get((draft.id, revision.number))
        pubs = publications.get((draft.id, revision.number), [])
        yield [
            str(draft.id),
            str(revision.number),
            draft.author_id,
            revision.created_at.isoformat(),
            revision.source,
            revision.category,
            " ".join(revision.channels),
            decision.outcome if decision else draft.status,
            decision.decided_by if decision else "",
            decision.decided_at.isoformat() if decision else "",
            decision.reason if decision else "",
            " ".join(f"{p.channel}:{p.url or p.remote_id or ''}" for p in pubs if p.published_at),
            " ".join(f"{p.channel}:{p.error}" for p in pubs if p.status == "failed"),
        ]


ENTRY_COLUMNS = ["seq", "at", "actor", "action", "draft", "revision", "details", "hash"]


def entry_rows(
    session: Session, since: datetime | None = None, until: datetime | None = None
) -> Iterator[list[str]]:
    """Every register entry, oldest first (refused clicks and role changes included).

    Plain rows, streamed: an ORM object per entry took about a third of the export's time.
    """
    e = RegisterEntry
    query = select(e.seq, e.at, e.actor, e.action, e.draft_id, e.revision, e.details, e.hash)
    if since is not None:
        query = query.where(e.at >= since)
    if until is not None:
        query = query.where(e.at < until)
    for entry in session.execute(query.order_by(e.seq).execution_options(yield_per=1000)):
        yield [
            str(entry.seq),
            entry.at.isoformat(),
            entry.actor,
            entry.action,
            "" if entry.draft_id is None else str(entry.draft_id),
            "" if entry.revision is None else str(entry.revision),
            json.dumps(entry.details, ensure_ascii=False, sort_keys=True),
            entry.hash,
        ]


def write_csv(rows: Iterator[list[str]], stream, columns: list[str] | None = None) -> None:
    """CSV in UTF-8 with a BOM, so Excel opens the Japanese correctly."""
    stream.write("\ufeff")
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(columns or EXPORT_COLUMNS)
    for row in rows:
        writer.writerow(row)
