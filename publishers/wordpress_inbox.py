"""WordPress moderation inbox: the blog's recent approved comments, and moving one to the trash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.ports import COMMENT, DELETE, REPLY, Item, PermanentError
from publishers.inbox import parse_time, plain_text
from publishers.wordpress import WordPressConfig, WordPressPublisher

COMMENTS = "wp/v2/comments"
PER_PAGE = 50
POLL_MINUTES = 5
FIELDS = "id,post,parent,author,author_name,date_gmt,content,link,status"
# WordPress may compare `after` with the site's local time: ask from a day earlier and filter.
AFTER_SLACK = timedelta(days=1)


class WordPressInbox:
    """Reads `GET wp/v2/comments`; trashes with `DELETE wp/v2/comments/{id}` (no `force`)."""

    name = "blog"
    poll_minutes = POLL_MINUTES

    def __init__(self, config: WordPressConfig, *, publisher: WordPressPublisher | None = None):
        # The publisher finds the API root (`/wp-json/` or `?rest_route=`), authenticates with
        # the Application Password and maps WordPress's errors to ours; the inbox reuses it.
        self._wp = publisher or WordPressPublisher(config)

    def fetch(self, since: datetime) -> list[Item]:
        after = (since - AFTER_SLACK).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        params = {
            "per_page": PER_PAGE,
            "orderby": "date_gmt",
            "order": "desc",
            "after": after,
            "_fields": FIELDS,
        }
        found = self._wp.call("GET", COMMENTS, params=params)
        items = []
        for comment in found if isinstance(found, list) else []:
            item = self._item(comment)
            if item is not None and item.posted_at >= since:
                items.append(item)
        return items

    def delete(self, item: Item) -> None:
        """Move the comment to the trash (WordPress keeps it 30 days; it can be restored)."""
        answer = self._wp.call("DELETE", f"{COMMENTS}/{item.remote_id}")
        if not isinstance(answer, dict) or answer.get("status") != "trash":
            raise PermanentError("moderation.error.not_done")

    def _item(self, comment) -> Item | None:
        if not isinstance(comment, dict) or "id" not in comment:
            return None
        posted_at = parse_time(comment.get("date_gmt"))
        if posted_at is None or comment.get("status", "approved") not in ("approved", "approve"):
            return None
        content = comment.get("content")
        rendered = content.get("rendered", "") if isinstance(content, dict) else ""
        return Item(
            remote_id=str(comment["id"]),
            kind=REPLY if comment.get("parent") else COMMENT,
            author=str(comment.get("author_name") or ""),
            author_id=str(comment.get("author") or ""),
            text=plain_text(rendered),
            url=str(comment.get("link") or ""),
            posted_at=posted_at,
            actions=(DELETE,),
        )
