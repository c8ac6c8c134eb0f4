"""Cross-posting (policy §5(3)): the results DM's 他のSNSにも投稿 button and its listener."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock

from bot.approval.snapshot import DraftSnapshot, take
from bot.features import crosspost
from bot.messages import Messages
from bot.models import Draft
from bot.people import roles
from handlers.slack.blocks import button
from handlers.slack.drafting import open_draft_modal
from handlers.slack.replies import draft_id_of, not_operator_text, tell
from handlers.slack.wiring import SERVICES

CROSS_POST = "cross_post"  # button on the author's results DM; value = the draft id


def cross_post_blocks(msg: Messages, draft: DraftSnapshot) -> list[ActionsBlock]:
    """The button, when a channel went live with a URL and another channel is still unused."""
    if crosspost.offer(draft) is None:
        return []
    return [
        ActionsBlock(
            block_id=f"{CROSS_POST}:{draft.id}",
            elements=[button(msg, CROSS_POST, "button.cross_post", str(draft.id))],
        )
    ]


def cross_post_clicked(ack, body, action, client, respond, context):
    ack()
    services = context[SERVICES]
    msg, draft_id = services.msg, draft_id_of(action)
    with services.session_factory() as session:
        if roles.role_of(session, body["user"]["id"]) is None:
            return tell(body, client, respond, not_operator_text(services, session))
        draft = session.get(Draft, draft_id) if draft_id is not None else None
        if draft is None:
            return tell(body, client, respond, msg("refuse.not_found", id=draft_id))
        snapshot = take(session, draft, services.dry_run_channels, services.clock())
    initial = crosspost.offer(snapshot)
    if initial is None:
        return tell(body, client, respond, msg("crosspost.nothing", id=draft_id))
    open_draft_modal(services, client, body["trigger_id"], initial=initial)
