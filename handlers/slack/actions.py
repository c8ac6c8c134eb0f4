"""Button clicks: approve, reject, retry, show the full text, new draft from App Home."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot import roles, schedule, workflow
from bot.models import PENDING, Draft
from bot.services import Services
from bot.snapshot import take
from handlers.slack import ids
from handlers.slack.blocks import metadata
from handlers.slack.commands import not_operator_text, open_draft_modal
from handlers.slack.modals import full_text_modal, reject_modal
from handlers.slack.replies import act_on_draft, answer_failures, draft_id_of, outcome_text, tell

REVISION = re.compile(rf"{ids.CARD_ACTIONS_BLOCK}:([0-9]{{1,9}})(?::.*)?", re.DOTALL)


def revision_of(action: dict) -> int | None:
    match = REVISION.fullmatch(str(action.get("block_id") or ""))
    return int(match.group(1)) if match else None


def register(app, services: Services, after_ack: Callable[..., None]) -> None:
    """Button listeners. Those that change a draft ack, then leave the change to `after_ack`."""
    msg = services.msg
    guarded = answer_failures(msg)

    def approve_from_click(body, action, client, respond) -> None:
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

    @app.action(ids.APPROVE)
    @guarded
    def approve_clicked(ack, body, action, client, respond):
        ack()
        after_ack(approve_from_click, body=body, action=action, client=client, respond=respond)

    @app.action(ids.REJECT)
    @guarded
    def reject_clicked(ack, body, action, client, respond):
        ack()
        draft_id, user_id = draft_id_of(action), body["user"]["id"]
        if draft_id is None:
            return tell(body, client, respond, msg("error.internal"))
        with services.session_factory.begin() as session:
            draft = session.get(Draft, draft_id)
            if draft is None:
                problem = outcome_text(msg, workflow.Outcome(workflow.NOT_FOUND, draft_id))
            elif refused := workflow.refusal_to_decide(
                session, draft, user_id, "reject", services.clock()
            ):
                problem = outcome_text(msg, refused)
            elif draft.status != PENDING:
                problem = outcome_text(
                    msg,
                    workflow.Outcome(
                        workflow.ALREADY_DECIDED,
                        draft_id,
                        status=draft.status,
                        decided_by=draft.decided_by,
                        decided_at=draft.decided_at,
                    ),
                )
            else:
                problem = None
                revision = revision_of(action) or draft.revision
        if problem:
            return tell(body, client, respond, problem)
        client.views_open(
            trigger_id=body["trigger_id"],
            view=reject_modal(msg, draft_id, metadata(draft=draft_id, revision=revision)),
        )

    @app.action(ids.RETRY)
    @guarded
    def retry_clicked(ack, body, action, client, respond):
        ack()
        after_ack(act_on_draft, services=services, body=body, action=action, client=client,
                  respond=respond, change=workflow.retry_failed, texts={
            workflow.DONE: "retry.queued",
            workflow.NOTHING_TO_DO: "refuse.nothing_to_retry",
            workflow.REFUSED: "refuse.not_author_or_chief",
        })  # fmt: skip

    @app.action(ids.CANCEL)
    @guarded
    def cancel_clicked(ack, body, action, client, respond):
        ack()
        after_ack(act_on_draft, services=services, body=body, action=action, client=client,
                  respond=respond, change=schedule.cancel_scheduled, texts={
            workflow.DONE: "cancel.done",
            workflow.NOTHING_TO_DO: "cancel.nothing",
        })  # fmt: skip

    @app.action(ids.SHOW_FULL)
    @guarded
    def show_full_clicked(ack, body, action, client, respond):
        ack()
        draft_id = draft_id_of(action)
        with services.session_factory() as session:
            draft = session.get(Draft, draft_id) if draft_id is not None else None
            if draft is None:
                return tell(body, client, respond, msg("refuse.not_found", id=draft_id))
            if roles.role_of(session, body["user"]["id"]) is None:
                return tell(body, client, respond, not_operator_text(services, session))
            snapshot = take(session, draft, services.dry_run_channels, services.clock())
        client.views_open(trigger_id=body["trigger_id"], view=full_text_modal(msg, snapshot))

    @app.action(ids.NEW_DRAFT)
    @guarded
    def new_draft_clicked(ack, body, client, respond):
        ack()
        with services.session_factory() as session:
            if roles.role_of(session, body["user"]["id"]) is None:
                return tell(body, client, respond, not_operator_text(services, session))
        open_draft_modal(services, client, body["trigger_id"])
