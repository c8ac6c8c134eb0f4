"""Modal submissions: the draft form (`draft_submit`) and the reject reason (`reject_submit`)."""

from __future__ import annotations

import json
import uuid

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from bot import drafts, groups, revisions, roles, workflow
from bot.config import CHANNELS
from bot.models import PENDING, Submission
from bot.services import Services
from handlers.slack import ids
from handlers.slack.commands import not_operator_text
from handlers.slack.forms import (
    draft_from_state,
    slack_errors,
    state_values,
    text_input,
    unreadable,
)
from handlers.slack.modals import EDIT, RESUBMIT
from handlers.slack.replies import outcome_text


def _submission_key(view: dict) -> str:
    """The view's id and hash: the same for a retried delivery, new for every real submission."""
    return f"{view.get('id') or ''}:{view.get('hash') or uuid.uuid4().hex}"[:200]


def _metadata(view: dict) -> dict:
    raw = view.get("private_metadata")
    try:
        value = json.loads(raw if isinstance(raw, str) and raw else "{}")
    except (ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def register(app, services: Services) -> None:
    msg = services.msg

    @app.view(ids.DRAFT_SUBMIT)
    def draft_submitted(ack, body, view, logger):
        user_id, meta = body["user"]["id"], _metadata(view)
        values = state_values(view)
        content = draft_from_state(values)
        try:
            with services.session_factory() as session:
                registered = groups.names(session)
            errors = drafts.validate(
                content,
                CHANNELS,
                services.clock(),
                services.settings.schedule_lead,
                groups=registered,
            ) | unreadable(values)
            if errors:
                return ack(response_action="errors", errors=slack_errors(errors, msg))
            with services.session_factory.begin() as session:  # committed before the answer
                if roles.role_of(session, user_id) is None:
                    if meta.get("mode") in (RESUBMIT, EDIT) and isinstance(meta.get("draft"), int):
                        workflow.refuse(session, draft_id=meta["draft"], actor=user_id,
                                        attempted=meta["mode"], now=services.clock())  # fmt: skip
                    problem = not_operator_text(services, session)
                else:
                    session.add(Submission(key=_submission_key(view), at=services.clock()))
                    session.flush()  # a repeat of this very delivery stops here
                    problem = _store(session, meta, user_id, content)
        except IntegrityError:
            return ack()  # the same submission, delivered again: it is already stored
        except SQLAlchemyError:
            logger.exception("could not store a draft")
            return ack(response_action="errors", errors={ids.BODY: msg("error.save_failed")})
        if problem:
            return ack(response_action="errors", errors={ids.BODY: problem})
        ack()
        services.wake()

    def _store(session, meta: dict, user_id: str, content) -> str | None:
        """Save a new draft, a resubmission or the chief's edit; the problem to show, if any."""
        now, draft_id, mode = services.clock(), meta.get("draft"), meta.get("mode")
        if mode not in (RESUBMIT, EDIT) or not isinstance(draft_id, int):
            workflow.submit(session, author_id=user_id, content=content, now=now)
            return None
        change = revisions.resubmit if mode == RESUBMIT else revisions.edit_by_chief
        outcome = change(session, draft_id=draft_id, actor=user_id, content=content, now=now)
        if outcome.result == workflow.NOTHING_TO_DO:
            if mode == EDIT and outcome.status == PENDING:
                return msg("refuse.no_changes")
            key = "refuse.not_rejected" if mode == RESUBMIT else "refuse.not_pending"
            return msg(key, id=draft_id)
        if outcome.result == workflow.REFUSED:
            return msg("refuse.not_author" if mode == RESUBMIT else "refuse.not_chief")
        return outcome_text(msg, outcome)

    @app.view(ids.REJECT_SUBMIT)
    def reject_submitted(ack, body, view, logger):
        reason = text_input(state_values(view), ids.REASON)
        if not reason:
            return ack(response_action="errors", errors={ids.REASON: msg("error.reason_required")})
        if drafts.has_unusable_chars(reason):
            return ack(response_action="errors", errors={ids.REASON: msg("error.unusable_chars")})
        meta = _metadata(view)
        draft_id, revision = meta.get("draft"), meta.get("revision")
        if not isinstance(draft_id, int):
            return ack(response_action="errors", errors={ids.REASON: msg("error.internal")})
        try:
            with services.session_factory.begin() as session:
                outcome = workflow.decide(
                    session,
                    draft_id=draft_id,
                    actor=body["user"]["id"],
                    approve=False,
                    reason=reason[:2000],
                    revision=revision if isinstance(revision, int) else None,
                    now=services.clock(),
                    lead=services.settings.schedule_lead,
                )
        except SQLAlchemyError:
            logger.exception("could not record a rejection")
            return ack(response_action="errors", errors={ids.REASON: msg("error.save_failed")})
        problem = outcome_text(msg, outcome)
        if problem:
            return ack(response_action="errors", errors={ids.REASON: problem})
        ack()
        services.wake()
