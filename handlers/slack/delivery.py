"""Owed messages posted once: each carries its notice's identity and is found again after no answer."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from http.client import HTTPException

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RateLimitErrorRetryHandler

from bot.ports import NoticeMark, RetryLater

log = logging.getLogger(__name__)

EVENT_TYPE = "snsbot_notice"  # the message metadata's event_type
CLOCK_SKEW = timedelta(minutes=1)  # Slack's clock may be this much behind ours
PAGE_SIZE = 200
MAX_PAGES = 10  # messages looked through at most: PAGE_SIZE × MAX_PAGES
HISTORY_SCOPES = "im:history, channels:history and groups:history"


class NoAnswer(Exception):
    """A post Slack may have made: it did not answer, or answered with a server error."""


def retry_later(error: SlackApiError) -> RetryLater:
    """Slack's refusal, tried again later (after its Retry-After when it gave one)."""
    retry_after = error.response.headers.get("Retry-After") if error.response else None
    if isinstance(retry_after, list):
        retry_after = retry_after[0] if retry_after else None
    reason = error.response.get("error") if error.response else "unknown"
    return RetryLater(f"Slack said {reason}", float(retry_after) if retry_after else None)


def unanswered(error: Exception) -> bool:
    """Slack may have made the message: no answer in time, a broken connection, a server error."""
    if isinstance(error, SlackApiError):
        return error.response is not None and error.response.status_code >= 500
    return isinstance(error, (OSError, HTTPException))  # TimeoutError, URLError, reset…


def without_blind_retries(client: WebClient) -> WebClient:
    """A copy of `client` that repeats a request only when Slack refused it unread (429).

    A post left unanswered, or answered with a server error, may have been made: it is looked
    for (`NoticePoster`) rather than sent again blindly.
    """
    return WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        ssl=client.ssl,
        proxy=client.proxy,
        headers=client.headers,
        logger=client.logger,
        retry_handlers=[
            h for h in client.retry_handlers if isinstance(h, RateLimitErrorRetryHandler)
        ],
    )


class NoticePoster:
    """Posts owed messages marked with this installation's id and the notice's key.

    After an attempt that got no answer (now, or one before: `NoticeMark.tried_since`) it looks
    for a message carrying exactly that mark, posted since that attempt began, in the target
    conversation, and takes it instead of posting again. Without the history scopes it cannot
    look: it then says so in the log and posts again, as before.
    """

    def __init__(self, client: WebClient, installation: str):
        self.client = without_blind_retries(client)
        self.installation = installation  # "" marks nothing and never looks

    def post(self, channel: str, notice: NoticeMark | None, **message) -> tuple[str, str]:
        """Post `message` to `channel` (a user id: the bot's DM with them); where it went."""
        if notice is None or not self.installation:
            try:
                return self._post(channel, **message)
            except NoAnswer as error:
                raise RetryLater(str(error)) from None
        if notice.tried_since is not None:
            found = self.find(channel, notice, notice.tried_since)
            if found:
                return found
        started = datetime.now(UTC)
        try:
            return self._post(channel, metadata=self._metadata(notice), **message)
        except NoAnswer as error:
            found = self.find(channel, notice, notice.tried_since or started)
            if found:
                return found
            raise RetryLater(f"{error}; looked for before posting again") from None

    def _post(self, channel: str, **message) -> tuple[str, str]:
        try:
            reply = self.client.chat_postMessage(channel=channel, **message)
        except SlackApiError as error:
            if unanswered(error):
                raise NoAnswer(f"Slack answered HTTP {error.response.status_code}") from None
            raise retry_later(error) from None
        except (OSError, HTTPException) as error:
            raise NoAnswer(f"Slack did not answer ({type(error).__name__})") from None
        return reply["channel"], reply["ts"]

    def find(self, channel: str, notice: NoticeMark, since: datetime) -> tuple[str, str] | None:
        """(conversation, ts) of the message marked `notice` in `channel` posted since `since`.

        None when there is none, and when Slack will not let it be looked for (a missing scope,
        a channel given by name): the caller then posts, as it did before marks existed.
        """
        oldest = (since - CLOCK_SKEW).timestamp()
        try:
            conversation = self._conversation(channel)
            cursor = None
            for _ in range(MAX_PAGES):
                page = self.client.conversations_history(
                    channel=conversation,
                    oldest=f"{oldest:.6f}",
                    include_all_metadata=True,
                    limit=PAGE_SIZE,
                    cursor=cursor,
                )
                for message in page.get("messages") or ():
                    if self._carries(message, notice) and float(message["ts"]) > oldest:
                        return conversation, message["ts"]
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not page.get("has_more") or not cursor:
                    return None
        except SlackApiError as error:
            return self._cannot_look(error, notice, channel)
        except (OSError, HTTPException) as error:
            raise RetryLater(f"Slack did not answer: {type(error).__name__}") from None
        log.warning(
            "notice %s: more than %d messages in %s since its first attempt; not looked further",
            notice.key,
            PAGE_SIZE * MAX_PAGES,
            channel,
        )
        return None

    def _conversation(self, channel: str) -> str:
        """A user id's DM with the bot, as an id conversations.history takes (D…)."""
        if channel[:1] not in ("U", "W"):
            return channel
        return self.client.conversations_open(users=channel)["channel"]["id"]

    def _cannot_look(self, error: SlackApiError, notice: NoticeMark, channel: str) -> None:
        status = error.response.status_code if error.response is not None else 0
        if status == 429 or status >= 500:
            raise retry_later(error) from None
        reason = error.response.get("error") if error.response is not None else "unknown"
        if reason == "missing_scope":
            log.warning(
                "notice %s: cannot look in %s for the message an unanswered attempt may have "
                "posted: the Slack app lacks the scope %s (it needs %s; add them to the app and "
                "reinstall it). Posting it again, so it may appear twice.",
                notice.key,
                channel,
                error.response.get("needed") or "for conversations.history",
                HISTORY_SCOPES,
            )
        else:
            log.warning(
                "notice %s: cannot look in %s for the message an unanswered attempt may have "
                "posted (Slack said %s); posting it again, so it may appear twice.",
                notice.key,
                channel,
                reason,
            )
        return None

    def _metadata(self, notice: NoticeMark) -> dict:
        return {
            "event_type": EVENT_TYPE,
            "event_payload": {"installation": self.installation, "notice": notice.key},
        }

    def _carries(self, message: dict, notice: NoticeMark) -> bool:
        metadata = message.get("metadata") or {}
        payload = metadata.get("event_payload") or {}
        return (
            metadata.get("event_type") == EVENT_TYPE
            and payload.get("installation") == self.installation
            and payload.get("notice") == notice.key
        )
