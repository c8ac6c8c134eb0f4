"""Naming the deputy from the chief's App Home: the user picker and the remove button."""

from __future__ import annotations

from bot.messages import Messages
from bot.people import deputy
from bot.services import Services
from handlers.slack.blocks import mention
from handlers.slack.home import publish_home
from handlers.slack.replies import guarded, tell
from handlers.slack.wiring import LANGUAGES, SERVICES

FRONT_END = "slack"


@guarded
def deputy_chosen(ack, body, action, client, context):
    ack()
    chosen = action.get("selected_user")
    chosen = chosen if isinstance(chosen, str) and chosen else None
    name(context[SERVICES], client, body, chosen, context.get(LANGUAGES))


@guarded
def deputy_cleared(ack, body, client, context):
    ack()
    name(context[SERVICES], client, body, None, context.get(LANGUAGES))


def name(services: Services, client, body: dict, chosen: str | None, languages=None) -> None:
    """Ask the core to make `chosen` the deputy; tell the chief (and the new deputy) what came of it."""
    actor, msg = body["user"]["id"], services.msg
    with services.session_factory.begin() as session:
        naming = deputy.name_deputy(session, actor=actor, deputy=chosen, now=services.clock(),
                                    front_end=FRONT_END)  # fmt: skip
    tell(body, client, None, naming_text(msg, naming, chosen))
    if naming.result == deputy.REFUSED:
        return
    if naming.result == deputy.NAMED:
        theirs = languages.msg_for(chosen) if languages else msg  # in the new deputy's language
        text = theirs("deputy.you_are_named", chief=mention(actor))
        client.chat_postMessage(channel=chosen, text=text)
    publish_home(services, client, actor)


def naming_text(msg: Messages, naming: deputy.Naming, chosen: str | None) -> str:
    """What came of a naming, in Slack mrkdwn."""
    if naming.result == deputy.NAMED:
        return msg("deputy.named", who=mention(naming.deputy))
    if naming.result == deputy.NOT_ELIGIBLE:
        return msg("deputy.not_eligible", who=mention(chosen or ""))
    return msg(f"deputy.{naming.result}")
