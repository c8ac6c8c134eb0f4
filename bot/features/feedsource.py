"""Reading the Center HP feed: a conditional GET (requests) and parsing (feedparser)."""

from __future__ import annotations

import hashlib
import html
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

import feedparser
import requests

TIMEOUT_SECONDS = 20
MAX_BYTES = 5 * 1024 * 1024
KEY_MAX = 512
TITLE_MAX = 500
ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"


class FeedError(Exception):
    """The feed answered something other than 200 or 304, or too much."""


@dataclass(frozen=True)
class Fetched:
    status: int  # 200 or 304
    body: bytes = b""
    etag: str = ""
    last_modified: str = ""
    content_type: str = ""


class FeedFetcher(Protocol):
    """A conditional GET of `url` with the stored validators (empty when none)."""

    url: str

    def __call__(self, etag: str, last_modified: str) -> Fetched: ...


class HttpFeedFetcher:
    """A conditional GET of the feed URL with requests (If-None-Match / If-Modified-Since)."""

    def __init__(self, url: str, timeout: float = TIMEOUT_SECONDS, session=None):
        self.url = url
        self.timeout = timeout
        self.session = session or requests.Session()

    def __call__(self, etag: str, last_modified: str) -> Fetched:
        headers = {"User-Agent": "snsbot-feed-watcher", "Accept": ACCEPT}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        with self.session.get(self.url, headers=headers, timeout=self.timeout, stream=True) as r:
            if r.status_code == 304:
                return Fetched(304)
            if r.status_code != 200:
                raise FeedError(f"HTTP {r.status_code}")
            body = b""
            for chunk in r.iter_content(64 * 1024):
                body += chunk
                if len(body) > MAX_BYTES:
                    raise FeedError(f"the feed is larger than {MAX_BYTES} bytes")
            h = r.headers
            return Fetched(
                200, body, h.get("ETag", ""), h.get("Last-Modified", ""), h.get("Content-Type", "")
            )


@dataclass(frozen=True)
class Entry:
    key: str
    title: str
    link: str
    published_at: datetime | None


def _title(entry) -> str:
    """The entry's title as plain text (an Atom `type="html"` title loses its markup)."""
    title = entry.get("title") or ""
    if (entry.get("title_detail") or {}).get("type") in ("text/html", "application/xhtml+xml"):
        title = html.unescape(re.sub(r"<[^>]*>", "", title))
    return " ".join(title.split())


def parse(fetched: Fetched, url: str, untitled: str) -> list[Entry] | None:
    """The feed's entries (RSS or Atom) in feed order, or None when it is not a feed."""
    headers = {"content-location": url}
    if fetched.content_type:
        headers["content-type"] = fetched.content_type
    parsed = feedparser.parse(io.BytesIO(fetched.body), response_headers=headers)  # never fetches
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        return None  # an error page, an empty body, or not XML at all
    entries = []
    for e in parsed.entries:
        link = e.get("link") or ""
        key = (e.get("id") or link).strip()
        if not key:
            continue
        if len(key) > KEY_MAX:
            key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
        stamp = e.get("published_parsed") or e.get("updated_parsed")
        entries.append(
            Entry(
                key=key,
                title=(_title(e) or untitled)[:TITLE_MAX],
                link=link if link.startswith(("http://", "https://")) else "",
                published_at=datetime(*stamp[:6], tzinfo=UTC) if stamp else None,
            )
        )
    return entries
