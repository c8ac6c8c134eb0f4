"""Short replies to one person: ephemeral via response_url, or a DM when there is none."""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from bot import workflow
from bot.messages import Messages
from handlers.slack.blocks import esc

log = logging.getLogger(__name__)


def tell(body: dict, client: WebClient, respond, text: str) -> None:
    """Tell the person who clicked, privately, without touching the message they clicked on."""
    try:
        if body.get("response_url"):
            respond(text=text, response_type="ephemeral", replace_original=False)
        else:
            client.chat_postMessage(channel=body["user"]["id"], text=text)
    except Exception:
        log.exception("could not tell %s: %s", body.get("user", {}).get("id"), text)


def outcome_text(msg: Messages, outcome: workflow.Outcome) -> str | None:
    """What the clicker should read about an attempt that did not go through (None: nothing)."""
    if outcome.result == workflow.REFUSED:
        return msg("refuse.not_chief")
    if outcome.result == workflow.TOO_LATE:
        return msg("refuse.too_late", id=outcome.draft_id)
    if outcome.result == workflow.STALE:
        return msg("refuse.stale", id=outcome.draft_id)
    if outcome.result == workflow.NOT_FOUND:
        return msg("refuse.not_found", id=outcome.draft_id)
    if outcome.result == workflow.ALREADY_DECIDED:
        return msg(
            "refuse.already_decided",
            id=outcome.draft_id,
            who=f"<@{esc(outcome.decided_by or '?')}>",
            when=msg.time(outcome.decided_at) if outcome.decided_at else "",
            decision=msg(f"decision.{outcome.status}"),
        )
    return None
