"""Slack side of follows, retweets, likes and shares (policy §7, §8): the form and the decision."""

from __future__ import annotations

import json
import logging
import re

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from bot.approval import deciding, engagement
from bot.approval.deciding import Outcome
from bot.features.engagement_targets import KINDS, NETWORK_OF
from bot.messages import Messages
from bot.models import REJECTED
from bot.people import roles
from bot.services import Services
from handlers.slack.blocks import mention
from handlers.slack.engagement_blocks import (
    TARGET,
    allow_list_blocks,
    engagement_modal,
    read_form,
)
from handlers.slack.replies import not_operator_text, tell
from handlers.slack.wiring import SERVICES

log = logging.getLogger(__name__)

ENGAGEMENT_COMMANDS = KINDS  # `/sns follow|retweet|like|share <target>`
ENGAGEMENT_ID = re.compile(r"[0-9]{1,12}")  # ASCII digits only: "２" names nothing

__all__ = ["ENGAGEMENT_COMMANDS", "allow_list_blocks", "open_modal"]


def open_modal(services: Services, ack, client, respond, command: dict, kind: str, text: str):
    """Acknowledge the command and open the engagement form, pre-filled with `text`."""
    ack()
    dry_run = NETWORK_OF[kind] in services.dry_run_channels
    try:
        view = engagement_modal(services.msg, kind, text, dry_run=dry_run)
        client.views_open(trigger_id=command["trigger_id"], view=view)
    except Exception:
        log.exception("could not open the %s form", kind)
        respond(text=services.msg("error.internal"), response_type="ephemeral")


def outcome_text(msg: Messages, outcome: Outcome) -> str | None:
    """What the clicker should read about a click that did not go through (None: nothing)."""
    if outcome.result == deciding.REFUSED:
        return msg("refuse.not_chief")
    if outcome.result == deciding.OWN_REQUEST:
        return msg("engage.refuse.own_request", id=outcome.request_id)
    if outcome.result == deciding.NOT_FOUND:
        return msg("engage.refuse.not_found", id=outcome.request_id)
    if outcome.result == deciding.ALREADY_DECIDED:
        return msg(
            "engage.refuse.already_decided",
            id=outcome.request_id,
            who=mention(outcome.decided_by or "?"),
            when=msg.time(outcome.decided_at) if outcome.decided_at else "",
            decision=msg(
                f"engage.decision.{'rejected' if outcome.status == REJECTED else 'approved'}"
            ),
        )
    return None


def _submission(view: dict) -> str | None:
    """Which form this is (view id and hash): Slack may deliver one submission more than once."""
    view_id, view_hash = view.get("id"), view.get("hash")
    return f"{view_id}:{view_hash}"[:160] if view_id and view_hash else None


def _kind_of(view: dict) -> str | None:
    try:
        kind = json.loads(view.get("private_metadata") or "{}").get("kind")
    except (ValueError, TypeError, AttributeError):
        return None
    return kind if kind in KINDS else None


def engagement_submitted(ack, body, view, logger, context):
    services = context[SERVICES]
    msg = services.msg
    kind = _kind_of(view)
    if kind is None:
        return ack(response_action="errors", errors={TARGET: msg("error.internal")})
    state = view.get("state")
    form, problems = read_form(kind, state.get("values") if isinstance(state, dict) else {})
    if problems:
        errors = {block: msg(key) for block, key in problems.items()}
        return ack(response_action="errors", errors=errors)
    user_id = body["user"]["id"]
    refusal = None
    try:
        with services.session_factory.begin() as session:
            if roles.role_of(session, user_id) is None:
                engagement.refuse_request(
                    session, actor=user_id, kind=kind, target=form.target,
                    category=form.category, now=services.clock(),
                )  # fmt: skip
                refusal = not_operator_text(services, session)
            else:
                _store_request(services, session, user_id, kind, form, view)
    except IntegrityError:  # the same submission, delivered twice at once: stored once
        return ack()
    except SQLAlchemyError:
        logger.exception("could not store an engagement request")
        return ack(response_action="errors", errors={TARGET: msg("error.save_failed")})
    if refusal is not None:  # answered once the refusal is recorded
        return ack(response_action="errors", errors={TARGET: refusal})
    ack()
    services.wake()


def _store_request(services: Services, session, user_id, kind, form, view) -> None:
    engagement.request(
        session,
        requester_id=user_id,
        kind=kind,
        target=form.target,
        category=form.category,
        official_confirmed=form.official_confirmed,
        now=services.clock(),
        submission=_submission(view),
    )


def decide_clicked(services: Services, body, action, client, respond, approve: bool) -> None:
    msg, value = services.msg, str(action.get("value") or "")
    if not ENGAGEMENT_ID.fullmatch(value):
        return tell(body, client, respond, msg("error.internal"))
    try:
        with services.session_factory.begin() as session:
            outcome = engagement.decide(
                session,
                engagement_id=int(value),
                actor=body["user"]["id"],
                approve=approve,
                now=services.clock(),
            )
    except SQLAlchemyError:
        log.exception("could not record an engagement decision")
        return tell(body, client, respond, msg("error.internal"))
    problem = outcome_text(msg, outcome)
    if problem:
        tell(body, client, respond, problem)
    services.wake()


def engagement_approve_clicked(ack, body, action, client, respond, context):
    ack()
    decide_clicked(context[SERVICES], body, action, client, respond, approve=True)


def engagement_reject_clicked(ack, body, action, client, respond, context):
    ack()
    decide_clicked(context[SERVICES], body, action, client, respond, approve=False)
