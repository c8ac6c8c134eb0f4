"""Clicks that change a draft before publication: edit, resubmit, withdraw; the live X counter."""

from __future__ import annotations

from bot.approval import deciding, revisions
from bot.approval.revisions import RESUBMITTABLE
from bot.approval.snapshot import content_of
from bot.config import CHANNELS
from bot.models import PENDING, Draft
from bot.people import groups, roles
from bot.services import Services
from handlers.slack import ids
from handlers.slack.forms import draft_from_state
from handlers.slack.modals import EDIT, RESUBMIT, draft_modal, x_counter_text
from handlers.slack.replies import act_after_ack, draft_id_of, guarded, tell
from handlers.slack.wiring import SERVICES


def open_revision_modal(services: Services, body, action, client, respond, mode: str) -> None:
    """Open the draft form on the current revision, if the clicker may revise it now."""
    msg = services.msg
    draft_id, user_id = draft_id_of(action), body["user"]["id"]
    with services.session_factory.begin() as session:
        draft = session.get(Draft, draft_id) if draft_id is not None else None
        if draft is None:
            return tell(body, client, respond, msg("refuse.not_found", id=draft_id))
        allowed = (
            user_id == draft.author_id
            if mode == RESUBMIT
            else deciding.may_edit(session, user_id, draft)
        )
        if not allowed:
            deciding.refuse(
                session, draft_id=draft_id, actor=user_id, attempted=mode, now=services.clock()
            )
            key = "refuse.not_author" if mode == RESUBMIT else "refuse.not_chief"
            return tell(body, client, respond, msg(key))
        if draft.status not in (RESUBMITTABLE if mode == RESUBMIT else (PENDING,)):
            key = "refuse.not_rejected" if mode == RESUBMIT else "refuse.not_pending"
            return tell(body, client, respond, msg(key, id=draft_id))
        initial = content_of(draft.current)
        registered = groups.names(session)
    view = draft_modal(
        msg,
        offered=CHANNELS,
        dry_run=services.dry_run_channels,
        initial=initial,
        mode=mode,
        draft_id=draft_id,
        groups=registered,
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)


@guarded
def edit_clicked(ack, body, action, client, respond, context):
    ack()
    open_revision_modal(context[SERVICES], body, action, client, respond, EDIT)


@guarded
def resubmit_clicked(ack, body, action, client, respond, context):
    ack()
    open_revision_modal(context[SERVICES], body, action, client, respond, RESUBMIT)


@guarded
def withdraw_clicked(ack, body, action, client, respond, context):
    ack()
    act_after_ack(context, revisions.withdraw, {
        deciding.DONE: "withdraw.done",
        deciding.REFUSED: "refuse.not_author",
        deciding.NOTHING_TO_DO: "refuse.not_pending",
    }, body=body, action=action, client=client, respond=respond)  # fmt: skip


def counter_typed(ack, body, client, logger, context):
    """Each keystroke in the body, the X text or the URL: refresh "X: 231 / 280"."""
    ack()
    services = context[SERVICES]
    view = body.get("view") or {}
    content = draft_from_state(view.get("state", {}).get("values", {}))
    with services.session_factory() as session:
        if roles.role_of(session, body["user"]["id"]) is None:
            return
    blocks = [
        {**b, "elements": [{"type": "mrkdwn", "text": x_counter_text(services.msg, content)}]}
        if b.get("block_id") == ids.X_COUNTER
        else b
        for b in view.get("blocks", [])
    ]
    updated = {
        key: view[key]
        for key in ("type", "callback_id", "title", "submit", "close", "private_metadata")
        if key in view
    }
    try:
        client.views_update(
            view_id=view.get("id"), hash=view.get("hash"), view={**updated, "blocks": blocks}
        )
    except Exception as error:  # a newer keystroke already updated the view: fine
        logger.debug("counter update skipped: %s", error)
