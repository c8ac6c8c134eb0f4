"""The approval register (決裁簿): append-only entries chained by SHA-256 (and an HMAC), verify."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import NamedTuple

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from bot import csvfile, db
from bot.models import RegisterEntry, RegisterHead
from bot.register_export import EXPORT_COLUMNS, export, export_rows
from bot.register_key import check_key, key_mark

__all__ = [
    "EXPORT_COLUMNS",
    "export",
    "export_rows",
]  # the per-draft export, built from the entries

GENESIS = "0" * 64
KEYED = "hmac-sha256"  # hashed into a keyed entry: removing its key mark breaks its hash


def _digest(
    prev_hash: str,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    draft_id,
    revision,
    details,
    keyed: bool = False,
) -> str:
    fields = [prev_hash, seq, at.isoformat(), actor, action, draft_id, revision, details]
    canonical = json.dumps(
        fields + [KEYED] if keyed else fields,
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class Entry(NamedTuple):
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
    return append_all(session, [Entry(at, actor, action, draft_id, revision, details)])[0]


def append_all(session: Session, entries: list[Entry]) -> list[RegisterEntry]:
    """Add entries in order, as `append` does, taking the head row once for all of them."""
    if not entries:
        return []
    session.flush()  # the caller's pending rows are written before the head is locked
    head = session.execute(
        update(RegisterHead)
        .where(RegisterHead.id == 1)
        .values(seq=RegisterHead.seq + len(entries))
        .returning(RegisterHead.seq, RegisterHead.hash)
    ).one()
    seq, prev_hash, rows = head.seq - len(entries), head.hash, []
    key = db.register_key(session)
    check_key(session, key, seq)
    for entry in entries:
        seq, at = seq + 1, entry.at.astimezone(UTC)
        digest = _digest(
            prev_hash,
            seq,
            at,
            entry.actor,
            entry.action,
            entry.draft_id,
            entry.revision,
            entry.details,
            keyed=bool(key),
        )
        rows.append(
            {
                "seq": seq,
                "at": at,
                "actor": entry.actor,
                "action": entry.action,
                "draft_id": entry.draft_id,
                "revision": entry.revision,
                "details": entry.details,
                "prev_hash": prev_hash,
                "hash": digest,
                "mac": key_mark(key, digest) if key else None,
            }
        )
        prev_hash = digest
    # One multi-row insert, with the head still locked: the ORM's unit of work cost more here.
    session.connection().execute(insert(RegisterEntry.__table__), rows)
    session.execute(update(RegisterHead).where(RegisterHead.id == 1).values(hash=prev_hash))
    return [RegisterEntry(**row) for row in rows]


def head_of(session: Session) -> tuple[int, str]:
    """(number of entries, hash of the last one) as the head row records them."""
    head = session.get(RegisterHead, 1)
    return (head.seq, head.hash) if head else (0, GENESIS)


def lock(session: Session) -> None:
    """Take the register's head row for this transaction (other appenders wait)."""
    session.execute(update(RegisterHead).where(RegisterHead.id == 1).values(seq=RegisterHead.seq))


class Verdict(NamedTuple):
    """What `check` found: breaks (`problems`), remarks that are not breaks (`notes`), and the
    register's last entry as the chain reads (`count` entries, ending in `head`)."""

    problems: list[str]
    notes: list[str]
    count: int
    head: str


def verify(session: Session, expect_head: str | None = None) -> list[str]:
    """Every break in the chain, in plain words (empty: intact)."""
    return check(session, expect_head).problems


def _named(entry) -> str:
    """How a problem names an entry: its number, action and draft."""
    draft = "" if entry.draft_id is None else f", draft {entry.draft_id}"
    return f"entry {entry.seq} ({entry.action}{draft})"


