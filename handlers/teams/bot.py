"""The Teams agent: routes each incoming activity to a thin handler that calls the core."""

from __future__ import annotations

import asyncio
import logging
import re
import uuid

from microsoft_agents.activity import Activity, Attachment, InvokeResponse

from bot.approval import engagement, route, workflow
from bot.approval.snapshot import take, take_many
from bot.features import policy, report, report_files
from bot.features.engagement_targets import NETWORK_OF
from bot.messages import messages_for
from bot.people import leavers, roles
from bot.services import Services
from handlers.teams import (
    actions,
    cards,
    chat_cards,
    commands,
    dashboard,
    deputy,
    dialogs,
    engagement_form,
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

    def __init__(self, services: Services, pictures: images.PictureAccess | None = None,
                 lookup: dialogs.Lookup | None = None):  # fmt: skip
        self.services = services
        self.pictures = pictures
        self.lookup = lookup  # a person's name as Teams gives it (the notifier's member lookup)

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
            if _bot_added(activity):
                msg = messages_for(activity.locale, self.services.settings.locale)
                await context.send_activity(_card(form_card.welcome(msg)))

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
            return dialogs.open_form(self.services, activity, data, lookup=self.lookup)
        if activity.name == "composeExtension/fetchTask":
            prefill = dialogs.message_text(value)
            return dialogs.open_form(
                self.services, activity, {"verb": ids.OPEN_DRAFT}, prefill, self.lookup
            )
        if activity.name == "task/submit":
            return dialogs.submit_form(self.services, activity, data, self.lookup)
        if activity.name == "composeExtension/submitAction":  # the same task response: a
            return dialogs.submit_form(self.services, activity, data, self.lookup)  # message
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
                text = policy.summary(msg, services.settings.policy_url, "\n\n")
                return _text(card_markdown(text))
            if command == ids.DEPUTY:
                shown = deputy.show(services, session, user, msg)
                return _card(shown) if isinstance(shown, dict) else _plain(shown)
            if command == ids.REPORT:  # the chief (or the acting deputy); refusals recorded
                return self._report(session, user.id, msg, " ".join(words[1:]))
            known = (ids.SNS, ids.STATUS, ids.SEARCH, ids.HOME, "ホーム", *ids.ENGAGEMENT_KINDS)
            if command not in known:
                return _plain(plain(msg, "teams.unknown", {"text": command[:40]}))
            operator = roles.role_of(session, user.id, FRONT_END) is not None
            if operator and command in ids.ENGAGEMENT_KINDS:  # `follow <target>`…: §7, §8 form
                dry_run = NETWORK_OF[command] in services.dry_run_channels
                typed = said[len(words[0]) :].strip()
                allowed = engagement.allow_list(session, limit=200)
                return _card(engagement_form.form_card(msg, command, typed, dry_run=dry_run,
                                                       nonce=uuid.uuid4().hex, allowed=allowed))  # fmt: skip
            if operator and command == ids.SNS:  # `sns <text>`: the form opens with the text
                return _card(form_card.launcher(msg, said[len(words[0]) :].strip()[:10000]))
            if operator and command == ids.SEARCH:  # every staff member may search every draft
                rest = " ".join(words[1:])
                name_of = lambda user_id: people.name_of(session, user_id)  # noqa: E731
                kind, content = search_card.answer(msg, session, user.id, rest, name_of)
                return {"plain": _plain, "text": _text, "card": _card}[kind](content)
            if operator and command in (ids.HOME, "ホーム"):
                return _card(dashboard.build(services, session, user, msg))
            if operator:
                mine = [take(session, d, services.dry_run_channels, services.clock())
                        for d in workflow.open_drafts(session, user.id)]  # fmt: skip
                early = user.id in roles.approvers(session, FRONT_END)  # may decide early
                waiting = route.waiting_for(session, user.id, FRONT_END, any_step=early)
                shown = take_many(session, waiting, services.dry_run_channels, services.clock())
                to_review = [shown[i] for i in waiting if i in shown]
                return _card(chat_cards.status_card(msg, mine, to_review))
        return _plain(dialogs.not_operator(services, msg, self.lookup))  # after the commit

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
            refuse = lambda services, session, msg: dialogs.not_operator(services, msg)  # noqa: E731
            answer = images.receive(self.services, activity, token, self.pictures.allowed,
                                    refuse)  # fmt: skip
            return _plain(answer) if isinstance(answer, str) else _card(answer)
        except Exception:
            log.exception("Teams pictures failed")
            msg = messages_for(activity.locale, self.services.settings.locale)
            return Activity(type="message", text=msg("error.db_busy"))

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


def _bot_added(activity) -> bool:
    """The app was just installed here: Teams adds the bot to the conversation's members (it
    also sends installationUpdate, which is not answered, so the welcome comes once)."""
    bot_id = activity.recipient.id if activity.recipient else None
    added = activity.members_added or [] if activity.type == "conversationUpdate" else []
    return bool(bot_id) and any(member.id == bot_id for member in added)


def _text(text: str) -> Activity:
    return Activity(type="message", text=text, text_format="markdown")


def _plain(text: str) -> Activity:
    """A message that may hold people's words: plain text, never read as markdown."""
    return Activity(type="message", text=text, text_format="plain")


def _card(content: dict) -> Activity:
    return Activity(
        type="message", attachments=[Attachment(content_type=cards.CARD_TYPE, content=content)]
    )
