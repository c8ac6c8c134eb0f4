"""Facebook moderation inbox: comments on the Page's recent posts; hide, delete, ban the author."""

from __future__ import annotations

import json
from datetime import datetime

from bot.ports import BLOCK, COMMENT, DELETE, HIDE, REPLY, Item, PermanentError
from publishers.facebook import FacebookConfig, FacebookPublisher, permalink
from publishers.inbox import clip, parse_time

RECENT_POSTS = 10  # the Page's latest posts whose comments are read
COMMENTS_PER_POST = 50
POLL_MINUTES = 5
COMMENT_FIELDS = "id,message,from,created_time,permalink_url,parent{id}"
# Field expansion: every comment (replies to comments too), newest first.
FEED_FIELDS = (
    f"id,comments.filter(stream).order(reverse_chronological).limit({COMMENTS_PER_POST})"
    f"{{{COMMENT_FIELDS}}}"
)


class FacebookInbox:
    """Reads `GET /{page}/feed` with comments; `POST /{comment}` is_hidden, `DELETE /{comment}`,
    and `POST /{page}/blocked` (a Page ban) with the Page token of the publisher."""

    name = "facebook"
    poll_minutes = POLL_MINUTES

    def __init__(self, config: FacebookConfig, *, publisher: FacebookPublisher | None = None):
        # The publisher's one-request helper maps Graph errors to ours and keeps the token in
        # a header; the inbox reuses it rather than repeat it.
        self._fb = publisher or FacebookPublisher(config)
        self._page = config.page_id

    def fetch(self, since: datetime) -> list[Item]:
        params = {"fields": FEED_FIELDS, "limit": RECENT_POSTS}
        body = self._fb.call("GET", f"{self._page}/feed", params=params)
        items = []
        for post in body.get("data") or []:
            comments = (post.get("comments") or {}).get("data") if isinstance(post, dict) else None
            for comment in comments or []:
                item = self._item(comment)
                if item is not None and item.posted_at >= since:
                    items.append(item)
        return items

    def hide(self, item: Item) -> None:
        self._expect_success(self._fb.call("POST", item.remote_id, data={"is_hidden": "true"}))

    def delete(self, item: Item) -> None:
        self._expect_success(self._fb.call("DELETE", item.remote_id))

    def block(self, item: Item) -> None:
        """Ban the comment's author from the Page (policy §11 only: see bot.approval.moderation)."""
        data = {"user": json.dumps([item.author_id])}
        answer = self._fb.call("POST", f"{self._page}/blocked", data=data)
        if answer.get(item.author_id) is not True:
            raise PermanentError("moderation.error.not_done")

    def _item(self, comment) -> Item | None:
        if not isinstance(comment, dict) or not comment.get("id"):
            return None
        author = comment.get("from") if isinstance(comment.get("from"), dict) else {}
        author_id = str(author.get("id") or "")
        if author_id == self._page:
            return None  # the Page's own comments are not moderated
        posted_at = parse_time(comment.get("created_time"))
        if posted_at is None:
            return None
        url = comment.get("permalink_url")
        comment_id = str(comment["id"])
        return Item(
            remote_id=comment_id,
            kind=REPLY if comment.get("parent") else COMMENT,
            author=str(author.get("name") or ""),
            author_id=author_id,
            text=clip(str(comment.get("message") or "")),
            url=url
            if isinstance(url, str) and url.startswith("https://")
            else permalink(comment_id),
            posted_at=posted_at,
            # Without the author's id (Graph may withhold it) there is nobody to ban.
            actions=(HIDE, DELETE, BLOCK) if author_id else (HIDE, DELETE),
        )

    def _expect_success(self, answer: dict) -> None:
        if answer.get("success") is not True:
            raise PermanentError("moderation.error.not_done")
