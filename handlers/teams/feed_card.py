"""The HP feed announcement for Teams (policy §5(2)): the entry and its 下書きを作成 button."""

from __future__ import annotations

from bot.features.feed import FeedItem
from bot.messages import Messages
from handlers.teams import ids
from handlers.teams.cards import card, dialog_button, run, runs, text
from handlers.teams.text import rich


def feed_card(msg: Messages, item: FeedItem) -> dict:
    """The title (as a TextRun), its link, the HP's date and the button opening the draft form."""
    body = [rich(msg, "feed.announced", {"title": item.title}, {"weight": "bolder"})]
    if item.link:
        body.append(runs(run(item.link, item.link)))
    if item.published_at:
        when = msg.time(item.published_at)
        body.append(text(msg("feed.published", when=when), isSubtle=True, size="small"))
    body.append(text(msg("feed.hint"), isSubtle=True, size="small"))
    button = dialog_button(msg, "button.feed_draft", ids.FEED_DRAFT, {"entry": item.id})
    return card(body, [button])
