"""The Slack notifier: posts and updates approval cards and direct-messages authors."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.messages import Messages
from bot.notifier import RetryLater
from bot.snapshot import DraftSnapshot
from handlers.slack.cards import (
    approval_card,
    approver_message,
    author_message,
    reminder_message,
    superseded_card,
)
from handlers.slack.oversight import review_message, rotation_message

log = logging.getLogger(__name__)


def _retry_later(error: SlackApiError) -> RetryLater:
    retry_after = error.response.headers.get("Retry-After") if error.response else None
    if isinstance(retry_after, list):
        retry_after = retry_after[0] if retry_after else None
    reason = error.response.get("error") if error.response else "unknown"
    return RetryLater(f"Slack said {reason}", float(retry_after) if retry_after else None)


class SlackNotifier:
    """Implements bot.notifier.Notifier with the Slack Web API."""

    def __init__(self, client: WebClient, msg: Messages, approval_channel: str = ""):
        self.client = client
        self.msg = msg
        self.approval_channel = approval_channel

    def post_card(self, draft: DraftSnapshot) -> list[tuple[str, str]]:
        if not draft.approvers:
            raise RetryLater("no chief is registered: set SNSBOT_CHIEF or run `snsbot roles set`")
        text, blocks = approval_card(self.msg, draft)
        refs = []
        try:
            for user_id in draft.approvers:
                reply = self.client.chat_postMessage(channel=user_id, text=text, blocks=blocks)
                refs.append((reply["channel"], reply["ts"]))
        except SlackApiError as error:
            if not refs:
                raise _retry_later(error) from None
            log.error("card %s reached only some approvers: %s", draft.id, error)
        if self.approval_channel:
            try:
                reply = self.client.chat_postMessage(
                    channel=self.approval_channel, text=text, blocks=blocks
                )
                refs.append((reply["channel"], reply["ts"]))
            except SlackApiError as error:
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

    def tell_author(self, draft: DraftSnapshot, kind: str) -> None:
        text, blocks = author_message(self.msg, draft, kind)
        self._send(self.client.chat_postMessage, channel=draft.author_id, text=text, blocks=blocks)

    def tell_approvers(self, draft: DraftSnapshot, kind: str) -> None:
        text, blocks = approver_message(self.msg, draft, kind)
        for user_id in draft.approvers:
            self._send(self.client.chat_postMessage, channel=user_id, text=text, blocks=blocks)

    def remind(self, user_id: str, waiting: list[DraftSnapshot]) -> None:
        text, blocks = reminder_message(self.msg, waiting)
        self._send(self.client.chat_postMessage, channel=user_id, text=text, blocks=blocks)

    def ask_review(self, user_id: str, items) -> None:
        text, blocks = review_message(self.msg, items)
        self._send(self.client.chat_postMessage, channel=user_id, text=text, blocks=blocks)

    def ask_rotation(self, user_id: str, items) -> None:
        text, blocks = rotation_message(self.msg, items)
        self._send(self.client.chat_postMessage, channel=user_id, text=text, blocks=blocks)

    def tell_user(self, user_id: str, text: str) -> None:
        self._send(self.client.chat_postMessage, channel=user_id, text=text)

    @staticmethod
    def _send(method, **arguments) -> None:
        try:
            method(**arguments)
        except SlackApiError as error:
            raise _retry_later(error) from None
