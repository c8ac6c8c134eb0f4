"""The chief's decision: approve, reject (button and reason modal), retry, cancel, show the full text."""

from __future__ import annotations

import re

from sqlalchemy.exc import SQLAlchemyError

from bot.approval import deciding, schedule, workflow
from bot.approval.snapshot import take
from bot.models import PENDING, Draft
from bot.people import roles
from bot.services import Services
from handlers.slack import ids
from handlers.slack.blocks import metadata
from handlers.slack.forms import reason_given
from handlers.slack.modals import full_text_modal, reject_modal
from handlers.slack.replies import (
    act_after_ack,
    draft_id_of,
    guarded,
    not_operator_text,
    outcome_text,
    tell,
)
from handlers.slack.wiring import AFTER_ACK, SERVICES

REVISION = re.compile(rf"{ids.CARD_ACTIONS_BLOCK}:([0-9]{{1,9}})(?::.*)?", re.DOTALL)


def revision_of(action: dict) -> int | None:
    match = REVISION.fullmatch(str(action.get("block_id") or ""))
    return int(match.group(1)) if match else None


def approve_from_click(services: Services, body, action, client, respond) -> None:
    """Decide an approval click (after its ack) and tell the clicker if it did not go through."""
    msg = services.msg
    draft_id = draft_id_of(action)
    if draft_id is None:
        return tell(body, client, respond, msg("error.internal"))
    with services.session_factory.begin() as session:
        outcome = workflow.decide(
            session,
            draft_id=draft_id,
            actor=body["user"]["id"],
            approve=True,
            revision=revision_of(action),
            now=services.clock(),
            lead=services.settings.schedule_lead,
            blog_footer=services.settings.blog_footer,
        )
    problem = outcome_text(msg, outcome)
    if problem:
        tell(body, client, respond, problem)
    services.wake()


@guarded
def approve_clicked(ack, body, action, client, respond, context):
    ack()
    context[AFTER_ACK](approve_from_click, services=context[SERVICES], body=body, action=action,
                       client=client, respond=respond)  # fmt: skip


def reject_problem(services: Services, session, draft_id: int, user_id: str) -> str | None:
    """Why this clicker cannot reject this draft now (None: they may)."""
    msg = services.msg
    draft = session.get(Draft, draft_id)
    if draft is None:
        return outcome_text(msg, deciding.Outcome(deciding.NOT_FOUND, draft_id))
    if refused := deciding.refusal_to_decide(session, draft, user_id, "reject", services.clock()):
        return outcome_text(msg, refused)
    if draft.status != PENDING:
        return outcome_text(
            msg,
            deciding.Outcome(
                deciding.ALREADY_DECIDED,
                draft_id,
                status=draft.status,
                decided_by=draft.decided_by,
                decided_at=draft.decided_at,
            ),
        )
    return None


@guarded
def reject_clicked(ack, body, action, client, respond, context):
    ack()
    services = context[SERVICES]
    draft_id, user_id = draft_id_of(action), body["user"]["id"]
    if draft_id is None:
        return tell(body, client, respond, services.msg("error.internal"))
    with services.session_factory.begin() as session:
        problem = reject_problem(services, session, draft_id, user_id)
        if problem is None:
            revision = revision_of(action) or session.get(Draft, draft_id).revision
    if problem:
        return tell(body, client, respond, problem)
    client.views_open(
        trigger_id=body["trigger_id"],
        view=reject_modal(services.msg, draft_id, metadata(draft=draft_id, revision=revision)),
    )


def reject_submitted(ack, body, view, logger, context):
    services = context[SERVICES]
    msg = services.msg
    given = reason_given(msg, view, ids.REASON, "error.reason_required")
    if isinstance(given, dict):
        return ack(response_action="errors", errors=given)
    reason, draft_id, revision = given
    try:
        with services.session_factory.begin() as session:
            outcome = workflow.decide(
                session,
                draft_id=draft_id,
                actor=body["user"]["id"],
                approve=False,
                reason=reason,
                revision=revision,
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


@guarded
def retry_clicked(ack, body, action, client, respond, context):
    ack()
    act_after_ack(context, workflow.retry_failed, {
        deciding.DONE: "retry.queued",
        deciding.NOTHING_TO_DO: "refuse.nothing_to_retry",
        deciding.REFUSED: "refuse.not_author_or_chief",
    }, body=body, action=action, client=client, respond=respond)  # fmt: skip


@guarded
def cancel_clicked(ack, body, action, client, respond, context):
    ack()
    act_after_ack(context, schedule.cancel_scheduled, {
        deciding.DONE: "cancel.done",
        deciding.NOTHING_TO_DO: "cancel.nothing",
    }, body=body, action=action, client=client, respond=respond)  # fmt: skip


@guarded
def show_full_clicked(ack, body, action, client, respond, context):
    ack()
    services = context[SERVICES]
    draft_id = draft_id_of(action)
    with services.session_factory() as session:
        draft = session.get(Draft, draft_id) if draft_id is not None else None
        if draft is None:
            return tell(body, client, respond, services.msg("refuse.not_found", id=draft_id))
        if roles.role_of(session, body["user"]["id"]) is None:
            return tell(body, client, respond, not_operator_text(services, session))
        snapshot = take(session, draft, services.dry_run_channels, services.clock())
    client.views_open(trigger_id=body["trigger_id"], view=full_text_modal(services.msg, snapshot))
