"""The App Home lists read from their indexes, and the audit export read in batches of drafts."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from conftest import CHIEF, OPERATOR, OPERATOR2
from sqlalchemy import update

from bot import register, register_export
from bot.approval import drafts, revisions, workflow
from bot.delivery import outbox
from bot.features import dashboard
from bot.models import FAILED, PUBLISHED, Publication
from bot.ports import Published

NOW = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)


def submit(factory, author: str = OPERATOR, publish_at: datetime | None = None) -> int:
    content = drafts.DraftInput(
        body="市民活動フェアのお知らせ", channels=("x", "blog"), publish_at=publish_at
    )
    with factory.begin() as session:
        return workflow.submit(session, author_id=author, content=content, now=NOW).id


def decide(factory, draft_id: int, approve: bool = True) -> None:
    with factory.begin() as session:
        workflow.decide(session, draft_id=draft_id, actor=CHIEF, approve=approve, now=NOW,
                        reason="" if approve else "日付を確認")  # fmt: skip


def set_publications(factory, draft_id: int, **values) -> None:
    with factory.begin() as session:
        session.execute(
            update(Publication).where(Publication.draft_id == draft_id).values(**values)
        )


def test_each_list_holds_its_drafts_in_its_order_page_by_page(factory):
    pending = [submit(factory) for _ in range(7)]
    published, failed, later = submit(factory), submit(factory), submit(factory)
    other_failed = submit(factory, OPERATOR2)
    scheduled = submit(factory, publish_at=NOW + timedelta(days=2))
    for draft_id in (published, failed, later, other_failed, scheduled):
        decide(factory, draft_id)
    set_publications(factory, published, status=PUBLISHED, published_at=NOW, url="https://x/1")
    set_publications(factory, later, status=PUBLISHED, published_at=NOW + timedelta(hours=1))
    for draft_id in (failed, other_failed):
        set_publications(factory, draft_id, status=FAILED, error="接続できません")
    with factory() as session:
        first, second = dashboard.pending(session), dashboard.pending(session, 1)
        assert (first.draft_ids, first.number, first.pages) == (pending[:5], 0, 2)
        assert (second.draft_ids, second.number) == (pending[5:], 1)
        assert dashboard.pending(session, 99).draft_ids == pending[5:]  # past the end: the last
        assert dashboard.failures(session).draft_ids == [other_failed, failed]  # newest first
        assert dashboard.scheduled(session, NOW).draft_ids == [scheduled]
        assert dashboard.scheduled(session, NOW + timedelta(days=3)).draft_ids == []
        mine = dashboard.mine(session, OPERATOR)
        assert (mine.draft_ids, mine.pages) == (
            [scheduled, later, failed, published, pending[6]],
            3,
        )
        assert dashboard.mine(session, OPERATOR2).draft_ids == [other_failed]
        latest = dashboard.latest_publications(session, limit=3)
        assert [p.draft_id for p in latest] == [later, later, published]


def test_empty_lists_have_one_empty_page(factory):
    with factory() as session:
        for page in (dashboard.pending(session), dashboard.failures(session),
                     dashboard.scheduled(session, NOW), dashboard.mine(session, OPERATOR)):  # fmt: skip
            assert (page.draft_ids, page.number, page.pages) == ([], 0, 1)
        assert dashboard.latest_publications(session) == []


def record_results(factory, *, url: str | None = None, error: str | None = None) -> None:
    """Every due publication published at `url`, or failed with `error`, as the dispatcher
    records them: in the tables and in the register, which the export reads."""
    at = NOW + timedelta(hours=1)
    with factory.begin() as session:
        claims = outbox.claim_due(session, at, timedelta(minutes=5), 50)
    outcomes = [
        outbox.published(c, Published(f"id-{c.post.channel}", url), False, at)
        if url
        else outbox.failed(c, error, at)
        for c in claims
    ]
    with factory.begin() as session:
        outbox.record(session, outcomes, at)


def test_export_reads_drafts_in_batches_and_keeps_every_revision_in_order(factory, monkeypatch):
    monkeypatch.setattr(register_export, "EXPORT_BATCH", 2)
    ids = [submit(factory, OPERATOR if i % 2 else OPERATOR2) for i in range(5)]
    decide(factory, ids[0])
    record_results(factory, url="https://x/1")
    decide(factory, ids[1], approve=False)
    with factory.begin() as session:  # a second revision of the rejected draft, pending
        content = drafts.DraftInput(body="日付を直しました", channels=("x",))
        revisions.resubmit(session, draft_id=ids[1], actor=OPERATOR, content=content, now=NOW)
    decide(factory, ids[3])
    record_results(factory, error="接続できません")
    out = io.StringIO()
    with factory() as session:
        register.write_csv(register.export_rows(session), out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue()[1:])))
    assert [(int(r["draft"]), int(r["revision"])) for r in rows] == [
        (ids[0], 1), (ids[1], 1), (ids[1], 2), (ids[2], 1), (ids[3], 1), (ids[4], 1),
    ]  # fmt: skip
    decisions = [r["decision"] for r in rows]
    assert decisions == ["approved", "rejected", "pending", "pending", "approved", "pending"]
    assert rows[0]["published_urls"] == "x:https://x/1 blog:https://x/1"
    assert rows[1]["reason"] == "日付を確認" and rows[2]["channels"] == "x"
    assert rows[4]["failures"] == "x:接続できません blog:接続できません"
    assert {r["author"] for r in rows} == {OPERATOR, OPERATOR2}
