"""The Teams agent: routes each incoming activity to a thin handler that calls the core."""

from __future__ import annotations

import asyncio
import logging
import re

from microsoft_agents.activity import Activity, Attachment, InvokeResponse

from bot.approval import route, workflow
from bot.approval.snapshot import take, take_many
from bot.features import policy, report, report_files
from bot.messages import messages_for
from bot.people import leavers, roles
from bot.services import Services
from handlers.teams import (
    actions,
    cards,
    chat_cards,
    dashboard,
    deputy,
    dialogs,
    form_card,
    ids,
    images,
    people,
    report_card,
    search_card,
)
from handlers.teams.ids import FRONT_END
from handlers.teams.text import card_markdown, plain

log = logging.getLogger(__name__)

TAG = re.compile(r"<[^>]+>")
DIALOG_INVOKES = ("task/fetch", "task/submit", "composeExtension/fetchTask",
                  "composeExtension/submitAction")  # fmt: skip


class SnsAgent:
    """The bot as the Agents SDK sees it: one `on_turn` per activity from Teams."""

    def __init__(self, services: Services, pictures: images.PictureAccess | None = None):
        self.services = services
        self.pictures = pictures

    async def on_turn(self, context) -> None:
        activity = context.activity
        if activity.type == "invoke":
            body = await asyncio.to_thread(self._invoke_or_apology, activity)
            await context.send_activity(
                Activity(type="invokeResponse", value=InvokeResponse(status=200, body=body))
            )
        elif activity.type == "message" and self.pictures and images.incoming(activity):
            token = await self.pictures.token()
            reply = await asyncio.to_thread(self._pictures_or_apology, activity, token)
            await context.send_activity(reply)
        elif activity.type == "message":
            reply = await asyncio.to_thread(self._message_or_apology, activity)
            if reply is not None:
                await context.send_activity(reply)
        elif activity.type in ("conversationUpdate", "installationUpdate"):
            await asyncio.to_thread(self._remember, activity)
            if activity.type == "conversationUpdate" and activity.members_removed:
                await asyncio.to_thread(self._members_removed, activity)

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
        words = TAG.sub("", activity.text or "").strip().split()
        command = words[0].lower() if words else ids.HELP
        with services.session_factory.begin() as session:
            user = people.identify(session, activity)
            people.remember(session, user, activity, services.clock())
            msg = messages_for(user.locale, services.settings.locale)
            if command == ids.HELP or command == "ヘルプ":
                return _text(msg("teams.help.text"))
            if command == ids.POLICY:
                text = policy.summary(msg, services.settings.policy_url, "\n\n")
                return _text(card_markdown(text))
            if command == ids.DEPUTY:
                shown = deputy.show(services, session, user, msg)
                return _card(shown) if isinstance(shown, dict) else _plain(shown)
            if command == ids.REPORT:  # the chief (or the acting deputy); refusals recorded
                return self._report(session, user.id, msg, " ".join(words[1:]))
            if command not in (ids.SNS, ids.STATUS, ids.SEARCH, ids.HOME, "ホーム"):
                return _plain(plain(msg, "teams.unknown", {"text": command[:40]}))
            if roles.role_of(session, user.id, FRONT_END) is None:
                return _plain(dialogs.not_operator(services, session, msg))
            if command == ids.SNS:
                return _card(form_card.launcher(msg))
            if command == ids.SEARCH:  # every staff member with a role may search every draft
                rest = " ".join(words[1:])
                name_of = lambda user_id: people.name_of(session, user_id)  # noqa: E731
                kind, content = search_card.answer(msg, session, user.id, rest, name_of)
                return {"plain": _plain, "text": _text, "card": _card}[kind](content)
            if command in (ids.HOME, "ホーム"):
                return _card(dashboard.build(services, session, user, msg))
            mine = [take(session, d, services.dry_run_channels, services.clock())
                    for d in workflow.open_drafts(session, user.id)]  # fmt: skip
            early = user.id in roles.approvers(session, FRONT_END)  # the chief may decide early
            waiting = route.waiting_for(session, user.id, FRONT_END, any_step=early)
            shown = take_many(session, waiting, services.dry_run_channels, services.clock())
            to_review = [shown[i] for i in waiting if i in shown]
            return _card(chat_cards.status_card(msg, mine, to_review))

    def _report(self, session, user_id: str, msg, argument: str) -> Activity:
        """The monthly report's summary and chart on a card (the CSV: `snsbot report`)."""
        try:
            month = report.parse_month(argument)
        except ValueError:
            return _text(card_markdown(msg("report.usage", command=ids.REPORT)))
        if not report.may_ask(session, user_id, FRONT_END, self.services.clock()):
            return _plain(msg("report.refused"))
        summary, png = report_files.summary_and_chart(session, month, msg)
        return _card(report_card.report_card(msg, month.name, summary, png))

    def _pictures_or_apology(self, activity, token: str) -> Activity:
        """Pictures sent in the chat: kept for the next draft form (handlers.teams.images)."""
        try:
            answer = images.receive(self.services, activity, token, self.pictures.allowed,
                                    dialogs.not_operator)  # fmt: skip
            return _plain(answer) if isinstance(answer, str) else _card(answer)
        except Exception:
            log.exception("Teams pictures failed")
            msg = messages_for(activity.locale, self.services.settings.locale)
            return Activity(type="message", text=msg("error.db_busy"))

    def _old_client_click(self, activity) -> Activity:
        """A client without Action.Execute sends the button's fallback Action.Submit as a message."""
        value = dict(activity.value)
        verb = value.pop("verb")
        activity.value = {"action": {"verb": verb, "data": value}}
        answer = actions.execute(self.services, activity)
        if answer["type"] == cards.CARD_TYPE:
            return _card(answer["value"])
        return _plain(answer["value"])

    def _members_removed(self, activity) -> None:
        """Members removed from the team (policy §6): a role one of them holds ends and the
        credential-rotation tasks open. Leaving a group chat is not leaving the team: only
        `teamMemberRemoved` in a team counts (https://learn.microsoft.com/microsoftteams/
        platform/bots/how-to/conversations/subscribe-to-conversation-events)."""
        if _team_event(activity) != "teamMemberRemoved":
            return
        bot = activity.recipient.id if activity.recipient else ""
        gone = [m for m in activity.members_removed if m.id != bot]
        with self.services.session_factory.begin() as session:
            left = [leavers.member_left(session, (m.aad_object_id or "", m.id or ""),
                                        front_end=FRONT_END, how=leavers.REMOVED_FROM_TEAM,
                                        now=self.services.clock()) for m in gone]  # fmt: skip
        if any(left):
            log.info("removed from the team: %s; roles ended, credential rotation opened", left)
            self.services.wake()  # the dispatcher tells the chief of the new rotation tasks

    def _remember(self, activity) -> None:
        """Installed or added to a chat: keep the way back to this person."""
        with self.services.session_factory.begin() as session:
            user = people.identify(session, activity)
            people.remember(session, user, activity, self.services.clock())


def _team_event(activity) -> str:
    """Teams' `channelData.eventType` (e.g. teamMemberRemoved) of an event in a team (its
    `channelData.team` set; a group chat's events carry none), else ""."""
    data = activity.channel_data
    if not isinstance(data, dict):
        data = data.model_dump(by_alias=True) if hasattr(data, "model_dump") else {}
    value = data.get("eventType") if data.get("team") else ""
    return value if isinstance(value, str) else ""


def _text(text: str) -> Activity:
    return Activity(type="message", text=text, text_format="markdown")


def _plain(text: str) -> Activity:
    """A message that may hold people's words: plain text, never read as markdown."""
    return Activity(type="message", text=text, text_format="plain")


def _card(content: dict) -> Activity:
    return Activity(
        type="message", attachments=[Attachment(content_type=cards.CARD_TYPE, content=content)]
    )
