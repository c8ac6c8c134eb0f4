"""A fake center website on 127.0.0.1 serving an RSS or Atom feed, with conditional GETs."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler
from xml.sax.saxutils import escape

from fakes import base
from fakes.base import Answer, FakeServer, send

FEED_PATH = "/feed.xml"


@dataclass(frozen=True)
class Page:
    """One page of the site as its feed lists it."""

    title: str
    link: str
    published: datetime
    guid: str = ""


@dataclass
class Request:
    """One request the site received, and the status it answered."""

    path: str
    headers: dict[str, str]
    status: int = 0


def rss(pages: list[Page]) -> bytes:
    """An RSS 2.0 document, newest first, as CMSs write them."""
    items = "".join(
        f"<item><title>{escape(p.title)}</title><link>{escape(p.link)}</link>"
        + (f'<guid isPermaLink="false">{escape(p.guid)}</guid>' if p.guid else "")
        + f"<pubDate>{format_datetime(p.published)}</pubDate></item>"
        for p in pages
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        "<title>和光市市民協働推進センター</title><link>https://example.jp/</link>"
        f"<description>お知らせ</description>{items}</channel></rss>"
    ).encode()


def atom(pages: list[Page]) -> bytes:
    """An Atom 1.0 document, newest first."""
    entries = "".join(
        f"<entry><title>{escape(p.title)}</title>"
        f'<link rel="alternate" href="{escape(p.link)}"/>'
        f"<id>{escape(p.guid or p.link)}</id>"
        f"<updated>{p.published.isoformat()}</updated></entry>"
        for p in pages
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>和光市市民協働推進センター</title><id>urn:example:center</id>"
        f"<updated>{datetime.now(UTC).isoformat()}</updated>{entries}</feed>"
    ).encode()


@dataclass
class _Document:
    body: bytes
    content_type: str
    etag: str
    last_modified: datetime
    extra: dict = field(default_factory=dict)


class FakeHomepage(FakeServer[Request]):
    """Serves `FEED_PATH`; answers 304 to a matching If-None-Match or If-Modified-Since."""

    methods = ("GET",)

    def __init__(self, *, etag: bool = True, last_modified: bool = True):
        super().__init__()
        self.send_etag, self.send_last_modified = etag, last_modified
        self.status = 200  # set to 500 to make the site fail
        self.honour_conditional = True
        self._doc = _Document(b"", "text/plain", '""', datetime.now(UTC).replace(microsecond=0))

    @property
    def url(self) -> str:
        return f"{self.root_url}{FEED_PATH}"

    @property
    def requests(self) -> list[Request]:
        """The requests received so far, in order."""
        return self.calls()

    def publish(self, body: bytes, content_type: str = "application/rss+xml") -> None:
        """Replace the feed document; it gets a new ETag and Last-Modified (to the second)."""
        with self._lock:
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            moment = datetime.now(UTC).replace(microsecond=0)
            if moment <= self._doc.last_modified:  # two edits in one second still differ
                moment = self._doc.last_modified + timedelta(seconds=1)
            self._doc = _Document(body, content_type, etag, moment)

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        received = base.Request.read(handler)
        request = Request(received.target, received.headers)
        with self._lock:
            answer = self._answer(request, self._doc)
            request.status = answer.status
            self._record(request)
        send(handler, answer)

    def _answer(self, request: Request, doc: _Document) -> Answer:
        if request.path != FEED_PATH:
            return Answer(404, b"not found", "text/plain")
        if self.status != 200:
            return Answer(self.status, b"<h1>Internal Server Error</h1>", "text/html")
        content_type = f"{doc.content_type}; charset=utf-8"
        headers = {}
        if self.send_etag:
            headers["ETag"] = doc.etag
        if self.send_last_modified:
            headers["Last-Modified"] = format_datetime(doc.last_modified, usegmt=True)
        if self.honour_conditional and self._unchanged(request.headers, doc):
            return Answer(304, b"", content_type, headers)
        return Answer(200, doc.body, content_type, headers)

    def _unchanged(self, headers: dict[str, str], doc: _Document) -> bool:
        if self.send_etag and "if-none-match" in headers:
            return headers["if-none-match"] == doc.etag
        since = headers.get("if-modified-since")
        if self.send_last_modified and since:
            try:
                return parsedate_to_datetime(since) >= doc.last_modified
            except (TypeError, ValueError):
                return False
        return False
