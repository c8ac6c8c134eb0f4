"""The draft form's one entry (bot.approval.forms) on plain values, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from conftest import CHIEF, OPERATOR, OPERATOR2, STRANGER
from sqlalchemy import func, select

from bot.approval import drafts, forms, workflow
from bot.models import PENDING, REJECTED, Draft, RegisterEntry, Revision, Submission

NOW = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)
URL = "https://wako-kyodo.example.jp/news/fair"


def content(**fields) -> drafts.DraftInput:
    fields.setdefault("body", "市民活動フェアを 12 月 5 日に開催します。")
    fields.setdefault("channels", ("x", "facebook", "blog"))
    fields.setdefault("url", URL)
    return drafts.DraftInput(**fields)


def send(factory, user=OPERATOR, key="view-1:hash-1", **kwargs) -> forms.FormResult:
    kwargs.setdefault("content", content())
    return forms.submit_form(
        factory, lambda: NOW, front_end="slack", user_id=user, submission_key=key, **kwargs
    )


def count(factory, model) -> int:
    with factory() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def refusals(factory) -> list[RegisterEntry]:
    with factory() as session:
        query = select(RegisterEntry).where(RegisterEntry.action == "refused")
        return list(session.execute(query).scalars())


def rejected_draft(factory) -> int:
    assert send(factory).stored
    with factory.begin() as session:
        draft_id = session.execute(select(Draft.id)).scalar_one()
        workflow.decide(session, draft_id=draft_id, actor=CHIEF, approve=False, now=NOW)
    return draft_id


def test_a_new_draft_is_stored_once_in_the_authors_name(factory):
    result = send(factory)
    assert result == forms.FormResult(stored=True, draft_id=1)
    with factory() as session:
        draft = session.execute(select(Draft)).scalar_one()
    assert (draft.author_id, draft.status, draft.front_end) == (OPERATOR, PENDING, "slack")
    assert count(factory, Submission) == 1


def test_validation_errors_come_back_by_field_and_nothing_is_stored(factory):
    result = send(
        factory,
        content=content(body="", url="ftp://x"),
        parse_errors={"publish_at": ("error.publish_at_invalid", {})},
    )
    assert result.errors == {
        "body": ("error.body_required", {}),
        "url": ("error.url_invalid", {}),
        "publish_at": ("error.publish_at_invalid", {}),
    }
    assert not result.stored and result.problem is None
    assert count(factory, Draft) == count(factory, Submission) == 0


def test_a_scheduled_time_inside_the_lead_is_refused(factory):
    soon = content(publish_at=NOW + timedelta(minutes=10))
    result = send(factory, content=soon, schedule_lead=timedelta(minutes=30))
    assert result.errors == {"publish_at": ("error.publish_at_too_soon", {"minutes": 30})}


def test_a_stranger_is_refused_with_the_chief_to_ask(factory):
    result = send(factory, user=STRANGER)
    assert result.problem == (forms.NOT_OPERATOR, {"chief": CHIEF}) and not result.stored
    assert count(factory, Draft) == count(factory, Submission) == 0
    assert refusals(factory) == []  # a new draft is no attempt on anyone's draft


def test_a_strangers_resubmit_or_edit_is_refused_and_recorded(factory):
    draft_id = rejected_draft(factory)
    for n, mode in enumerate((forms.RESUBMIT, forms.EDIT)):
        result = send(factory, user=STRANGER, key=f"s{n}", mode=mode, draft_id=draft_id)
        assert result.problem == (forms.NOT_OPERATOR, {"chief": CHIEF})
    recorded = [(e.actor, e.draft_id, e.details["attempted"]) for e in refusals(factory)]
    assert recorded == [(STRANGER, draft_id, "resubmit"), (STRANGER, draft_id, "edit")]


def test_a_repeated_delivery_stores_nothing_twice_and_is_a_success(factory):
    assert send(factory).stored
    again = send(factory)
    assert again.duplicate and not again.stored and again.problem is None and not again.errors
    assert count(factory, Draft) == count(factory, Revision) == 1


def test_the_author_resubmits_a_rejected_draft_as_a_new_revision(factory):
    draft_id = rejected_draft(factory)
    changed = content(body="日付を直しました。")
    result = send(factory, key="k2", content=changed, mode=forms.RESUBMIT, draft_id=draft_id)
    assert result.stored and result.problem is None
    with factory() as session:
        draft = session.get(Draft, draft_id)
        assert (draft.status, draft.revision, draft.current.body) == (
            PENDING,
            2,
            "日付を直しました。",
        )


def test_a_resubmit_is_refused_to_another_operator_and_for_a_pending_draft(factory):
    draft_id = rejected_draft(factory)
    other = send(factory, user=OPERATOR2, key="k2", mode=forms.RESUBMIT, draft_id=draft_id)
    assert other.problem == ("refuse.not_author", {}) and not other.stored
    assert [e.details["attempted"] for e in refusals(factory)] == ["resubmit"]
    assert send(factory, key="k3", mode=forms.RESUBMIT, draft_id=draft_id).stored
    twice = send(factory, key="k4", mode=forms.RESUBMIT, draft_id=draft_id)
    assert twice.problem == ("refuse.not_rejected", {"id": draft_id})
    missing = send(factory, key="k5", mode=forms.RESUBMIT, draft_id=999)
    assert missing.problem == ("refuse.not_found", {"id": 999})


def test_the_chiefs_edit_is_a_new_revision_in_the_chiefs_name(factory):
    assert send(factory).stored
    with factory() as session:
        draft_id = session.execute(select(Draft.id)).scalar_one()
    edited = content(body="課長が直した本文です。")
    result = send(factory, user=CHIEF, key="e1", content=edited, mode=forms.EDIT, draft_id=draft_id)
    assert result.stored
    with factory() as session:
        revision = session.get(Draft, draft_id).current
        assert (revision.number, revision.created_by) == (2, CHIEF)
    by_operator = send(factory, user=OPERATOR2, key="e2", mode=forms.EDIT, draft_id=draft_id)
    assert by_operator.problem == ("refuse.not_chief", {})


def test_an_edit_that_changes_nothing_can_be_sent_again_once_changed(factory):
    assert send(factory).stored
    with factory() as session:
        draft_id = session.execute(select(Draft.id)).scalar_one()
    same = send(factory, user=CHIEF, key="view-2:h", mode=forms.EDIT, draft_id=draft_id)
    assert same.problem == ("refuse.no_changes", {}) and not same.stored
    fixed = content(body="今度は直しました。")
    again = send(factory, user=CHIEF, key="view-2:h", content=fixed, mode=forms.EDIT,
                 draft_id=draft_id)  # fmt: skip
    assert again.stored and not again.duplicate


def test_an_edit_of_a_decided_draft_is_refused(factory):
    draft_id = rejected_draft(factory)
    result = send(factory, user=CHIEF, key="e1", mode=forms.EDIT, draft_id=draft_id)
    assert result.problem == ("refuse.not_pending", {"id": draft_id})
    with factory() as session:
        assert session.get(Draft, draft_id).status == REJECTED


def test_a_draft_id_that_is_not_a_whole_number_writes_a_new_draft(factory):
    for n, draft_id in enumerate((True, "1", 1.0, None)):
        assert send(factory, key=f"n{n}", mode=forms.RESUBMIT, draft_id=draft_id).stored
    assert count(factory, Draft) == 4
