"""Bulk-inserts drafts with their revisions, decisions, publications, notices and register entries."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from benchlib import CHIEF
from sqlalchemy import Engine, func, insert, select, text, update

from bot import register
from bot.approval import drafts, workflow
from bot.config import CHANNELS
from bot.models import (
    APPROVED,
    CARD,
    CARD_UPDATE,
    FAILED,
    PENDING,
    PUBLISHED,
    QUEUED,
    REJECTED,
    REJECTED_NOTICE,
    RESULTS,
    SUBMITTED,
    CardMessage,
    Decision,
    Draft,
    Notice,
    Publication,
    RegisterEntry,
    RegisterHead,
    Revision,
)

# Draft kinds the seed can write.
QUEUED_KIND = "queued"  # approved, every channel waiting for the dispatcher
PUBLISHED_KIND = "published"  # approved, every channel posted, author told
PARTLY_FAILED_KIND = "partly_failed"  # approved, the blog failed for good
PENDING_KIND = PENDING
REJECTED_KIND = REJECTED

#: A year of a busy office: mostly published, some rejected, a few pending or failed.
GROWTH_MIX = {PUBLISHED_KIND: 70, REJECTED_KIND: 20, PENDING_KIND: 5, PARTLY_FAILED_KIND: 5}
AUTHORS = tuple(f"UOPER{n:03d}" for n in range(1, 21))
CHUNK = 2000


@dataclass
class Seeded:
    drafts: int = 0
    publications: int = 0
    register_entries: int = 0
    rows: int = 0


class _Chain:
    """Continues the register's hash chain from its head, exactly as register.append would."""

    def __init__(self, seq: int, prev: str):
        self.seq, self.prev = seq, prev

    def entry(self, at, actor, action, draft_id, revision, **details) -> dict:
        self.seq += 1
        digest = register._digest(
            self.prev, self.seq, at, actor, action, draft_id, revision, details
        )
        row = {
            "seq": self.seq,
            "at": at,
            "actor": actor,
            "action": action,
            "draft_id": draft_id,
            "revision": revision,
            "details": details,
            "prev_hash": self.prev,
            "hash": digest,
        }
        self.prev = digest
        return row


def _content(draft_id: int, channels: Sequence[str]) -> drafts.DraftInput:
    return drafts.DraftInput(
        body=f"市民活動フェア第{draft_id}回のお知らせ。会場は和光市民文化センター、10時から16時です。",
        channels=tuple(channels),
        source="new",
        category="civic",
        url=f"https://example.jp/events/{draft_id}",
    )


def kinds_for(count: int, mix: dict[str, int]) -> list[str]:
    """`count` kinds in the proportions of `mix`, evenly interleaved (smooth weighted round robin)."""
    total, current, kinds = sum(mix.values()), dict.fromkeys(mix, 0), []
    for _ in range(count):
        for kind, weight in mix.items():
            current[kind] += weight
        chosen = max(current, key=current.get)
        current[chosen] -= total
        kinds.append(chosen)
    return kinds


def seed(
    engine: Engine,
    kinds: Sequence[str],
    *,
    channels_of=lambda i: CHANNELS,
    authors: Sequence[str] = AUTHORS,
    now: datetime | None = None,
) -> Seeded:
    """Insert one draft per entry of `kinds`, in chunks, with every row the workflow would write."""
    now = now or datetime.now(UTC)
    done = Seeded()
    with engine.begin() as conn:
        first_id = (conn.execute(select(func.max(Draft.id))).scalar() or 0) + 1
        head = conn.execute(select(RegisterHead.seq, RegisterHead.hash)).one()
    chain = _Chain(head.seq, head.hash)
    # Spread creation over the past, oldest first, ending an hour ago.
    start = now - timedelta(hours=1) - timedelta(minutes=10 * len(kinds))
    for offset in range(0, len(kinds), CHUNK):
        rows = {t: [] for t in ("d", "r", "dec", "p", "c", "n", "e")}
        for k, kind in enumerate(kinds[offset : offset + CHUNK], start=offset):
            _draft_rows(
                rows,
                chain,
                draft_id=first_id + k,
                kind=kind,
                author=authors[k % len(authors)],
                channels=channels_of(k),
                created=start + timedelta(minutes=10 * k),
                now=now,
            )
        with engine.begin() as conn:
            for key, model in (
                ("d", Draft),
                ("r", Revision),
                ("dec", Decision),
                ("p", Publication),
                ("c", CardMessage),
                ("n", Notice),
                ("e", RegisterEntry),
            ):
                if rows[key]:
                    conn.execute(insert(model.__table__), rows[key])
                    done.rows += len(rows[key])
            conn.execute(
                update(RegisterHead)
                .where(RegisterHead.id == 1)
                .values(seq=chain.seq, hash=chain.prev)
            )
        done.drafts += len(rows["d"])
        done.publications += len(rows["p"])
        done.register_entries += len(rows["e"])
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:  # explicit ids do not move the sequence
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence('drafts', 'id'), max(id)) FROM drafts")
            )
    return done


