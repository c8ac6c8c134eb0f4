"""The approval route in Slack: 確認 (pass on), 差し戻し (send back) and replies in a card's thread."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from bot.approval import comments, deciding, route
from bot.models import Draft
from bot.services import Services
from handlers.slack import ids
from handlers.slack.approval import revision_of
from handlers.slack.blocks import metadata
from handlers.slack.forms import reason_given
from handlers.slack.modals import send_back_modal
from handlers.slack.replies import draft_id_of, guarded, outcome_text, tell
from handlers.slack.wiring import AFTER_ACK, SERVICES

log = logging.getLogger(__name__)

TEXTS = {  # what a reviewer reads about an attempt on a review step that did not go through
    deciding.REFUSED: "refuse.not_reviewer",
    deciding.OWN_REQUEST: "refuse.own_review",
    deciding.NOTHING_TO_DO: "refuse.step_done",
}


def route_text(services: Services, outcome: deciding.Outcome, draft_id: int, done: str) -> str:
    """The words for the outcome of a pass on or a send back."""
    key = done if outcome.result == deciding.DONE else TEXTS.get(outcome.result)
    return services.msg(key, id=draft_id) if key else outcome_text(services.msg, outcome)


def pass_on_from_click(services: Services, body, action, client, respond) -> None:
    draft_id = draft_id_of(action)
    if draft_id is None:
        return tell(body, client, respond, services.msg("error.internal"))
    with services.session_factory.begin() as session:
        outcome = route.pass_on(session, draft_id=draft_id, actor=body["user"]["id"],
                                now=services.clock(), revision=revision_of(action),
                                skip_away=services.settings.route_skip_away)  # fmt: skip
    tell(body, client, respond, route_text(services, outcome, draft_id, "route.pass_on_done"))
    services.wake()


@guarded
def pass_on_clicked(ack, body, action, client, respond, context):
    ack()
    context[AFTER_ACK](pass_on_from_click, services=context[SERVICES], body=body, action=action,
                       client=client, respond=respond)  # fmt: skip


@guarded
def send_back_clicked(ack, body, action, client, respond, context):
    ack()
    services = context[SERVICES]
    draft_id, user_id = draft_id_of(action), body["user"]["id"]
    if draft_id is None:
        return tell(body, client, respond, services.msg("error.internal"))
    revision = revision_of(action)
    with services.session_factory.begin() as session:
        draft = session.get(Draft, draft_id)
        problem = route.problem(session, draft, user_id, "send_back", revision, services.clock())
        revision = revision or (draft.revision if draft else None)
    if problem is not None:
        return tell(body, client, respond, route_text(services, problem, draft_id, ""))
    client.views_open(
        trigger_id=body["trigger_id"],
        view=send_back_modal(services.msg, draft_id, metadata(draft=draft_id, revision=revision)),
    )


def send_back_submitted(ack, body, view, logger, context):
    services = context[SERVICES]
    msg = services.msg
    given = reason_given(msg, view, ids.COMMENT, "error.comment_required")
    if isinstance(given, dict):
        return ack(response_action="errors", errors=given)
    comment, draft_id, revision = given
    try:
        with services.session_factory.begin() as session:
            outcome = route.send_back(session, draft_id=draft_id, actor=body["user"]["id"],
                                      comment=comment, now=services.clock(),
                                      revision=revision)  # fmt: skip
    except SQLAlchemyError:
        logger.exception("could not record a send-back")
        return ack(response_action="errors", errors={ids.COMMENT: msg("error.save_failed")})
    if outcome.result != deciding.DONE:
        text = route_text(services, outcome, draft_id, "")
        return ack(response_action="errors", errors={ids.COMMENT: text})
    ack()
    services.wake()


def message_posted(event, context):
    """A reply in the thread of a draft's card: a comment on its current revision (never a
    decision). Other messages, and the bot's own, are not the bot's business."""
    thread, channel, user = event.get("thread_ts"), event.get("channel"), event.get("user")
    if not thread or not channel or not user or event.get("bot_id"):
        return
    if event.get("subtype") not in (None, "thread_broadcast"):
        return
    services = context[SERVICES]
    with services.session_factory.begin() as session:
        draft_id = comments.draft_of_card(session, channel, thread)
        if draft_id is None:
            return
        outcome = comments.comment(session, draft_id=draft_id, actor=user,
                                   text=str(event.get("text") or ""), now=services.clock(),
                                   origin=f"slack:{channel}:{event.get('ts')}")  # fmt: skip
    if outcome.result == deciding.DONE:
        services.wake()
