"""The `/sns` slash command: open the draft form, help, status, policy."""

from __future__ import annotations

from bot import groups, roles, workflow
from bot.config import CHANNELS
from bot.drafts import DraftInput
from bot.services import Services
from bot.snapshot import DraftSnapshot, take_many
from handlers.slack import ids
from handlers.slack.blocks import esc, mention
from handlers.slack.forms import clean
from handlers.slack.home import status_line
from handlers.slack.modals import draft_modal
from handlers.slack.oversight import away_command, review_message


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


def open_drafts(services: Services, session, user_id: str) -> list[DraftSnapshot]:
    """`/sns status`: the user's most recent drafts, newest first, read in a few queries."""
    ids = [draft.id for draft in workflow.open_drafts(session, user_id)]
    snapshots = take_many(session, ids, services.dry_run_channels, services.clock())
    return [snapshots[i] for i in ids]


def not_operator_text(services: Services, session) -> str:
    chief = roles.chief_id(session)
    if not chief:
        return services.msg("refuse.no_chief")
    return services.msg("refuse.not_operator", chief=mention(chief))


def register(app, services: Services) -> None:
    msg = services.msg

    @app.command(ids.COMMAND)
    def sns_command(ack, command, client, respond, logger):
        def reply(text: str):
            ack(text=text, response_type="ephemeral")

        text = (command.get("text") or "").strip()
        sub, _, rest = text.partition(" ")
        sub = sub.lower()
        if sub in ("help", "ヘルプ"):
            return reply(msg("help.text"))
        if sub == "policy":
            url = services.settings.policy_url
            return reply(msg("policy.text") + ("\n" + msg("policy.url", url=url) if url else ""))
        user_id, opens_form = command["user_id"], sub in ("", "draft")
        with services.session_factory() as session:  # one short transaction before the ack
            if roles.role_of(session, user_id) is None:
                return reply(not_operator_text(services, session))
            registered = groups.names(session) if opens_form else ()
            if sub == "status":
                lines = [status_line(msg, d) for d in open_drafts(services, session, user_id)]
                return reply(
                    f"*{msg('status.header')}*\n" + ("\n".join(lines) or msg("status.none"))
                )
        if sub == "away":
            answer, to_review = away_command(services, user_id, rest.strip().lower())
            reply(answer)
            if to_review:  # back from absence: the deputy's decisions, to confirm (後閲)
                text, blocks = review_message(msg, to_review)
                client.chat_postMessage(channel=user_id, text=text, blocks=blocks)
            return None
        if sub in ("follow", "retweet", "like", "share"):  # policy §7, §8
            from handlers.slack import engagement

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
