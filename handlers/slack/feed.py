"""The HP feed's 下書きを作成 button in Slack (policy §5(2)): a draft form pre-filled."""

from __future__ import annotations

import re

from bot.approval.drafts import DraftInput
from bot.config import CHANNELS
from bot.features import feed
from bot.people import roles
from handlers.slack.drafting import open_draft_modal
from handlers.slack.feed_blocks import FEED_DRAFT
from handlers.slack.replies import not_operator_text, tell
from handlers.slack.wiring import SERVICES

__all__ = ["FEED_DRAFT", "feed_draft_clicked"]

ENTRY_ID = re.compile(r"[0-9]{1,12}")  # ASCII digits only: "２" names nothing


def feed_draft_clicked(ack, body, action, client, respond, context):
    ack()
    services = context[SERVICES]
    value = str(action.get("value") or "")
    with services.session_factory() as session:
        if roles.role_of(session, body["user"]["id"]) is None:
            return tell(body, client, respond, not_operator_text(services, session))
        entry = feed.item(session, int(value)) if ENTRY_ID.fullmatch(value) else None
    if entry is None:
        return tell(body, client, respond, services.msg("feed.not_found"))
    initial = DraftInput(body=entry.title, channels=CHANNELS, source="hp_update", url=entry.link)
    open_draft_modal(services, client, body["trigger_id"], initial=initial)
