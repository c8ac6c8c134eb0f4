"""The `/sns` slash command: open the draft form, help, status, policy, search, report."""

from __future__ import annotations

from bot.approval import workflow
from bot.approval.snapshot import DraftSnapshot, take_many
from bot.features import policy
from bot.people import groups, roles
from bot.services import Services
from handlers.slack import engagement
from handlers.slack.blocks import esc
from handlers.slack.drafting import open_draft_modal
from handlers.slack.home_blocks import status_line
from handlers.slack.oversight import away_command, review_message
from handlers.slack.replies import not_operator_text
from handlers.slack.report import report_command
from handlers.slack.search import search_reply
from handlers.slack.wiring import SERVICES


def open_drafts(services: Services, session, user_id: str) -> list[DraftSnapshot]:
    """`/sns status`: the user's most recent drafts, newest first, read in a few queries."""
    ids = [draft.id for draft in workflow.open_drafts(session, user_id)]
    snapshots = take_many(session, ids, services.dry_run_channels, services.clock())
    return [snapshots[i] for i in ids]


def sns_command(ack, command, client, respond, logger, context):
    services = context[SERVICES]
    msg = services.msg

    def reply(text: str):
        ack(text=text, response_type="ephemeral")

    text = (command.get("text") or "").strip()
    sub, _, rest = text.partition(" ")
    sub = sub.lower()
    if sub in ("help", "ヘルプ"):
        return reply(msg("help.text"))
    if sub == "policy":
        return reply(policy.summary(msg, services.settings.policy_url))
    if sub == "report":  # the chief's (and the acting deputy's) monthly report; refusals recorded
        return report_command(ack, client, respond, command, rest.strip(), context)
    user_id, opens_form = command["user_id"], sub in ("", "draft")
    with services.session_factory() as session:  # one short transaction before the ack
        if roles.role_of(session, user_id) is None:
            return reply(not_operator_text(services, session))
        registered = groups.names(session) if opens_form else ()
        if sub == "search":  # every staff member with a role may search every draft
            answer, blocks = search_reply(services, client, session, user_id, rest)
            return ack(text=answer, blocks=blocks or None, response_type="ephemeral")
        if sub == "status":
            lines = [status_line(msg, d) for d in open_drafts(services, session, user_id)]
            return reply(f"*{msg('status.header')}*\n" + ("\n".join(lines) or msg("status.none")))
    if sub == "away":
        answer, to_review = away_command(services, user_id, rest.strip().lower())
        reply(answer)
        if to_review:  # back from absence: the deputy's decisions, to confirm (後閲)
            text, blocks = review_message(msg, to_review)
            client.chat_postMessage(channel=user_id, text=text, blocks=blocks)
        return None
    if sub in ("follow", "retweet", "like", "share"):  # policy §7, §8
        return engagement.open_modal(services, ack, client, respond, command, sub, rest)
    if not opens_form:
        return reply(msg("help.unknown", sub=esc(sub[:50])) + "\n" + msg("help.text"))
    ack()
    try:
        text = rest if sub == "draft" else ""
        open_draft_modal(services, client, command["trigger_id"], text, registered=registered)
    except Exception:
        logger.exception("could not open the draft modal")
        respond(text=msg("error.internal"), response_type="ephemeral")
