"""A fake AtomPub (RFC 5023) blog shaped like Hatena Blog, over real HTTP on 127.0.0.1, with WSSE."""

from __future__ import annotations

import base64
import hashlib
import itertools
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from fakes.base import Answer
from fakes.wordpress import ANY, BlogServer, Call

__all__ = ["ANY", "FakeAtomPub", "text_answer"]

USER = "wakokyodo"
API_KEY = "hatena-api-key-0123456789"
BLOG = "wakokyodo.hatenablog.com"
ATOM, APP = "http://www.w3.org/2005/Atom", "http://www.w3.org/2007/app"
HATENA = "http://www.hatena.ne.jp/info/xmlns#hatenablog"
NAMESPACES = {"": ATOM, "app": APP, "hatenablog": HATENA}
ATOM_TYPE = "application/atom+xml; charset=utf-8"

#: Endpoint names for `fail_next()`, `delay()` and `calls()`.
SERVICE, FEED, POST, MEMBER, OTHER = "service", "feed", "post", "member", "other"


def text_answer(status: int, text: str = "", headers: dict[str, str] | None = None) -> Answer:
    return Answer(status, text.encode(), "text/plain; charset=utf-8", headers or {})


def _q(tag: str) -> str:
    """Clark notation for "title", "app:draft", "hatenablog:custom-url"."""
    prefix, _, name = tag.rpartition(":")
    return "{" + NAMESPACES[prefix] + "}" + name


