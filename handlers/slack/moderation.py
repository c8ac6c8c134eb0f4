"""The moderation inbox on Slack: the chief's clicks on the cards in SNSBOT_MODERATION_CHANNEL."""

from __future__ import annotations

import logging
import re

from bot.approval import moderation
from bot.approval.deciding import Outcome
from bot.messages import Messages
from handlers.slack.blocks import esc
from handlers.slack.moderation_blocks import (
    ACTION_IDS,
    chosen_category,
)
from handlers.slack.replies import tell
from handlers.slack.wiring import SERVICES

log = logging.getLogger(__name__)

ITEM_ID = re.compile(r"[0-9]{1,12}")  # ASCII digits only: "２" names nothing


def outcome_text(msg: Messages, outcome: Outcome, action: str) -> str | None:
    """What the clicker reads when the click did not go through (None: the card says it)."""
    item, result = outcome.item, outcome.result
    network = msg(f"channel.{item.network}") if item else ""
    if result == moderation.REFUSED:
        return msg("moderation.refuse.not_chief")
    if result == moderation.NEED_CATEGORY:
        return msg("moderation.refuse.need_category")
    if result == moderation.NOT_SUPPORTED:
        return msg("moderation.refuse.not_supported", network=network)
    if result == moderation.ALREADY_DECIDED:
        when = msg.time(item.decided_at) if item.decided_at else ""
        done = msg(f"moderation.action.{item.action}")
        return msg("moderation.refuse.already", who=esc(item.decided_by or ""), when=when,
                   label=done)  # fmt: skip
    if result == moderation.BUSY:
        return msg("moderation.refuse.busy")
    if result == moderation.NOT_FOUND:
        return msg("moderation.refuse.not_found")
    if result == moderation.UNAVAILABLE:
        return msg("moderation.refuse.unavailable", network=network)
    return None  # done, or queued: the card's refresh shows it (実行中…, then the result)


ACTION_NAMES = {action_id: name for name, action_id in ACTION_IDS.items()}


def moderation_clicked(ack, body, action, client, respond, context):
    """One of the card's buttons (dismiss, hide, delete, block): which one is its action id."""
    ack()
    services, action_name = context[SERVICES], ACTION_NAMES[action["action_id"]]
    msg, value = services.msg, str(action.get("value") or "")
    if not ITEM_ID.fullmatch(value):
        return tell(body, client, respond, msg("error.internal"))
    try:
        outcome = moderation.decide(
            services.session_factory,
            services.inboxes,  # built once by the composition root
            item_id=int(value),
            actor=body["user"]["id"],
            action=action_name,
            category=chosen_category((body.get("state") or {}).get("values")),
            now=services.clock(),
            msg=services.msg,
        )
    except Exception:  # e.g. the database is down: say so rather than stay silent
        log.exception("moderation %s on item %s failed", action_name, value)
        return tell(body, client, respond, msg("error.internal"))
    problem = outcome_text(msg, outcome, action_name)
    if problem:
        tell(body, client, respond, problem)
    services.wake()  # a decision owes the card's refresh, and its action is queued


def category_chosen(ack):
    ack()  # the choice stays on the card; the action button reads it from `state`
