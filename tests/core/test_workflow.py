"""The approval workflow on plain values against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from conftest import CHIEF, OPERATOR, OPERATOR2, STRANGER
from sqlalchemy import func, select, update

from bot.approval import deciding, drafts, workflow
from bot.installation import installation_id
from bot.models import (
    APPROVED,
    FAILED,
    PENDING,
    PUBLISHED,
    QUEUED,
    REJECTED,
    Decision,
    Draft,
    Notice,
    Publication,
    RegisterEntry,
    Revision,
)

NOW = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)
URL = "https://wako-kyodo.example.jp/news/fair"


def content(**fields) -> drafts.DraftInput:
    fields.setdefault("body", "市民活動フェアを 12 月 5 日に開催します。")
    fields.setdefault("channels", ("x", "facebook", "blog"))
    fields.setdefault("url", URL)
    return drafts.DraftInput(**fields)


def submit(factory, author=OPERATOR, **fields) -> int:
    with factory.begin() as session:
        return workflow.submit(session, author_id=author, content=content(**fields), now=NOW).id


def decide(factory, draft_id, actor=CHIEF, approve=True, **kwargs) -> deciding.Outcome:
    with factory.begin() as session:
        return workflow.decide(
            session,
            draft_id=draft_id,
            actor=actor,
            approve=approve,
            now=kwargs.pop("now", LATER),
            **kwargs,
        )


def retry(factory, draft_id, actor=OPERATOR, now=LATER) -> deciding.Outcome:
    with factory.begin() as session:
        return workflow.retry_failed(session, draft_id=draft_id, actor=actor, now=now)


def entries(factory, action=None) -> list[RegisterEntry]:
    """Register entries (all but the roster's, which the fixture wrote)."""
    with factory() as session:
        query = select(RegisterEntry).order_by(RegisterEntry.seq)
        if action:
            query = query.where(RegisterEntry.action == action)
        else:
            query = query.where(RegisterEntry.action != "role_changed")
        return list(session.execute(query).scalars())


def _notice_kinds(session, draft_id) -> list[str]:
    return list(
        session.execute(
            select(Notice.kind).where(Notice.subject_id == draft_id).order_by(Notice.id)
        ).scalars()
    )


def notice_kinds(factory, draft_id) -> list[str]:
    with factory() as session:
        return _notice_kinds(session, draft_id)


def publications(factory, draft_id=None) -> list[Publication]:
    with factory() as session:
        query = select(Publication).order_by(Publication.id)
        if draft_id is not None:
            query = query.where(Publication.draft_id == draft_id)
        return list(session.execute(query).scalars())


def state(factory, draft_id) -> dict:
    """Everything a refused or repeated click must leave untouched."""
    with factory() as session:
        d = session.get(Draft, draft_id)
        return {
            "draft": (d.status, d.revision, d.decided_by, d.decided_at, d.reject_reason),
            "decisions": session.execute(select(func.count(Decision.id))).scalar(),
            "publications": session.execute(select(func.count(Publication.id))).scalar(),
            "notices": _notice_kinds(session, draft_id),
        }


# -- submit -----------------------------------------------------------------------------------


def test_submit_stores_draft_revision_register_entry_and_notices(factory):
    c = content(x_text="フェアです", blog_title="フェアのお知らせ", group_name="")
    with factory.begin() as session:
        draft_id = workflow.submit(session, author_id=OPERATOR, content=c, now=NOW).id
    with factory() as session:
        d = session.get(Draft, draft_id)
        assert (d.status, d.revision, d.author_id, d.created_at) == (PENDING, 1, OPERATOR, NOW)
        assert d.decided_by is None and d.decided_at is None
        (rev,) = d.revisions
        assert rev.number == 1 and rev.created_by == OPERATOR
        assert (rev.body, rev.x_text, rev.blog_title, rev.url) == (
            c.body,
            "フェアです",
            "フェアのお知らせ",
            URL,
        )
        assert rev.channels == ["x", "facebook", "blog"]
    (entry,) = entries(factory)
    assert (entry.action, entry.actor, entry.draft_id, entry.revision) == (
        "submitted",
        OPERATOR,
        draft_id,
        1,
    )
    assert entry.details["body"] == c.body
    assert notice_kinds(factory, draft_id) == ["card", "submitted"]
    assert publications(factory) == []


def test_submit_round_trips_publish_at_and_images(factory):
    at = NOW + timedelta(days=2, hours=3)
    images = ({"id": "F1", "name": "fair.png"},)
    draft_id = submit(factory, publish_at=at, images=images)
    with factory() as session:
        rev = session.get(Draft, draft_id).current
        assert rev.publish_at == at
        assert rev.images == [{"id": "F1", "name": "fair.png"}]


# -- approve ----------------------------------------------------------------------------------


def test_approve_by_chief_writes_decision_and_outbox_in_one_go(factory):
    draft_id = submit(factory, x_text="フェアです")
    outcome = decide(factory, draft_id)
    assert outcome.result == deciding.DONE
    assert (outcome.status, outcome.decided_by, outcome.decided_at) == (APPROVED, CHIEF, LATER)
    with factory() as session:
        d = session.get(Draft, draft_id)
        assert (d.status, d.decided_by, d.decided_at) == (APPROVED, CHIEF, LATER)
        decision = session.execute(select(Decision)).scalar_one()
        assert (decision.draft_id, decision.revision, decision.outcome) == (draft_id, 1, APPROVED)
        assert (decision.decided_by, decision.decided_at) == (CHIEF, LATER)
    with factory() as session:  # the blog slug holds this database's installation id
        installation = installation_id(session, LATER)
    expected = drafts.payloads(content(x_text="フェアです"), draft_id, 1, installation=installation)
    pubs = publications(factory)
    assert sorted(p.channel for p in pubs) == ["blog", "facebook", "x"]
    for p in pubs:
        assert (p.draft_id, p.revision, p.status, p.attempts) == (draft_id, 1, QUEUED, 0)
        assert p.due_at == LATER
        assert p.payload == expected[p.channel]
    approved = entries(factory, "approved")
    assert [(e.actor, e.draft_id, e.revision) for e in approved] == [(CHIEF, draft_id, 1)]
    assert notice_kinds(factory, draft_id) == ["card", "submitted", "card_update"]


def test_approve_writes_publications_only_for_chosen_channels(factory):
    draft_id = submit(factory, channels=("facebook",))
    decide(factory, draft_id)
    assert [p.channel for p in publications(factory)] == ["facebook"]


def test_future_publish_at_becomes_the_due_time(factory):
    at = NOW + timedelta(days=3)
    draft_id = submit(factory, publish_at=at)
    decide(factory, draft_id)
    pubs = publications(factory)
    assert len(pubs) == 3 and all(p.due_at == at for p in pubs)


def test_publish_at_passed_while_waiting_is_due_at_once(factory):
    at = NOW + timedelta(minutes=1)
    draft_id = submit(factory, publish_at=at)
    decide(factory, draft_id, now=NOW + timedelta(hours=1))
    assert all(p.due_at == NOW + timedelta(hours=1) for p in publications(factory))


def test_a_failing_transaction_leaves_nothing_half_written(factory):
    draft_id = submit(factory)
    before = state(factory, draft_id)
    with pytest.raises(RuntimeError), factory.begin() as session:
        workflow.decide(session, draft_id=draft_id, actor=CHIEF, approve=True, now=LATER)
        raise RuntimeError("the Slack call after the decision blew up")
    assert state(factory, draft_id) == before
    assert entries(factory, "approved") == []


# -- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", [OPERATOR, STRANGER])
@pytest.mark.parametrize("approve", [True, False])
def test_only_the_chief_decides_and_refusals_are_recorded(factory, actor, approve):
    draft_id = submit(factory)
    before = state(factory, draft_id)
    outcome = decide(factory, draft_id, actor=actor, approve=approve, reason="だめ")
    assert outcome.result == deciding.REFUSED
    assert state(factory, draft_id) == before
    (refused,) = entries(factory, "refused")
    assert (refused.actor, refused.draft_id) == (actor, draft_id)
    assert refused.details["attempted"] == ("approve" if approve else "reject")
    assert refused.details["role"] == ("operator" if actor == OPERATOR else "none")


# -- repeated and stale decisions -------------------------------------------------------------


def test_second_decision_changes_nothing_and_says_who_decided(factory):
    draft_id = submit(factory)
    assert decide(factory, draft_id).result == deciding.DONE
    after_first = state(factory, draft_id)
    for approve in (True, False):
        outcome = decide(factory, draft_id, approve=approve, now=LATER + timedelta(hours=1))
        assert outcome.result == deciding.ALREADY_DECIDED
        assert (outcome.status, outcome.decided_by, outcome.decided_at) == (
            APPROVED,
            CHIEF,
            LATER,
        )
    assert state(factory, draft_id) == after_first
    assert len(entries(factory, "approved")) == 1
    assert entries(factory, "rejected") == []


def test_decide_on_a_missing_draft_is_not_found(factory):
    outcome = decide(factory, 999)
    assert outcome.result == deciding.NOT_FOUND
    assert outcome.request_id == 999
    assert entries(factory) == []


def test_a_click_on_an_older_revision_does_not_decide(factory):
    draft_id = submit(factory)
    before = state(factory, draft_id)
    outcome = decide(factory, draft_id, revision=2)
    assert outcome.result != deciding.DONE
    assert state(factory, draft_id) == before
    assert entries(factory, "approved") == []
    assert decide(factory, draft_id, revision=1).result == deciding.DONE


def test_a_stale_click_on_a_pending_draft_is_stale_not_already_decided(factory):
    """Found as a bug: it came back ALREADY_DECIDED with status 'pending' and no decider."""
    draft_id = submit(factory)
    outcome = decide(factory, draft_id, revision=2)
    assert (outcome.result, outcome.status) == (deciding.STALE, PENDING)
    assert outcome.decided_by is None


def test_a_stale_click_on_a_decided_draft_says_who_decided(factory):
    draft_id = submit(factory)
    decide(factory, draft_id, revision=1)
    outcome = decide(factory, draft_id, revision=2, approve=False)
    assert (outcome.result, outcome.status, outcome.decided_by) == (
        deciding.ALREADY_DECIDED,
        APPROVED,
        CHIEF,
    )


# -- reject -----------------------------------------------------------------------------------


def test_reject_stores_reason_and_tells_the_author(factory):
    draft_id = submit(factory)
    outcome = decide(factory, draft_id, approve=False, reason="日付を確認してください")
    assert (outcome.result, outcome.status) == (deciding.DONE, REJECTED)
    with factory() as session:
        d = session.get(Draft, draft_id)
        assert (d.status, d.decided_by, d.reject_reason) == (
            REJECTED,
            CHIEF,
            "日付を確認してください",
        )
        decision = session.execute(select(Decision)).scalar_one()
        assert (decision.outcome, decision.reason) == (REJECTED, "日付を確認してください")
    assert publications(factory) == []
    (entry,) = entries(factory, "rejected")
    assert entry.details["reason"] == "日付を確認してください"
    assert notice_kinds(factory, draft_id) == ["card", "submitted", "card_update", "rejected"]


# -- retry ------------------------------------------------------------------------------------


def fail(factory, draft_id, *channels, revision=1):
    with factory.begin() as session:
        session.execute(
            update(Publication)
            .where(
                Publication.draft_id == draft_id,
                Publication.revision == revision,
                Publication.channel.in_(channels),
            )
            .values(status=FAILED, attempts=8, error="投稿できませんでした")
        )


def mark_published(factory, draft_id, *channels, revision=1):
    with factory.begin() as session:
        session.execute(
            update(Publication)
            .where(
                Publication.draft_id == draft_id,
                Publication.revision == revision,
                Publication.channel.in_(channels),
            )
            .values(status=PUBLISHED, attempts=1, remote_id="r1", published_at=LATER)
        )
        session.execute(update(Draft).where(Draft.id == draft_id).values(results_sent=True))


@pytest.mark.parametrize("actor", [OPERATOR, CHIEF])
def test_retry_requeues_only_failed_channels(factory, actor):
    draft_id = submit(factory)
    decide(factory, draft_id)
    mark_published(factory, draft_id, "facebook")
    fail(factory, draft_id, "x", "blog")
    retry_at = LATER + timedelta(hours=1)
    outcome = retry(factory, draft_id, actor=actor, now=retry_at)
    assert outcome.result == deciding.DONE
    assert sorted(outcome.channels) == ["blog", "x"]
    by_channel = {p.channel: p for p in publications(factory)}
    for channel in ("x", "blog"):
        p = by_channel[channel]
        assert (p.status, p.attempts, p.due_at, p.error) == (QUEUED, 0, retry_at, None)
    fb = by_channel["facebook"]
    assert (fb.status, fb.remote_id, fb.published_at) == (PUBLISHED, "r1", LATER)
    with factory() as session:
        assert session.get(Draft, draft_id).results_sent is False
    (entry,) = entries(factory, "retry_requested")
    assert entry.actor == actor and sorted(entry.details["channels"]) == ["blog", "x"]
    assert notice_kinds(factory, draft_id)[-1] == "card_update"


def test_retry_leaves_failures_of_older_revisions_alone(factory):
    draft_id = submit(factory, channels=("x",))
    decide(factory, draft_id)
    fail(factory, draft_id, "x")
    with factory.begin() as session:  # a second revision, approved and failed in turn
        d = session.get(Draft, draft_id)
        rev1 = d.current
        session.add(
            Revision(
                draft_id=draft_id,
                number=2,
                body="第 2 版",
                channels=["x"],
                source=rev1.source,
                category=rev1.category,
                created_by=OPERATOR,
                created_at=LATER,
            )
        )
        d.revision = 2
        session.add(
            Publication(
                draft_id=draft_id,
                revision=2,
                channel="x",
                status=FAILED,
                attempts=8,
                due_at=LATER,
                payload={"text": "第 2 版"},
                error="投稿できませんでした",
                updated_at=LATER,
            )
        )
    assert retry(factory, draft_id).channels == ("x",)
    status = {p.revision: p.status for p in publications(factory)}
    assert status == {1: FAILED, 2: QUEUED}


@pytest.mark.parametrize("actor", [OPERATOR2, STRANGER])
def test_retry_by_someone_else_is_refused_and_recorded(factory, actor):
    draft_id = submit(factory)
    decide(factory, draft_id)
    fail(factory, draft_id, "x")
    before = [(p.channel, p.status, p.attempts) for p in publications(factory)]
    outcome = retry(factory, draft_id, actor=actor)
    assert outcome.result == deciding.REFUSED
    assert [(p.channel, p.status, p.attempts) for p in publications(factory)] == before
    (refused,) = entries(factory, "refused")
    assert (refused.actor, refused.details["attempted"]) == (actor, "retry")
    assert entries(factory, "retry_requested") == []


def test_retry_with_nothing_failed_is_nothing_to_do(factory):
    draft_id = submit(factory)
    decide(factory, draft_id)
    mark_published(factory, draft_id, "x", "facebook", "blog")
    outcome = retry(factory, draft_id)
    assert outcome.result == deciding.NOTHING_TO_DO
    assert all(p.status == PUBLISHED for p in publications(factory))
    assert entries(factory, "retry_requested") == []


def test_retry_on_a_missing_draft_is_not_found(factory):
    assert retry(factory, 999).result == deciding.NOT_FOUND


# -- concurrency ------------------------------------------------------------------------------


def test_ten_simultaneous_approvals_decide_once(factory):
    draft_id = submit(factory)
    start = threading.Barrier(10)
    results: list[str] = []
    errors: list[BaseException] = []

    def click():
        try:
            start.wait()
            with factory.begin() as session:
                outcome = workflow.decide(
                    session, draft_id=draft_id, actor=CHIEF, approve=True, now=LATER
                )
            results.append(outcome.result)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=click) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results) == [deciding.ALREADY_DECIDED] * 9 + [deciding.DONE]
    assert sorted(p.channel for p in publications(factory)) == ["blog", "facebook", "x"]
    assert len(entries(factory, "approved")) == 1
    with factory() as session:
        assert session.execute(select(func.count(Decision.id))).scalar() == 1
    assert notice_kinds(factory, draft_id).count("card_update") == 1
