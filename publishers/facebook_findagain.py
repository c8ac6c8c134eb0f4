"""Finding a Page post again in the Page's feed: the feed query and which item is the post."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, unquote, urlsplit

from bot.ports import Post, made_in_window, window_start

FEED_LOOKBACK = 25  # posts searched by find()
# A post's link is read from its attachments (Post.link is deprecated since Graph v3.3):
# `unshimmed_url` is the link as given, `url` may be Facebook's l.facebook.com redirect to it.
FEED_FIELDS = "id,message,created_time,permalink_url,attachments{unshimmed_url,url}"


def feed_query(post: Post) -> dict:
    """The `GET /{page}/feed` parameters: the recent posts, since the post's first attempt."""
    params = {"fields": FEED_FIELDS, "limit": FEED_LOOKBACK}
    start = window_start(post)
    if start is not None:
        params["since"] = int(start.timestamp())
    return params


def matching_item(feed: dict, post: Post, text: str) -> dict | None:
    """The first feed item (with an id) that is this post, `text` being how the post reads."""
    for item in feed.get("data") or []:
        if isinstance(item, dict) and item.get("id") and _same_post(post, text, item):
            return item
    return None


def _same_post(post: Post, text: str, item: dict) -> bool:
    """Whether a feed item is this post: made in its window, with its message and its link.

    A link post carries the message and the link as an attachment; a photo post (or a post
    whose message already holds the link) carries the text with the link in it.
    """
    if not made_in_window(_graph_time(item.get("created_time")), post):
        return False
    message = _norm(item.get("message"))
    link = (post.payload.get("link") or "").strip()
    if message == _norm(text) and (not link or link in (item.get("message") or "")):
        return True
    if message != _norm(post.payload.get("message")):
        return False
    return not link or _bare(link) in _attached_links(item)


def _attached_links(item: dict) -> set[str]:
    """The links a feed item's attachments point at (Facebook's redirect undone)."""
    attachments = item.get("attachments")
    data = attachments.get("data") if isinstance(attachments, dict) else None
    links = set()
    for attachment in data if isinstance(data, list) else []:
        if not isinstance(attachment, dict):
            continue
        for key in ("unshimmed_url", "url"):
            value = attachment.get(key)
            if isinstance(value, str) and value:
                links.add(_bare(_unshim(value)))
    return links


def _unshim(url: str) -> str:
    """The target of an `l.facebook.com/l.php?u=…` redirect, else the URL itself."""
    parts = urlsplit(url)
    if parts.netloc.endswith("facebook.com") and parts.path == "/l.php":
        target = parse_qs(parts.query).get("u")
        if target:
            return target[0]
    return url


def _bare(url: str) -> str:
    return unquote(re.sub(r"^https?://", "", url.strip(), flags=re.IGNORECASE)).rstrip("/")


def _graph_time(value) -> datetime | None:
    """A Graph timestamp (`2026-05-01T03:00:00+0000`) as an aware datetime, None if unreadable."""
    try:
        moment = datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None
    return moment.astimezone(UTC)


def _norm(text) -> str:
    return " ".join(str(text or "").split())