def _draft_rows(rows, chain, *, draft_id, kind, author, channels, created, now) -> None:
    content = _content(draft_id, channels)
    decided = created + timedelta(minutes=3)
    status = {PENDING_KIND: PENDING, REJECTED_KIND: REJECTED}.get(kind, APPROVED)
    rows["d"].append(
        {
            "id": draft_id,
            "front_end": "slack",
            "author_id": author,
            "status": status,
            "revision": 1,
            "created_at": created,
            "decided_by": None if status == PENDING else CHIEF,
            "decided_at": None if status == PENDING else decided,
            "reject_reason": "日付を確認してください" if status == REJECTED else None,
            "results_sent": kind in (PUBLISHED_KIND, PARTLY_FAILED_KIND),
        }
    )
    rows["r"].append(
        {
            "draft_id": draft_id,
            "number": 1,
            "body": content.body,
            "x_text": "",
            "blog_title": "",
            "url": content.url,
            "channels": list(channels),
            "source": content.source,
            "category": content.category,
            "group_name": "",
            "publish_at": None,
            "images": [],
            "created_by": author,
            "created_at": created,
        }
    )
    rows["c"].append(
        {
            "subject": "draft",
            "subject_id": draft_id,
            "revision": 1,
            "conversation": f"D{CHIEF}",
            "ts": f"{draft_id}.000100",
        }
    )
    entries = rows["e"]
    entries.append(
        chain.entry(created, author, "submitted", draft_id, 1, **workflow.content_record(content))
    )
    notices = [CARD, SUBMITTED]
    if status != PENDING:
        reason = "日付を確認してください" if status == REJECTED else ""
        rows["dec"].append(
            {
                "draft_id": draft_id,
                "revision": 1,
                "outcome": status,
                "decided_by": CHIEF,
                "decided_at": decided,
                "reason": reason,
            }
        )
        entries.append(chain.entry(decided, CHIEF, status, draft_id, 1, reason=reason))
        notices.append(CARD_UPDATE)
    if status == REJECTED:
        notices.append(REJECTED_NOTICE)
    if status == APPROVED:
        posted = decided + timedelta(seconds=2)
        for channel, payload in drafts.payloads(content, draft_id, 1).items():
            state = {
                QUEUED_KIND: QUEUED,
                PARTLY_FAILED_KIND: FAILED if channel == "blog" else PUBLISHED,
            }
            pub_status = state.get(kind, PUBLISHED)
            rows["p"].append(
                _publication(draft_id, channel, payload, pub_status, decided, posted, now)
            )
            if pub_status == PUBLISHED:
                remote = f"{channel}-{draft_id}"
                entries.append(
                    chain.entry(
                        posted,
                        "snsbot",
                        "published",
                        draft_id,
                        1,
                        channel=channel,
                        remote_id=remote,
                        url=f"https://example.jp/{channel}/{draft_id}",
                        dry_run=False,
                        payload=payload,
                    )
                )
            elif pub_status == FAILED:
                entries.append(
                    chain.entry(
                        posted,
                        "snsbot",
                        "publish_failed",
                        draft_id,
                        1,
                        channel=channel,
                        error="ブログ: 認証に失敗しました",
                        attempts=1,
                    )
                )
        if kind != QUEUED_KIND:
            notices += [CARD_UPDATE, RESULTS]
    for notice in notices:
        rows["n"].append(
            {
                "subject": "draft",
                "subject_id": draft_id,
                "front_end": "slack",
                "kind": notice,
                "done": True,
                "attempts": 0,
                "due_at": created,
                "last_error": None,
                "created_at": created,
            }
        )


def _publication(draft_id, channel, payload, status, decided, posted, now) -> dict:
    published = status == PUBLISHED
    return {
        "draft_id": draft_id,
        "revision": 1,
        "channel": channel,
        "status": status,
        "attempts": 0 if status == QUEUED else 1,
        "due_at": now - timedelta(seconds=1) if status == QUEUED else decided,
        "claimed_at": None if status == QUEUED else decided,
        "payload": payload,
        "dry_run": False,
        "remote_id": f"{channel}-{draft_id}" if published else None,
        "url": f"https://example.jp/{channel}/{draft_id}" if published else None,
        "error": "ブログ: 認証に失敗しました" if status == FAILED else None,
        "published_at": posted if published else None,
        "updated_at": posted if status != QUEUED else decided,
    }


def status_counts(engine: Engine) -> Counter:
    with engine.connect() as conn:
        return Counter(
            dict(conn.execute(select(Draft.status, func.count()).group_by(Draft.status)).all())
        )
