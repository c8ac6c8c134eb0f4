"""HP feed announcements in Slack (policy §5(2)) and their 下書きを作成 button."""

from __future__ import annotations

import logging
import re

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import ActionsBlock, ContextBlock, MarkdownTextObject, SectionBlock

from bot import feed, roles
from bot.config import CHANNELS
from bot.drafts import DraftInput
from bot.feed import FeedItem
from bot.messages import Messages
from bot.notifier import RetryLater
from handlers.slack.blocks import button, esc, link_target
from handlers.slack.drafting import open_draft_modal
from handlers.slack.replies import not_operator_text, tell
from handlers.slack.wiring import SERVICES

log = logging.getLogger(__name__)

FEED_DRAFT = "feed_draft"  # button on an announcement; value = the FeedEntry row id
ENTRY_ID = re.compile(r"[0-9]{1,12}")  # ASCII digits only: "２" names nothing


def feed_announcement(msg: Messages, item: FeedItem) -> tuple[str, list[dict]]:
    """(fallback text, blocks): the title, the link, and the 下書きを作成 button."""
    text = msg("feed.announced", title=esc(item.title))
    line = msg("feed.announced", title=f"*{esc(item.title)}*")
    if item.link:
        text += "\n" + esc(item.link)
        line += f"\n<{link_target(item.link)}>"
    notes = [msg("feed.hint")]
    if item.published_at:
        notes.insert(0, msg("feed.published", when=msg.time(item.published_at)))
    blocks = [
        SectionBlock(text=line),
        ContextBlock(elements=[MarkdownTextObject(text=n) for n in notes]),
        ActionsBlock(
            block_id=f"{FEED_DRAFT}:{item.id}",
            elements=[button(msg, FEED_DRAFT, "button.feed_draft", str(item.id), "primary")],
        ),
    ]
    return text, [b.to_dict() for b in blocks]


class SlackFeedNotifier:
    """Implements bot.feed.FeedNotifier: one post in the feed channel, or a DM to each member."""

    def __init__(self, client: WebClient, msg: Messages, channel: str = ""):
        self.client = client
        self.msg = msg
        self.channel = channel

    def announce(self, item: FeedItem, members: tuple[str, ...]) -> None:
        text, blocks = feed_announcement(self.msg, item)
        targets = (self.channel,) if self.channel else members
        if not targets:
            raise RetryLater("nobody to tell: set SNSBOT_HP_FEED_CHANNEL or register the staff")
        failed = []
        for target in targets:
            try:
                self.client.chat_postMessage(channel=target, text=text, blocks=blocks)
            except SlackApiError as error:
                failed.append(target)
                log.error("HP update %s not announced to %s: %s", item.id, target, error)
        if len(failed) == len(targets):
            raise RetryLater(f"HP update {item.id} reached nobody")


def feed_draft_clicked(ack, body, action, client, respond, context):
    ack()
    services = context[SERVICES]
    value = str(action.get("value") or "")
    with services.session_factory() as session:
        if roles.role_of(session, body["user"]["id"]) is None:
            return tell(body, client, respond, not_operator_text(services, session))
        entry = feed.item(session, int(value)) if ENTRY_ID.fullmatch(value) else None
    if entry is None:
        return tell(body, client, respond, services.msg("feed.not_found"))
    initial = DraftInput(body=entry.title, channels=CHANNELS, source="hp_update", url=entry.link)
    open_draft_modal(services, client, body["trigger_id"], initial=initial)
