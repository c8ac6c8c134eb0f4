"""The Teams agent: routes each incoming activity to a thin handler that calls the core."""

from __future__ import annotations

import asyncio
import logging
import re
import uuid

from microsoft_agents.activity import Activity, Attachment, InvokeResponse

from bot.approval import engagement, workflow
from bot.approval.snapshot import take
from bot.features.engagement_targets import NETWORK_OF
from bot.people import roles
from bot.services import Services
from handlers.teams import (
    actions,
    cards,
    chat_cards,
    commands,
    dialogs,
    engagement_form,
    form_card,
    ids,
    people,
)
from handlers.teams.ids import FRONT_END
from handlers.teams.text import card_markdown, messages_for, plain

log = logging.getLogger(__name__)

TAG = re.compile(r"<[^>]+>")
DIALOG_INVOKES = ("task/fetch", "task/submit", "composeExtension/fetchTask",
                  "composeExtension/submitAction")  # fmt: skip


class SnsAgent:
    """The bot as the Agents SDK sees it: one `on_turn` per activity from Teams."""

    def __init__(self, services: Services):
        self.services = services

    async def on_turn(self, context) -> None:
        activity = context.activity
        if activity.type == "invoke":
            body = await asyncio.to_thread(self._invoke_or_apology, activity)
            await context.send_activity(
                Activity(type="invokeResponse", value=InvokeResponse(status=200, body=body))
            )
        elif activity.type == "message":
            reply = await asyncio.to_thread(self._message_or_apology, activity)
            if reply is not None:
                await context.send_activity(reply)
        elif activity.type in ("conversationUpdate", "installationUpdate"):
            await asyncio.to_thread(self._remember, activity)

    # -- invokes: dialogs and card buttons -----------------------------------------------------

    def _invoke_or_apology(self, activity) -> dict:
        try:
            return self._invoke(activity)
        except Exception:
            log.exception("Teams invoke %s failed", activity.name)
            msg = messages_for(activity.locale, self.services.settings.locale)
            if activity.name in DIALOG_INVOKES:
                return cards.close_dialog(msg("error.db_busy"))
            return actions.text_answer(msg("error.db_busy"))

    def _invoke(self, activity) -> dict:
        value = activity.value if isinstance(activity.value, dict) else {}
        data = value.get("data") if isinstance(value.get("data"), dict) else {}
        if activity.name == "adaptiveCard/action":
            return actions.execute(self.services, activity)
        if activity.name == "task/fetch":
            return dialogs.open_form(self.services, activity, data)
        if activity.name == "composeExtension/fetchTask":
            prefill = dialogs.message_text(value)
            return dialogs.open_form(self.services, activity, {"verb": ids.OPEN_DRAFT}, prefill)
        if activity.name == "task/submit":
            return dialogs.submit_form(self.services, activity, data)
        if activity.name == "composeExtension/submitAction":
            answer = dialogs.submit_form(self.services, activity, data)
            closed = answer["task"]["type"] == "message"
            return {} if closed else answer  # an empty answer closes a message-extension dialog
        msg = messages_for(activity.locale, self.services.settings.locale)
        return actions.text_answer(msg("error.internal"))

    # -- messages: the bot commands ----------------------------------------------------------

    def _message_or_apology(self, activity) -> Activity | None:
        try:
            return self._message(activity)
        except Exception:
            log.exception("Teams message failed")
            msg = messages_for(activity.locale, self.services.settings.locale)
            return Activity(type="message", text=msg("error.db_busy"))

    def _message(self, activity) -> Activity | None:
        services = self.services
        if isinstance(activity.value, dict) and activity.value.get("verb"):
            return self._old_client_click(activity)
        said = TAG.sub("", activity.text or "").strip()
        words = said.split()
        command = words[0].lower() if words else ids.HELP
        if command == ids.AWAY:
            return self._away(activity, words[1].lower() if len(words) > 1 else "")
        with services.session_factory.begin() as session:
            user = people.identify(session, activity)
            people.remember(session, user, activity, services.clock())
            msg = messages_for(user.locale, services.settings.locale)
            if command == ids.HELP or command == "ヘルプ":
                return _text(msg("teams.help.text"))
            if command == ids.POLICY:
                url = services.settings.policy_url
                text = msg("policy.text") + ("\n\n" + msg("policy.url", url=url) if url else "")
                return _text(card_markdown(text))
            if command not in (ids.SNS, ids.STATUS, *ids.ENGAGEMENT_KINDS):
                return _plain(plain(msg, "teams.unknown", {"text": command[:40]}))
            if roles.role_of(session, user.id, FRONT_END) is None:
                return _plain(dialogs.not_operator(services, session, msg))
            if command in ids.ENGAGEMENT_KINDS:  # `follow <target>`…: the request form (§7, §8)
                dry_run = NETWORK_OF[command] in services.dry_run_channels
                typed = said[len(words[0]) :].strip()
                allowed = engagement.allow_list(session, limit=200)
                return _card(engagement_form.form_card(msg, command, typed, dry_run=dry_run,
                                                       nonce=uuid.uuid4().hex, allowed=allowed))  # fmt: skip
            if command == ids.SNS:  # `sns <text>`: the form opens with the text as its body
                return _card(form_card.launcher(msg, said[len(words[0]) :].strip()[:10000]))
            mine = [take(session, d, services.dry_run_channels, services.clock())
                    for d in workflow.open_drafts(session, user.id)]  # fmt: skip
            return _card(chat_cards.status_card(msg, mine))

    def _away(self, activity, argument: str) -> Activity:
        """`away on|off` (the chief): the answer; the cards it owes the deputies sent at once."""
        services = self.services
        with services.session_factory.begin() as session:
            user = people.identify(session, activity)
            people.remember(session, user, activity, services.clock())
            msg = messages_for(user.locale, services.settings.locale)
            name_of = lambda user_id: people.name_of(session, user_id)  # noqa: E731
            content = commands.away(services, session, user, msg, argument, name_of)
        services.wake()  # after the commit: the dispatcher reads committed rows only
        return _card(content)

    def _old_client_click(self, activity) -> Activity:
        """A client without Action.Execute sends the button's fallback Action.Submit as a message."""
        value = dict(activity.value)
        verb = value.pop("verb")
        activity.value = {"action": {"verb": verb, "data": value}}
        answer = actions.execute(self.services, activity)
        if answer["type"] == cards.CARD_TYPE:
            return _card(answer["value"])
        return _plain(answer["value"])

    def _remember(self, activity) -> None:
        """Installed or added to a chat: keep the way back to this person."""
        with self.services.session_factory.begin() as session:
            user = people.identify(session, activity)
            people.remember(session, user, activity, self.services.clock())


def _text(text: str) -> Activity:
    return Activity(type="message", text=text, text_format="markdown")


def _plain(text: str) -> Activity:
    """A message that may hold people's words: plain text, never read as markdown."""
    return Activity(type="message", text=text, text_format="plain")


def _card(content: dict) -> Activity:
    return Activity(
        type="message", attachments=[Attachment(content_type=cards.CARD_TYPE, content=content)]
    )
