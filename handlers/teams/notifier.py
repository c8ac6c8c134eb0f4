"""The Teams notifier: every card and message the core owes, in people's 1:1 chats with the bot."""

from __future__ import annotations

import logging

from bot.approval.engagement_view import EngagementView
from bot.approval.snapshot import DraftSnapshot
from bot.features.feed import FeedItem
from bot.features.moderation_store import ItemView
from bot.messages import messages_for
from bot.people import addresses, roles
from bot.people.oversight import ReviewItem, RotationItem
from bot.ports import NoticeMark, RetryLater
from handlers.teams import approval_card, cards, chat_cards, engagement_card, feed_card, route_card
from handlers.teams.channels import TeamChannels
from handlers.teams.group_request_card import group_request_card
from handlers.teams.ids import FRONT_END
from handlers.teams.moderation_card import failure_card, moderation_card

log = logging.getLogger(__name__)


class TeamsNotifier:
    """Implements bot.ports.Notifier (drafts, engagements, moderation, the HP feed) in Teams.

    `notice` is not used: a proactive message is not found again in Teams, so one left
    unanswered may be sent twice.
    """

    def __init__(
        self,
        proactive,
        session_factory,
        clock,
        default_locale: str = "ja",
        dry_run_networks: tuple[str, ...] = (),
        *,
        approval_channel: str = "",
        moderation_channel: str = "",
    ):
        self.proactive = proactive
        self.session_factory = session_factory
        self.clock = clock
        self.default_locale = default_locale
        self.dry_run_networks = dry_run_networks  # engagements only pretended on these networks
        self.channels = TeamChannels(proactive, approval_channel, moderation_channel)

    # -- bot.ports.Notifier ------------------------------------------------------------------

    def post_card(self, draft: DraftSnapshot, notice=None) -> list[tuple[str, str]]:
        if not draft.approvers:
            raise RetryLater("no Teams chief: set SNSBOT_TEAMS_CHIEF or run `snsbot roles set`")
        known = self._addresses()
        reachable, failures = {}, []
        for approver in draft.approvers:  # chats opened first: their `29:` ids go on the card
            try:
                reachable[approver] = self._reference(known, approver)
            except RetryLater as error:
                failures.append(error)
                log.error("card %s cannot reach an approver: %s", draft.id, error)
        mris = tuple(known.get(a, {}).get("mri") or a for a in draft.approvers)
        refs = []
        for approver, reference in reachable.items():
            msg = self._msg(known, approver)
            if draft.at_review:  # a review step's card, in that reviewer's own chat
                content = route_card.step_card(msg, draft, self._name_of(known), draft.route.step)
            else:
                content = approval_card.approval_card(
                    msg, draft, self._name_of(known), approver_mris=mris
                )
            try:
                refs.append(
                    (reference["conversation"]["id"], self.proactive.send(reference, content))
                )
            except RetryLater as error:
                failures.append(error)
                log.error("card %s reached only some approvers", draft.id)
        if failures and not refs:
            raise failures[0]
        copied = any(c == self.channels.approval and r == draft.revision
                     for c, _, r in draft.card_refs)  # fmt: skip
        if draft.at_review or copied:  # a review step's card: its people alone (as in Slack);
            return refs  # the channel has this revision's card (e.g. the deputies' cards now)
        msg = messages_for(None, self.default_locale)
        content = approval_card.approval_card(msg, draft, self._name_of(known), approver_mris=mris)
        return refs + self.channels.copy(content, f"card {draft.id}")

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
            step = draft.step_of(conversation_id, activity_id)
            if revision == draft.revision and step is not None:
                content = route_card.step_card(msg, draft, self._name_of(known), step)
            elif revision == draft.revision:
                content = approval_card.approval_card(
                    msg, draft, self._name_of(known), approver_mris=mris
                )
            else:
                content = approval_card.superseded_card(msg, draft, revision)
            self.proactive.update(self._at(address, conversation_id), activity_id, content)

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

    # -- follows, retweets, likes and shares (policy §7, §8) -----------------------------------

    def post_engagement_card(
        self, item: EngagementView, notice: NoticeMark | None = None
    ) -> list[tuple[str, str]]:
        if not item.approvers:
            raise RetryLater("no Teams chief: set SNSBOT_TEAMS_CHIEF or run `snsbot roles set`")
        known = self._addresses()
        refs = self._send_each(known, item.approvers, lambda msg, name_of: (
            engagement_card.engagement_card(msg, item, name_of, self.dry_run_networks)
        ), f"engagement card {item.id}")  # fmt: skip
        msg = messages_for(None, self.default_locale)
        content = engagement_card.engagement_card(
            msg, item, self._name_of(known), self.dry_run_networks
        )
        return refs + self.channels.copy(content, f"engagement card {item.id}")

    def update_engagement_card(self, item: EngagementView) -> None:
        self._update_each(item.card_refs, lambda msg, name_of: (
            engagement_card.engagement_card(msg, item, name_of, self.dry_run_networks)
        ))  # fmt: skip

    def tell_requester(
        self, item: EngagementView, kind: str, notice: NoticeMark | None = None
    ) -> None:
        known = self._addresses()
        msg = self._msg(known, item.requester_id)
        content = engagement_card.requester_card(msg, item, kind, self._name_of(known))
        self._send(known, item.requester_id, content)

    # -- the moderation inbox (policy §11): the 1:1 chats of the Teams chief (and, while the
    # -- chief is away, of the deputies, who decide as 代決) ------------------------------------

    def post_item(self, item: ItemView, notice: NoticeMark | None = None) -> list[tuple[str, str]]:
        if self.channels.moderation:  # the team's inbox: the buttons do only what a decider clicks
            msg = messages_for(None, self.default_locale)
            content = moderation_card(msg, item, self._name_of(self._addresses()))
            return self.channels.post(self.channels.moderation, content)
        with self.session_factory() as session:
            chief = roles.chief_id(session, FRONT_END)
            deciders = roles.approvers(session, FRONT_END)
        if not chief:
            raise RetryLater("no Teams chief: set SNSBOT_TEAMS_CHIEF or run `snsbot roles set`")
        known = self._addresses()
        return self._send_each(known, deciders, lambda msg, name_of: (
            moderation_card(msg, item, name_of)
        ), f"moderation card {item.id}")  # fmt: skip

    def update_item(self, item: ItemView) -> None:
        self._update_each(item.card_refs, lambda msg, name_of: moderation_card(msg, item, name_of))

    def tell_decider(self, item: ItemView, kind: str, notice: NoticeMark | None = None) -> None:
        known = self._addresses()
        self._send(known, item.failed_by, failure_card(self._msg(known, item.failed_by), item))

    # -- the HP feed (policy §5(2)) ------------------------------------------------------------

    def announce(
        self, item: FeedItem, members: tuple[str, ...], notice: NoticeMark | None = None
    ) -> None:
        if not members:
            raise RetryLater("nobody to tell: no Teams member is registered")
        self._send_each(self._addresses(), members,
                        lambda msg, _name_of: feed_card.feed_card(msg, item),
                        f"HP update {item.id}")  # fmt: skip

    # -- registered groups' requests (policy §5(4)) --------------------------------------------

    def tell_group_request(self, request, members: tuple[str, ...], notice=None) -> None:
        if not members:
            raise RetryLater("nobody to tell: no Teams operator is registered")
        self._send_each(self._addresses(), members,
                        lambda msg, _name_of: group_request_card(msg, request),
                        f"group request {request.id}")  # fmt: skip

    def display_name(self, user_id: str) -> str:
        """How Teams names this person: remembered, or learned by opening their chat and
        looking the member up ("" when Teams cannot be reached)."""
        known = self._addresses()
        if not known.get(user_id, {}).get("name"):
            try:
                self._reference(known, user_id)
            except RetryLater as error:
                log.warning("Teams: could not learn a person's name: %s", error)
        return known.get(user_id, {}).get("name") or ""

    # -- helpers -----------------------------------------------------------------------------

    def _addresses(self) -> dict[str, dict]:
        with self.session_factory() as session:
            return addresses.all_of(session, FRONT_END)

    def _msg(self, known: dict, user_id: str):
        return messages_for(known.get(user_id, {}).get("locale"), self.default_locale)

    @staticmethod
    def _name_of(known: dict):
        return lambda user_id: known.get(user_id, {}).get("name") or user_id

    def _reference(self, known: dict, user_id: str) -> dict:
        """The person's 1:1 chat with the bot, opened (and remembered, with their `29:` id and
        name as Teams gives them) when there is none yet."""
        reference = known.get(user_id, {}).get("reference")
        if reference:
            return reference
        reference = self.proactive.new_conversation(user_id)
        member = reference.get("user") or {}
        address = {"reference": reference}
        if member.get("name"):
            address["name"] = member["name"]
        if str(member.get("id", "")).startswith("29:"):
            address["mri"] = member["id"]
        with self.session_factory.begin() as session:
            addresses.remember(session, FRONT_END, user_id, address, self.clock())
        known[user_id] = address
        return reference

    def _send(self, known: dict, user_id: str, content: dict) -> str:
        return self.proactive.send(self._reference(known, user_id), content)

    def _send_each(self, known: dict, people, build, what: str) -> list[tuple[str, str]]:
        """A card to each person's 1:1 chat, in their language; where each went."""
        refs, failures = [], []
        for user_id in people:  # one failure keeps it from no one else
            content = build(self._msg(known, user_id), self._name_of(known))
            try:
                reference = self._reference(known, user_id)
                refs.append(
                    (reference["conversation"]["id"], self.proactive.send(reference, content))
                )
            except RetryLater as error:
                failures.append(error)
                log.error("%s did not reach %s: %s", what, user_id, error)
        if failures and not refs:
            raise failures[0]
        return refs

    def _update_each(self, card_refs, build) -> None:
        """Re-render a card in place wherever it was sent, in each reader's language."""
        known = self._addresses()
        by_conversation = {
            a["reference"]["conversation"]["id"]: a for a in known.values() if a.get("reference")
        }
        for conversation_id, activity_id in card_refs:
            address = by_conversation.get(conversation_id, {})
            msg = messages_for(address.get("locale"), self.default_locale)
            content = build(msg, self._name_of(known))
            self.proactive.update(self._at(address, conversation_id), activity_id, content)

    def _at(self, address: dict, conversation_id: str) -> dict:
        """Where a card posted earlier is: a person's chat, or one of the team channels."""
        if address.get("reference"):
            return address["reference"]
        kind = "channel" if self.channels.holds(conversation_id) else "personal"
        return self.proactive.reference_for(conversation_id, kind)
