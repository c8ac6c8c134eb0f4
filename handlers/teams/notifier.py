"""The Teams notifier: approval cards in the approvers' 1:1 chats, updated in place, and DMs."""

from __future__ import annotations

import logging

from bot import addresses
from bot.oversight import ReviewItem, RotationItem
from bot.ports import RetryLater
from bot.snapshot import DraftSnapshot
from handlers.teams import approval_card, cards, chat_cards
from handlers.teams.ids import PLATFORM
from handlers.teams.text import messages_for

log = logging.getLogger(__name__)


class TeamsNotifier:
    """Implements bot.ports.Notifier for drafts written in Teams."""

    def __init__(self, proactive, session_factory, clock, default_locale: str = "ja"):
        self.proactive = proactive
        self.session_factory = session_factory
        self.clock = clock
        self.default_locale = default_locale

    # -- bot.ports.Notifier ------------------------------------------------------------------

    def post_card(self, draft: DraftSnapshot, notice=None) -> list[tuple[str, str]]:
        # `notice` (bot.ports.NoticeMark) is not used: a proactive message is not found
        # again in Teams, so one left unanswered may be sent twice.
        if not draft.approvers:
            raise RetryLater("no Teams chief: set SNSBOT_TEAMS_CHIEF or run `snsbot roles set`")
        known = self._addresses()
        mris = tuple(known.get(a, {}).get("mri") or a for a in draft.approvers)
        refs = []
        for approver in draft.approvers:
            msg = self._msg(known, approver)
            content = approval_card.approval_card(
                msg, draft, self._name_of(known), approver_mris=mris
            )
            try:
                reference = self._reference(known, approver)
                refs.append(
                    (reference["conversation"]["id"], self.proactive.send(reference, content))
                )
            except RetryLater:
                if not refs:
                    raise
                log.error("card %s reached only some approvers", draft.id)
        return refs

    def update_card(self, draft: DraftSnapshot) -> None:
        known = self._addresses()
        by_conversation = {
            a["reference"]["conversation"]["id"]: (user, a)
            for user, a in known.items()
            if a.get("reference")
        }
        mris = tuple(known.get(a, {}).get("mri") or a for a in draft.approvers)
        for conversation_id, activity_id, revision in draft.card_refs:
            user, address = by_conversation.get(conversation_id, ("", {}))
            msg = messages_for(address.get("locale"), self.default_locale)
            if revision == draft.revision:
                content = approval_card.approval_card(
                    msg, draft, self._name_of(known), approver_mris=mris
                )
            else:
                content = approval_card.superseded_card(msg, draft, revision)
            reference = address.get("reference") or self.proactive.reference_for(conversation_id)
            self.proactive.update(reference, activity_id, content)

    def tell_author(self, draft: DraftSnapshot, kind: str, notice=None) -> None:
        known = self._addresses()
        msg = self._msg(known, draft.author_id)
        self._send(
            known, draft.author_id, chat_cards.author_card(msg, draft, kind, self._name_of(known))
        )

    def tell_approvers(self, draft: DraftSnapshot, kind: str, notice=None) -> None:
        known = self._addresses()
        for approver in draft.approvers:
            msg = self._msg(known, approver)
            content = chat_cards.approver_card(msg, draft, kind, self._name_of(known))
            self._send(known, approver, content)

    def remind(self, user_id: str, waiting: list[DraftSnapshot], notice=None) -> None:
        known = self._addresses()
        content = chat_cards.reminder_card(self._msg(known, user_id), waiting, self._name_of(known))
        self._send(known, user_id, content)

    def ask_review(self, user_id: str, items: list[ReviewItem]) -> None:
        known = self._addresses()
        content = chat_cards.review_card(self._msg(known, user_id), items, self._name_of(known))
        self._send(known, user_id, content)

    def ask_rotation(self, user_id: str, items: list[RotationItem], notice=None) -> None:
        known = self._addresses()
        self._send(known, user_id, chat_cards.rotation_card(self._msg(known, user_id), items))

    def tell_user(self, user_id: str, text: str) -> None:
        known = self._addresses()
        self._send(known, user_id, cards.card([cards.text(text)]))

    # -- helpers -----------------------------------------------------------------------------

    def _addresses(self) -> dict[str, dict]:
        with self.session_factory() as session:
            return addresses.all_of(session, PLATFORM)

    def _msg(self, known: dict, user_id: str):
        return messages_for(known.get(user_id, {}).get("locale"), self.default_locale)

    @staticmethod
    def _name_of(known: dict):
        return lambda user_id: known.get(user_id, {}).get("name") or user_id

    def _reference(self, known: dict, user_id: str) -> dict:
        """The person's 1:1 chat with the bot, opened (and remembered) when there is none yet."""
        reference = known.get(user_id, {}).get("reference")
        if reference:
            return reference
        reference = self.proactive.new_conversation(user_id)
        with self.session_factory.begin() as session:
            addresses.remember(session, PLATFORM, user_id, {"reference": reference}, self.clock())
        known[user_id] = {"reference": reference}
        return reference

    def _send(self, known: dict, user_id: str, content: dict) -> None:
        self.proactive.send(self._reference(known, user_id), content)
