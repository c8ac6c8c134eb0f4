"""The Slack notifier: every card and message the bot owes a person, through the Web API."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.approval.engagement_view import EngagementView
from bot.approval.snapshot import DraftSnapshot
from bot.features.feed import FeedItem
from bot.features.moderation_store import ItemView
from bot.messages import Messages
from bot.ports import NoticeMark, Refs, RetryLater
from handlers.slack.cards import (
    approval_card,
    approver_message,
    author_message,
    reminder_message,
    superseded_card,
)
from handlers.slack.delivery import NoticePoster, retry_later
from handlers.slack.engagement_blocks import engagement_card, requester_message
from handlers.slack.feed_blocks import feed_announcement
from handlers.slack.languages import SlackLanguages
from handlers.slack.moderation_blocks import failure_text, moderation_card
from handlers.slack.oversight import review_message, rotation_message
from handlers.slack.route_blocks import step_card

log = logging.getLogger(__name__)


class SlackNotifier:
    """Implements bot.ports.Notifier with the Slack Web API."""

    def __init__(
        self,
        client: WebClient,
        msg: Messages,
        approval_channel: str = "",
        installation: str = "",
        *,
        dry_run: tuple[str, ...] = (),
        moderation_channel: str = "",
        feed_channel: str = "",
        languages: SlackLanguages | None = None,
    ):
        self.client = client
        self.msg = msg  # for channels, and for everyone when `languages` is None
        self.languages = languages  # each person's own language
        self.approval_channel = approval_channel
        self.dry_run = dry_run  # networks engagements are only pretended on (no credentials)
        self.moderation_channel = moderation_channel
        self.feed_channel = feed_channel
        self.poster = NoticePoster(client, installation)  # new messages: marked, found again

    def post_card(
        self, draft: DraftSnapshot, notice: NoticeMark | None = None
    ) -> list[tuple[str, str]]:
        if not draft.approvers:
            raise RetryLater("no chief is registered: set SNSBOT_CHIEF or run `snsbot roles set`")
        reviewing = draft.at_review  # a review step's card goes to that step's people alone
        refs, failures = [], []
        for user_id in draft.approvers:  # one approver's failure does not keep it from the others
            msg = self._msg(user_id)
            text, blocks = (
                step_card(msg, draft, draft.route.step) if reviewing else approval_card(msg, draft)
            )
            try:
                refs.append(self._card_to(user_id, notice, text=text, blocks=blocks))
            except RetryLater as error:
                failures.append(error)
        if failures and not refs:
            raise failures[0]
        for error in failures:
            log.error("card %s reached only some approvers: %s", draft.id, error)
        if self.approval_channel and not reviewing:
            text, blocks = approval_card(self.msg, draft)
            try:
                refs.append(
                    self.poster.post(self.approval_channel, notice, text=text, blocks=blocks)
                )
            except RetryLater as error:
                log.error("card %s not posted to the approval channel: %s", draft.id, error)
        return refs

    def update_card(self, draft: DraftSnapshot) -> None:
        for channel, ts, revision in draft.card_refs:
            msg, step = self._reader_msg(channel), draft.step_of(channel, ts)
            if revision != draft.revision:
                text, blocks = superseded_card(msg, draft, revision)
            elif step is not None:  # a review step's card
                text, blocks = step_card(msg, draft, step)
            else:
                text, blocks = approval_card(msg, draft)
            self._send(self.client.chat_update, channel=channel, ts=ts, text=text, blocks=blocks)

    def tell_author(
        self, draft: DraftSnapshot, kind: str, notice: NoticeMark | None = None
    ) -> None:
        text, blocks = author_message(self._msg(draft.author_id), draft, kind)
        self.poster.post(draft.author_id, notice, text=text, blocks=blocks)

    def tell_approvers(
        self, draft: DraftSnapshot, kind: str, notice: NoticeMark | None = None
    ) -> None:
        for user_id in draft.approvers:  # on a retry, those already told are found, not told again
            text, blocks = approver_message(self._msg(user_id), draft, kind)
            self.poster.post(user_id, notice, text=text, blocks=blocks)

    # -- engagements (policy §7, §8) ------------------------------------------------------------

    def post_engagement_card(self, item: EngagementView, notice: NoticeMark | None = None) -> Refs:
        if not item.approvers:
            raise RetryLater("no chief is registered: set SNSBOT_CHIEF or run `snsbot roles set`")
        refs: Refs = []
        failures: list[tuple[str, RetryLater]] = []
        extra = (self.approval_channel,) if self.approval_channel else ()
        for channel in (*item.approvers, *extra):  # one failure keeps it from no one else
            text, blocks = engagement_card(self._msg(channel), item, self.dry_run)
            try:
                refs.append(self._card_to(channel, notice, text=text, blocks=blocks))
            except RetryLater as error:
                failures.append((channel, error))
        if failures and not refs:
            raise failures[0][1]
        for channel, error in failures:
            log.error("engagement card %s did not reach %s: %s", item.id, channel, error)
        return refs

    def update_engagement_card(self, item: EngagementView) -> None:
        for channel, ts in item.card_refs:
            text, blocks = engagement_card(self._reader_msg(channel), item, self.dry_run)
            self._send(self.client.chat_update, channel=channel, ts=ts, text=text, blocks=blocks)

    def tell_requester(
        self, item: EngagementView, kind: str, notice: NoticeMark | None = None
    ) -> None:
        text = requester_message(self._msg(item.requester_id), item, kind)
        self.poster.post(item.requester_id, notice, text=text)

    # -- the moderation inbox (policy §11) and the HP feed (§5(2)) ------------------------------

    def post_item(self, item: ItemView, notice: NoticeMark | None = None) -> Refs:
        if not self.moderation_channel:
            raise RetryLater("SNSBOT_MODERATION_CHANNEL is not set")
        text, blocks = moderation_card(self.msg, item)
        return [self.poster.post(self.moderation_channel, notice, text=text, blocks=blocks)]

    def update_item(self, item: ItemView) -> None:
        text, blocks = moderation_card(self.msg, item)
        for channel, ts in item.card_refs:
            self._send(self.client.chat_update, channel=channel, ts=ts, text=text, blocks=blocks)

    def tell_decider(self, item: ItemView, kind: str, notice: NoticeMark | None = None) -> None:
        self.poster.post(item.failed_by, notice, text=failure_text(self._msg(item.failed_by), item))

    def announce(
        self, item: FeedItem, members: tuple[str, ...], notice: NoticeMark | None = None
    ) -> None:
        """In the feed channel, or a DM to each member; raise when it reached nobody."""
        targets = (self.feed_channel,) if self.feed_channel else members
        if not targets:
            raise RetryLater("nobody to tell: set SNSBOT_HP_FEED_CHANNEL or register the staff")
        reached = 0
        for target in targets:  # on a retry, those already told are found, not told again
            text, blocks = feed_announcement(self._msg(target), item)
            try:
                self.poster.post(target, notice, text=text, blocks=blocks)
                reached += 1
            except RetryLater as error:
                log.error("HP update %s not announced to %s: %s", item.id, target, error)
        if not reached:
            raise RetryLater(f"HP update {item.id} reached nobody")

    # -- people ---------------------------------------------------------------------------------

    def remind(
        self, user_id: str, waiting: list[DraftSnapshot], notice: NoticeMark | None = None
    ) -> None:
        text, blocks = reminder_message(self._msg(user_id), waiting)
        self.poster.post(user_id, notice, text=text, blocks=blocks)

    def ask_review(self, user_id: str, items) -> None:
        text, blocks = review_message(self._msg(user_id), items)
        self._send(self.client.chat_postMessage, channel=user_id, text=text, blocks=blocks)

    def ask_rotation(self, user_id: str, items, notice: NoticeMark | None = None) -> None:
        text, blocks = rotation_message(self._msg(user_id), items)
        self.poster.post(user_id, notice, text=text, blocks=blocks)

    def tell_user(self, user_id: str, text: str) -> None:
        self._send(self.client.chat_postMessage, channel=user_id, text=text)

    def _msg(self, user_id: str) -> Messages:
        """The catalogue for the person (or channel) written to."""
        return self.languages.msg_for(user_id) if self.languages else self.msg

    def _reader_msg(self, channel: str) -> Messages:
        """The catalogue for whoever reads a card already posted in `channel`."""
        return self.languages.msg_for_channel(channel) if self.languages else self.msg

    def _card_to(self, user_id: str, notice: NoticeMark | None, **message) -> tuple[str, str]:
        """Post a card to `user_id`, keeping which DM it went to (its updates are worded for them)."""
        channel, ts = self.poster.post(user_id, notice, **message)
        if self.languages:
            self.languages.note_dm(user_id, channel)
        return channel, ts

    @staticmethod
    def _send(method, **arguments) -> None:
        try:
            method(**arguments)
        except SlackApiError as error:
            raise retry_later(error) from None
