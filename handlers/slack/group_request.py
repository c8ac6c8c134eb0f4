"""A group request's 下書きを作成 button in Slack (policy §5(4)): the draft form pre-filled."""

from __future__ import annotations

import re

from bot.intake import status
from bot.people import roles
from handlers.slack.drafting import open_draft_modal
from handlers.slack.group_request_blocks import GROUP_REQUEST_DRAFT
from handlers.slack.replies import not_operator_text, tell
from handlers.slack.wiring import SERVICES

__all__ = ["GROUP_REQUEST_DRAFT", "group_request_draft_clicked"]

REQUEST_ID = re.compile(r"[0-9]{1,12}")  # ASCII digits only


def group_request_draft_clicked(ack, body, action, client, respond, context):
    ack()
    services = context[SERVICES]
    value = str(action.get("value") or "")
    with services.session_factory() as session:
        if roles.role_of(session, body["user"]["id"]) is None:
            return tell(body, client, respond, not_operator_text(services, session))
        request = status.view(session, int(value)) if REQUEST_ID.fullmatch(value) else None
    if request is None:
        return tell(body, client, respond, services.msg("intake.not_found"))
    if request.draft_id is not None:
        return tell(body, client, respond, services.msg("intake.already_drafted"))
    open_draft_modal(services, client, body["trigger_id"], initial=status.draft_input(request),
                     group_request=(request.id, request.reference))  # fmt: skip