def check(session: Session, expect_head: str | None = None) -> Verdict:
    """Recompute the chain; with the session's key, check every key mark; with `expect_head`
    (`HASH` or `N:HASH`, HASH a prefix of 12 or more hex digits), check the chain holds that head.

    Entries without a key mark before the first entry with one were written before a key was
    set: noted, not broken. One without a key mark after an entry with one is broken.
    """
    problems: list[str] = []
    key = db.register_key(session)
    expected_prev, expected_seq = GENESIS, 1
    unkeyed = 0  # entries written before the first keyed entry (they come first)
    keyed = unchecked = 0
    seq_wanted, prefix = parse_head(expect_head) if expect_head else (None, "")
    head_found = False
    rows = session.execute(select(RegisterEntry).order_by(RegisterEntry.seq)).scalars()
    for entry in rows.yield_per(1000):
        if entry.seq != expected_seq:
            problems.append(f"entry {expected_seq} is missing (found {entry.seq} next)")
        if entry.prev_hash != expected_prev:
            problems.append(f"{_named(entry)} does not follow the previous entry")
        recomputed = _digest(
            entry.prev_hash,
            entry.seq,
            entry.at,
            entry.actor,
            entry.action,
            entry.draft_id,
            entry.revision,
            entry.details,
            keyed=entry.mac is not None,
        )
        if recomputed != entry.hash:
            problems.append(f"{_named(entry)} was altered after it was written")
        if entry.mac is None:
            if keyed:
                problems.append(
                    f"{_named(entry)} has no key mark although earlier entries have one: "
                    "it was written or rewritten without SNSBOT_REGISTER_KEY"
                )
            else:
                unkeyed += 1
        elif not key:
            keyed, unchecked = keyed + 1, unchecked + 1
        else:
            keyed += 1
            if not hmac.compare_digest(entry.mac, key_mark(key, entry.hash)):
                problems.append(
                    f"{_named(entry)} does not carry a valid key mark (HMAC): it was written "
                    "or rewritten without SNSBOT_REGISTER_KEY, or the key is not the one in use"
                )
        if prefix and entry.hash.startswith(prefix) and seq_wanted in (None, entry.seq):
            head_found = True
        expected_prev, expected_seq = entry.hash, entry.seq + 1
    count = expected_seq - 1
    head = session.get(RegisterHead, 1)
    if head is None:
        problems.append("the register's head record is missing")
    elif head.seq != count or head.hash != expected_prev:
        problems.append("the last entries were removed")
    if prefix and not head_found:
        problems.append(_head_problem(seq_wanted, prefix, count))
    notes = _key_notes(key, unkeyed, unchecked)
    return Verdict(problems, notes, count, expected_prev)


def parse_head(expected: str) -> tuple[int | None, str]:
    """`HASH` or `N:HASH` → (N or None, the hash prefix in lower case)."""
    seq, _, digest = expected.strip().rpartition(":")
    return (int(seq) if seq else None), digest.lower()


def _head_problem(seq: int | None, prefix: str, count: int) -> str:
    if seq is None:
        return (
            f"no entry has the expected head hash {prefix}: the register was rewritten "
            "or its entries up to that head were removed"
        )
    if seq > count:
        return (
            f"the expected head is entry {seq} ({prefix}) but the register ends at entry "
            f"{count}: its last entries were removed"
        )
    return (
        f"entry {seq} is not the expected head {prefix}: the register was rewritten "
        f"at or before entry {seq}"
    )


def _key_notes(key: str, unkeyed: int, unchecked: int) -> list[str]:
    notes = []
    if key and unkeyed:
        notes.append(
            f"entries 1–{unkeyed} carry no key mark: written "
            "before SNSBOT_REGISTER_KEY was set, they are protected by the hash chain only"
        )
    if unchecked:
        notes.append(
            f"{unchecked} entries carry a key mark that was not checked: "
            "SNSBOT_REGISTER_KEY is not set"
        )
    return notes


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
    """CSV in UTF-8 with a BOM, so Excel opens the Japanese correctly; formulas neutralised."""
    csvfile.write_rows(stream, columns or EXPORT_COLUMNS, rows)