class FakeAtomPub(BlogServer):
    """Hatena-like AtomPub: service document, collection feed (GET/POST), members; WSSE checked."""

    def __init__(self, *, user=USER, api_key=API_KEY, blog=BLOG, custom_urls=True, page_size=10):
        super().__init__()
        self.user, self.api_key, self.blog = user, api_key, blog
        #: False: <hatenablog:custom-url> is ignored (a generic AtomPub server).
        self.custom_urls = custom_urls
        self.page_size = page_size
        self.entries: list[dict] = []  # oldest first
        self.title = "Fake Hatena Blog"  # the workspace's title (the blog's name, policy §2)
        self.auth_failures: list[str] = []
        self._nonces: set[str] = set()
        self._ids = itertools.count(8599973812000000001)

    def add_entry(self, title: str, custom_url: str, published: datetime) -> dict:
        """Put an entry on the blog directly (as if made elsewhere, at `published`)."""
        stamp = published.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
        entry = {
            "id": str(next(self._ids)),
            "title": title,
            "title_type": "text",
            "content": "",
            "content_type": "text/html",
            "draft": "no",
            "updated": stamp,
            "published": stamp,
            "custom_url": custom_url,
            "path": custom_url,
        }
        self.entries.append(entry)
        return entry

    @property
    def service_url(self) -> str:
        return f"{self.root_url}/{self.user}/{self.blog}/atom"

    @property
    def collection_url(self) -> str:
        return self.service_url + "/entry"

    def _endpoint(self, call: Call, path: str) -> str:
        base = f"/{self.user}/{self.blog}/atom"
        if path == base and call.method == "GET":
            return SERVICE
        if path == base + "/entry":
            return {"GET": FEED, "POST": POST}.get(call.method, OTHER)
        if path.startswith(base + "/entry/") and call.method == "GET":
            return MEMBER
        return OTHER

    def _wsse_problem(self, call: Call) -> str | None:
        """Why the X-WSSE header is not acceptable, or None; the digest is recomputed."""
        fields = dict(re.findall(r'(\w+)="([^"]*)"', call.headers.get("x-wsse", "")))
        if not call.headers.get("x-wsse", "").startswith("UsernameToken "):
            return "no UsernameToken"
        if fields.get("Username") != self.user:
            return "wrong user"
        try:
            nonce = base64.b64decode(fields["Nonce"], validate=True)
            created = datetime.fromisoformat(fields["Created"].replace("Z", "+00:00"))
        except (KeyError, ValueError):
            return "bad nonce or created"
        if created.tzinfo is None or abs(datetime.now(UTC) - created) > timedelta(minutes=5):
            return "created too far from now"
        expected = hashlib.sha1(nonce + fields["Created"].encode() + self.api_key.encode()).digest()
        if fields.get("PasswordDigest") != base64.b64encode(expected).decode():
            return "wrong digest"
        if fields["Nonce"] in self._nonces:
            return "nonce used twice"
        self._nonces.add(fields["Nonce"])
        return None

    def _answer(self, call: Call, path: str) -> Answer:
        if call.endpoint == OTHER:
            return text_answer(404, "404 Not Found")
        problem = self._wsse_problem(call)
        if problem:
            self.auth_failures.append(problem)
            return text_answer(401, "401 Unauthorized")
        if call.endpoint == SERVICE:
            return self._service()
        if call.endpoint == FEED:
            return self._xml(self._feed())
        if call.endpoint == MEMBER:
            entry_id = path.rsplit("/", 1)[-1]
            found = [e for e in self.entries if e["id"] == entry_id]
            return self._xml(self._entry(found[0])) if found else text_answer(404, "404 Not Found")
        if not call.headers.get("content-type", "").startswith("application/atom+xml"):
            return text_answer(415, "Unsupported Media Type")
        try:
            root = ET.fromstring(call.body)
        except ET.ParseError:
            return text_answer(400, "400 Bad Request: invalid XML")
        if root.tag != _q("entry"):
            return text_answer(400, "400 Bad Request: not an entry")
        content = root.find(_q("content"))
        entry_id = str(next(self._ids))
        now = datetime.now(UTC)
        custom = (
            (root.findtext(_q("hatenablog:custom-url")) or "").strip() if self.custom_urls else ""
        )
        title = root.find(_q("title"))
        entry = {
            "id": entry_id,
            "title": root.findtext(_q("title")) or "",
            "title_type": title.get("type", "text") if title is not None else "text",
            "content": (content.text or "") if content is not None else "",
            "content_type": content.get("type", "") if content is not None else "",
            "draft": root.findtext(f"{_q('app:control')}/{_q('app:draft')}") or "no",
            "updated": root.findtext(_q("updated")) or now.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
            "published": now.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
            "custom_url": custom,
            "path": custom or now.strftime("%Y/%m/%d/%H%M%S"),
        }
        self.entries.append(entry)
        headers = {"Location": f"{self.collection_url}/{entry_id}"}
        return self._xml(self._entry(entry), 201, headers)

    def _entry(self, data: dict) -> ET.Element:
        entry = ET.Element(_q("entry"))
        ET.SubElement(
            entry, _q("id")
        ).text = f"tag:blog.hatena.ne.jp,2013:blog-{self.user}-{data['id']}"
        ET.SubElement(entry, _q("link"), rel="edit", href=f"{self.collection_url}/{data['id']}")
        alternate = f"{self.root_url}/blog/entry/{quote(data['path'])}"
        ET.SubElement(entry, _q("link"), rel="alternate", type="text/html", href=alternate)
        ET.SubElement(entry, _q("title")).text = data["title"]
        ET.SubElement(entry, _q("updated")).text = data["updated"]
        if data.get("published"):
            ET.SubElement(entry, _q("published")).text = data["published"]
        ET.SubElement(entry, _q("content"), type=data["content_type"] or "text/html").text = data[
            "content"
        ]
        if data["custom_url"]:
            ET.SubElement(entry, _q("hatenablog:custom-url")).text = data["custom_url"]
        control = ET.SubElement(entry, _q("app:control"))
        ET.SubElement(control, _q("app:draft")).text = data["draft"]
        return entry

    def _feed(self) -> ET.Element:
        feed = ET.Element(_q("feed"))
        ET.SubElement(feed, _q("link"), rel="first", href=self.collection_url)
        newest = list(reversed(self.entries))
        if len(newest) > self.page_size:
            ET.SubElement(feed, _q("link"), rel="next", href=self.collection_url + "?page=2")
        ET.SubElement(feed, _q("title")).text = "Fake Hatena Blog"
        for data in newest[: self.page_size]:
            feed.append(self._entry(data))
        return feed

    def _service(self) -> Answer:
        service = ET.Element(_q("app:service"))
        workspace = ET.SubElement(service, _q("app:workspace"))
        ET.SubElement(workspace, _q("title")).text = self.title
        collection = ET.SubElement(workspace, _q("app:collection"), href=self.collection_url)
        ET.SubElement(collection, _q("title")).text = "Fake Hatena Blog"
        ET.SubElement(collection, _q("app:accept")).text = "application/atom+xml;type=entry"
        return Answer(
            200, ET.tostring(service, encoding="utf-8"), "application/atomsvc+xml; charset=utf-8"
        )

    @staticmethod
    def _xml(
        element: ET.Element, status: int = 200, headers: dict[str, str] | None = None
    ) -> Answer:
        return Answer(status, ET.tostring(element, encoding="utf-8"), ATOM_TYPE, headers or {})
