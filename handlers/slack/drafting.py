"""Writing a draft: the form opened from `/sns` or App Home, and its submission (`draft_submit`)."""

from __future__ import annotations

import uuid

from bot.approval import forms
from bot.approval.drafts import DraftInput
from bot.config import CHANNELS
from bot.messages import Messages
from bot.people import groups, roles
from bot.services import Services
from handlers.slack import ids
from handlers.slack.blocks import mention, say
from handlers.slack.forms import (
    clean,
    draft_from_state,
    slack_errors,
    state_values,
    unreadable,
    view_metadata,
)
from handlers.slack.modals import draft_modal
from handlers.slack.replies import guarded, not_operator_text, tell
from handlers.slack.wiring import SERVICES

FRONT_END = "slack"  # Draft.front_end / Member.front_end of everything drafted in Slack


def open_draft_modal(
    services: Services,
    client,
    trigger_id: str,
    body: str = "",
    initial: DraftInput | None = None,
    registered: tuple[str, ...] | None = None,
) -> None:
    """Open the draft form, empty or with `body`, or pre-filled with `initial`.

    `registered` is the registered groups' names when the caller has already read them.
    """
    initial = initial or DraftInput(body=clean(body)[:10000], channels=CHANNELS)
    if registered is None:
        with services.session_factory() as session:
            registered = groups.names(session)
    view = draft_modal(
        services.msg,
        offered=CHANNELS,
        dry_run=services.dry_run_channels,
        initial=initial,
        groups=registered,
    )
    client.views_open(trigger_id=trigger_id, view=view)


@guarded
def new_draft_clicked(ack, body, client, respond, context):
    ack()
    services = context[SERVICES]
    with services.session_factory() as session:
        if roles.role_of(session, body["user"]["id"]) is None:
            return tell(body, client, respond, not_operator_text(services, session))
    open_draft_modal(services, client, body["trigger_id"])


def _submission_key(view: dict) -> str:
    """The view's id and hash: the same for a retried delivery, new for every real submission."""
    return f"{view.get('id') or ''}:{view.get('hash') or uuid.uuid4().hex}"[:200]


def draft_submitted(ack, body, view, logger, context):
    services = context[SERVICES]
    meta, values = view_metadata(view), state_values(view)
    result = forms.submit_form(
        services.session_factory,
        services.clock,
        front_end=FRONT_END,
        user_id=body["user"]["id"],
        content=draft_from_state(values),
        submission_key=_submission_key(view),
        mode=meta.get("mode"),
        draft_id=meta.get("draft"),
        parse_errors=unreadable(values),
        schedule_lead=services.settings.schedule_lead,
        route_=services.route,
    )
    if result.errors:
        return ack(response_action="errors", errors=slack_errors(result.errors, services.msg))
    if result.problem:
        return ack(response_action="errors", errors={ids.BODY: problem_text(services.msg, result)})
    ack()
    if result.stored:
        services.wake()


def problem_text(msg: Messages, result: forms.FormResult) -> str:
    """A form's problem in Slack mrkdwn; the chief who registers operators as a mention."""
    key, values = result.problem
    if key == forms.NOT_OPERATOR:
        return msg(key, chief=mention(values["chief"]))
    return say(msg, result.problem)
