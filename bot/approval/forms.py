"""The draft form's one entry: validate, check the roster, store once, new / resubmit / edit."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.approval import deciding, drafts, revisions, workflow
from bot.approval.route import CHIEF_ALONE, Route
from bot.approval.wording import Wording, refusal
from bot.config import CHANNELS
from bot.models import PENDING, Submission
from bot.people import groups, roles

log = logging.getLogger(__name__)

NEW, RESUBMIT, EDIT = "new", "resubmit", "edit"  # what the form was opened for
CHANGES = {RESUBMIT: revisions.resubmit, EDIT: revisions.edit_by_chief}
NOT_OPERATOR = "refuse.not_operator"  # values: {"chief": the chief's user id}
SAVE_FAILED = {"body": ("error.save_failed", {})}


@dataclass(frozen=True)
class FormResult:
    """What came of one submission of the draft form, for the front end to render.

    `errors`: form field → (message key, values), the form stays open; `problem`: why nothing
    (more) was done, as (message key, values), NOT_OPERATOR naming the chief by user id;
    `stored`: a draft or a revision was stored; `duplicate`: this very submission was stored
    before (a retried delivery), answered as a success. `groups`: the registered groups the
    form was checked against, for showing the form again. `draft_id`: the draft stored.
    """

    errors: dict[str, tuple] = field(default_factory=dict)
    problem: Wording | None = None
    stored: bool = False
    duplicate: bool = False
    groups: tuple[str, ...] = ()
    draft_id: int | None = None


def submit_form(
    session_factory: sessionmaker[Session],
    clock: Callable[[], datetime],
    *,
    front_end: str,
    user_id: str,
    content: drafts.DraftInput,
    submission_key: str,
    mode: str | None = None,
    draft_id: object = None,
    parse_errors: dict[str, tuple] | None = None,
    schedule_lead: timedelta = timedelta(0),
    route_: Route = CHIEF_ALONE,
) -> FormResult:
    """Check and store one submission of the draft form, once.

    `mode` RESUBMIT or EDIT with a whole `draft_id` changes that draft; anything else writes a
    new one. `parse_errors` are the front end's own problems reading the form (same shape as
    drafts.validate's, and shown with them). A database failure is a field error on the body
    (error.save_failed): what was typed stays in the form.
    """
    target = _target(mode, draft_id)
    registered: tuple[str, ...] = ()
    try:
        with session_factory() as session:
            registered = groups.names(session)
        errors = drafts.validate(content, CHANNELS, clock(), schedule_lead, groups=registered)
        errors.update(parse_errors or {})
        if errors:
            return FormResult(errors=errors, groups=registered)
        with session_factory.begin() as session:  # committed before the answer
            return _store(session, clock(), front_end, user_id, content, submission_key, target,
                          registered, route_)  # fmt: skip
    except IntegrityError:  # the same submission, delivered again: it is already stored
        return FormResult(duplicate=True, groups=registered,
                          draft_id=_stored_draft(session_factory, submission_key))  # fmt: skip
    except SQLAlchemyError:
        log.exception("could not store a draft from %s", front_end)
        return FormResult(errors=dict(SAVE_FAILED), groups=registered)


def _target(mode: str | None, draft_id: object) -> tuple[str, int | None]:
    """(RESUBMIT or EDIT, the draft) when the form changes a draft; (NEW, None) otherwise."""
    whole = isinstance(draft_id, int) and not isinstance(draft_id, bool)
    if mode in CHANGES and whole:
        return mode, draft_id
    return NEW, None


def _store(session, now, front_end, user_id, content, key, target, registered,
           route_: Route) -> FormResult:  # fmt: skip
    mode, draft_id = target
    if roles.role_of(session, user_id, front_end) is None:
        if mode != NEW:  # an attempt on someone's draft is recorded (決裁簿)
            deciding.refuse(session, draft_id=draft_id, actor=user_id, attempted=mode, now=now)
        return FormResult(problem=not_operator(session, front_end), groups=registered)
    submission = Submission(key=key, at=now, draft_id=draft_id)
    session.add(submission)
    session.flush()  # a repeat of this very delivery stops here
    if mode == NEW:
        draft = workflow.submit(session, author_id=user_id, content=content, now=now,
                                front_end=front_end, route_=route_)  # fmt: skip
        submission.draft_id = draft.id
        return FormResult(stored=True, groups=registered, draft_id=draft.id)
    more = {"route_": route_} if mode == RESUBMIT else {}
    outcome = CHANGES[mode](session, draft_id=draft_id, actor=user_id, content=content, now=now,
                            **more)  # fmt: skip
    if outcome.result in (deciding.NOTHING_TO_DO, deciding.NOT_FOUND):
        # Nothing was written: the same form may be sent again once fixed (Slack keeps its key).
        session.execute(delete(Submission).where(Submission.key == key))
    problem = change_problem(mode, outcome)
    return FormResult(problem=problem, stored=problem is None, groups=registered,
                      draft_id=draft_id)  # fmt: skip


def _stored_draft(session_factory: sessionmaker[Session], key: str) -> int | None:
    """The draft an earlier delivery of this very submission stored (None if not known)."""
    try:
        with session_factory() as session:
            return session.execute(
                select(Submission.draft_id).where(Submission.key == key)
            ).scalar_one_or_none()
    except SQLAlchemyError:
        return None


def change_problem(mode: str, outcome: deciding.Outcome) -> Wording | None:
    """Why a resubmission or the chief's edit did not go through (None: it did)."""
    if outcome.result == deciding.NOTHING_TO_DO:
        if mode == EDIT and outcome.status == PENDING:
            return "refuse.no_changes", {}
        key = "refuse.not_rejected" if mode == RESUBMIT else "refuse.not_pending"
        return key, {"id": outcome.request_id}
    if outcome.result == deciding.REFUSED:
        return ("refuse.not_author" if mode == RESUBMIT else "refuse.not_chief"), {}
    return refusal(outcome)


def not_operator(session: Session, front_end: str) -> Wording:
    """Why someone not on `front_end`'s roster cannot draft, and whom to ask (the chief)."""
    chief = roles.chief_id(session, front_end)
    return (NOT_OPERATOR, {"chief": chief}) if chief else ("refuse.no_chief", {})
