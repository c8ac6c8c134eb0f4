"""Writing a draft: the form opened from `/sns` or App Home, and its submission (`draft_submit`)."""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from bot.approval import deciding, drafts, revisions, workflow
from bot.approval.drafts import DraftInput
from bot.config import CHANNELS
from bot.models import PENDING, Submission
from bot.people import groups, roles
from bot.services import Services
from handlers.slack import ids
from handlers.slack.forms import (
    clean,
    draft_from_state,
    slack_errors,
    state_values,
    unreadable,
    view_metadata,
)
from handlers.slack.modals import EDIT, RESUBMIT, draft_modal
from handlers.slack.replies import guarded, not_operator_text, outcome_text, tell
from handlers.slack.wiring import SERVICES


def open_draft_modal(
    services: Services,
    client,
    trigger_id: str,
    body: str = "",
    initial: DraftInput | None = None,
    registered: tuple[str, ...] | None = None,
) -> None:
    """Open the draft form, empty or with `body`, or pre-filled with `initial`.

    `registered` is the registered groups' names when the caller has already read them.
    """
    initial = initial or DraftInput(body=clean(body)[:10000], channels=CHANNELS)
    if registered is None:
        with services.session_factory() as session:
            registered = groups.names(session)
    view = draft_modal(
        services.msg,
        offered=CHANNELS,
        dry_run=services.dry_run_channels,
        initial=initial,
        groups=registered,
    )
    client.views_open(trigger_id=trigger_id, view=view)


@guarded
def new_draft_clicked(ack, body, client, respond, context):
    ack()
    services = context[SERVICES]
    with services.session_factory() as session:
        if roles.role_of(session, body["user"]["id"]) is None:
            return tell(body, client, respond, not_operator_text(services, session))
    open_draft_modal(services, client, body["trigger_id"])


def _submission_key(view: dict) -> str:
    """The view's id and hash: the same for a retried delivery, new for every real submission."""
    return f"{view.get('id') or ''}:{view.get('hash') or uuid.uuid4().hex}"[:200]


def draft_submitted(ack, body, view, logger, context):
    services = context[SERVICES]
    msg = services.msg
    user_id, meta = body["user"]["id"], view_metadata(view)
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
                    deciding.refuse(session, draft_id=meta["draft"], actor=user_id,
                                    attempted=meta["mode"], now=services.clock())  # fmt: skip
                problem = not_operator_text(services, session)
            else:
                session.add(Submission(key=_submission_key(view), at=services.clock()))
                session.flush()  # a repeat of this very delivery stops here
                problem = store_draft(services, session, meta, user_id, content)
    except IntegrityError:
        return ack()  # the same submission, delivered again: it is already stored
    except SQLAlchemyError:
        logger.exception("could not store a draft")
        return ack(response_action="errors", errors={ids.BODY: msg("error.save_failed")})
    if problem:
        return ack(response_action="errors", errors={ids.BODY: problem})
    ack()
    services.wake()


def store_draft(services: Services, session, meta: dict, user_id: str, content) -> str | None:
    """Save a new draft, a resubmission or the chief's edit; the problem to show, if any."""
    msg = services.msg
    now, draft_id, mode = services.clock(), meta.get("draft"), meta.get("mode")
    if mode not in (RESUBMIT, EDIT) or not isinstance(draft_id, int):
        workflow.submit(session, author_id=user_id, content=content, now=now)
        return None
    change = revisions.resubmit if mode == RESUBMIT else revisions.edit_by_chief
    outcome = change(session, draft_id=draft_id, actor=user_id, content=content, now=now)
    if outcome.result == deciding.NOTHING_TO_DO:
        if mode == EDIT and outcome.status == PENDING:
            return msg("refuse.no_changes")
        key = "refuse.not_rejected" if mode == RESUBMIT else "refuse.not_pending"
        return msg(key, id=draft_id)
    if outcome.result == deciding.REFUSED:
        return msg("refuse.not_author" if mode == RESUBMIT else "refuse.not_chief")
    return outcome_text(msg, outcome)
