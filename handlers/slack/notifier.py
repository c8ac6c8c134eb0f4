"""The Slack notifier: posts and updates approval cards and direct-messages authors."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.messages import Messages
from bot.notifier import NoticeMark, RetryLater
from bot.snapshot import DraftSnapshot
from handlers.slack.cards import (
    approval_card,
    approver_message,
    author_message,
    reminder_message,
    superseded_card,
)
from handlers.slack.delivery import NoticePoster, retry_later
from handlers.slack.oversight import review_message, rotation_message

log = logging.getLogger(__name__)


class SlackNotifier:
    """Implements bot.notifier.Notifier with the Slack Web API."""

    def __init__(
        self, client: WebClient, msg: Messages, approval_channel: str = "", installation: str = ""
    ):
        self.client = client
        self.msg = msg
        self.approval_channel = approval_channel
        self.poster = NoticePoster(client, installation)  # new messages: marked, found again

    def post_card(
        self, draft: DraftSnapshot, notice: NoticeMark | None = None
    ) -> list[tuple[str, str]]:
        if not draft.approvers:
            raise RetryLater("no chief is registered: set SNSBOT_CHIEF or run `snsbot roles set`")
        text, blocks = approval_card(self.msg, draft)
        refs, failures = [], []
        for user_id in draft.approvers:  # one approver's failure does not keep it from the others
            try:
                refs.append(self.poster.post(user_id, notice, text=text, blocks=blocks))
            except RetryLater as error:
                failures.append(error)
        if failures and not refs:
            raise failures[0]
        for error in failures:
            log.error("card %s reached only some approvers: %s", draft.id, error)
        if self.approval_channel:
            try:
                refs.append(
                    self.poster.post(self.approval_channel, notice, text=text, blocks=blocks)
                )
            except RetryLater as error:
                log.error("card %s not posted to the approval channel: %s", draft.id, error)
        return refs

    def update_card(self, draft: DraftSnapshot) -> None:
        current = approval_card(self.msg, draft)
        for channel, ts, revision in draft.card_refs:
            text, blocks = (
                current
                if revision == draft.revision
                else superseded_card(self.msg, draft, revision)
            )
            self._send(self.client.chat_update, channel=channel, ts=ts, text=text, blocks=blocks)

    def tell_author(
        self, draft: DraftSnapshot, kind: str, notice: NoticeMark | None = None
    ) -> None:
        text, blocks = author_message(self.msg, draft, kind)
        self.poster.post(draft.author_id, notice, text=text, blocks=blocks)

    def tell_approvers(
        self, draft: DraftSnapshot, kind: str, notice: NoticeMark | None = None
    ) -> None:
        text, blocks = approver_message(self.msg, draft, kind)
        for user_id in draft.approvers:  # on a retry, those already told are found, not told again
            self.poster.post(user_id, notice, text=text, blocks=blocks)

    def remind(
        self, user_id: str, waiting: list[DraftSnapshot], notice: NoticeMark | None = None
    ) -> None:
        text, blocks = reminder_message(self.msg, waiting)
        self.poster.post(user_id, notice, text=text, blocks=blocks)

    def ask_review(self, user_id: str, items) -> None:
        text, blocks = review_message(self.msg, items)
        self._send(self.client.chat_postMessage, channel=user_id, text=text, blocks=blocks)

    def ask_rotation(self, user_id: str, items, notice: NoticeMark | None = None) -> None:
        text, blocks = rotation_message(self.msg, items)
        self.poster.post(user_id, notice, text=text, blocks=blocks)

    def tell_user(self, user_id: str, text: str) -> None:
        self._send(self.client.chat_postMessage, channel=user_id, text=text)

    @staticmethod
    def _send(method, **arguments) -> None:
        try:
            method(**arguments)
        except SlackApiError as error:
            raise retry_later(error) from None
