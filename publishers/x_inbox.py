"""X moderation inbox: mentions and replies of the center's account, and hiding a reply."""

from __future__ import annotations

from datetime import datetime

from bot.ports import HIDE, MENTION, REPLY, Item, PermanentError
from publishers.inbox import clip
from publishers.x import XConfig, XPublisher, mapped_errors

MAX_RESULTS = 100  # per request (X allows 5 to 100)
POLL_MINUTES = 15  # X's smallest plans allow one mentions request per 15 minutes


class XInbox:
    """Reads `GET /2/users/{id}/mentions`; hides replies with `PUT /2/tweets/{id}/hidden`.

    X offers no block endpoint any more (tweepy removed `Client.block`), no delete of others'
    posts, and snsbot never replies or sends direct messages: hiding is all there is.
    """

    name = "x"
    poll_minutes = POLL_MINUTES

    def __init__(self, config: XConfig, *, publisher: XPublisher | None = None):
        # The publisher's tweepy client already sends X's hosts to X_API_URL, re-signed.
        self._x = publisher or XPublisher(config)
        self._secrets = config.secrets

    def fetch(self, since: datetime) -> list[Item]:
        me = self._x.account_id()  # refuses to read another account's mentions
        with mapped_errors(self._secrets):
            response = self._x.client.get_users_mentions(
                me,
                start_time=since,
                max_results=MAX_RESULTS,
                tweet_fields=["created_at", "author_id", "conversation_id", "referenced_tweets"],
                expansions=["author_id"],
                user_fields=["username", "name"],
                user_auth=True,
            )
        users = {str(u.id): u for u in (response.includes or {}).get("users", [])}
        items = []
        for tweet in response.data or ():
            author_id = str(tweet.author_id or "")
            if author_id == me:
                continue  # the center's own posts are not moderated
            user = users.get(author_id)
            username = user.username if user else ""
            replied = any(r.type == "replied_to" for r in tweet.referenced_tweets or ())
            items.append(
                Item(
                    remote_id=str(tweet.id),
                    kind=REPLY if replied else MENTION,
                    author=f"{user.name} (@{username})" if user else "",
                    author_id=author_id,
                    text=clip(tweet.text or ""),
                    url=f"https://x.com/{username or 'i/web'}/status/{tweet.id}",
                    posted_at=tweet.created_at or since,
                    # X hides replies only, in threads the account started.
                    actions=(HIDE,) if replied else (),
                )
            )
        return items

    def hide(self, item: Item) -> None:
        with mapped_errors(self._secrets):
            response = self._x.client.hide_reply(item.remote_id, user_auth=True)
        data = getattr(response, "data", None) or {}
        if data.get("hidden") is not True:
            raise PermanentError("moderation.error.not_done")
