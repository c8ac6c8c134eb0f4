"""The Slack notifier: posts and updates approval cards and direct-messages authors."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.messages import Messages
from bot.notifier import RetryLater
from bot.snapshot import DraftSnapshot
from handlers.slack.blocks import approval_card, author_message

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
        text, blocks = approval_card(self.msg, draft)
        for channel, ts in draft.card_refs:
            try:
                self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
            except SlackApiError as error:
                raise _retry_later(error) from None

    def tell_author(self, draft: DraftSnapshot, kind: str) -> None:
        text, blocks = author_message(self.msg, draft, kind)
        try:
            self.client.chat_postMessage(channel=draft.author_id, text=text, blocks=blocks)
        except SlackApiError as error:
            raise _retry_later(error) from None

    def tell_user(self, user_id: str, text: str) -> None:
        try:
            self.client.chat_postMessage(channel=user_id, text=text)
        except SlackApiError as error:
            raise _retry_later(error) from None
