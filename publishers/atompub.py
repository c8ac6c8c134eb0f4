"""AtomPub (RFC 5023) publisher for blogs such as Hatena Blog, authenticated with WSSE."""

from __future__ import annotations

import base64
import hashlib
import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NoReturn
from urllib.parse import urlsplit

import requests

from bot.ports import PermanentError, Post, Published, Text, TransientError, made_in_window
from publishers.http import (
    BLOG_REFUSALS,
    TIMEOUT,
    HttpClient,
    clean_detail,
    retry_at_from_retry_after,
    status_error,
    utc_now,
)

ATOM = "http://www.w3.org/2005/Atom"
APP = "http://www.w3.org/2007/app"
HATENA = "http://www.hatena.ne.jp/info/xmlns#hatenablog"  # Hatena's <hatenablog:custom-url>
ENTRY_TYPE = "application/atom+xml;type=entry"


def wsse(user: str, api_key: str, nonce: bytes | None = None, created: str | None = None) -> str:
    """The X-WSSE header: PasswordDigest = Base64(SHA1(nonce + created + api_key))."""
    nonce = nonce if nonce is not None else secrets.token_bytes(20)
    created = created or utc_now().strftime("%Y-%m-%dT%H:%M:%SZ")
    digest = hashlib.sha1(nonce + created.encode() + api_key.encode()).digest()
    return (
        f'UsernameToken Username="{user}", '
        f'PasswordDigest="{base64.b64encode(digest).decode()}", '
        f'Nonce="{base64.b64encode(nonce).decode()}", Created="{created}"'
    )


def entry_xml(post: Post, author: str) -> bytes:
    """The <entry> to POST: title, HTML content, the slug as custom URL, published (not draft)."""
    # Literal prefixes as in Hatena's examples (ElementTree would invent ns0:, ns1:); ET escapes.
    entry = ET.Element("entry", {"xmlns": ATOM, "xmlns:app": APP, "xmlns:hatenablog": HATENA})
    # The title is an Atom Text construct of type "text": plain text, never read as markup.
    ET.SubElement(entry, "title", type="text").text = post.payload["title"]
    ET.SubElement(ET.SubElement(entry, "author"), "name").text = author
    ET.SubElement(entry, "content", type="text/html").text = post.payload["content"]
    ET.SubElement(entry, "hatenablog:custom-url").text = post.payload["slug"]
    control = ET.SubElement(entry, "app:control")
    ET.SubElement(control, "app:draft").text = "no"
    return ET.tostring(entry, encoding="utf-8", xml_declaration=True)


@dataclass(frozen=True)
class AtomPubConfig:
    """What AtomPubPublisher needs: the collection, the user and its API key."""

    endpoint: str
    user: str
    api_key: str = field(repr=False)


class AtomPubPublisher:
    """Posts entries to one AtomPub collection (ATOMPUB_ENDPOINT) as ATOMPUB_USER."""

    name = "blog"
    dry_run = False

    def __init__(self, config: AtomPubConfig, *, timeout=TIMEOUT, session=None):
        self._collection = config.endpoint.rstrip("/")
        self._user = config.user
        self._key = config.api_key
        self._http = HttpClient(timeout=timeout, session=session)

    def preview(self, post: Post) -> str:
        return f"{post.payload['title']}\n\n{post.payload['content']}"

    def publish(self, post: Post) -> Published:
        if post.images:
            raise PermanentError("pub.error.blog_no_images")
        when = _aware(post.publish_at) if post.publish_at else None
        if when is not None and when > utc_now():
            # Hatena's API cannot schedule (a future <updated> is only a date): wait for the time.
            raise TransientError("pub.reason.scheduled", retry_at=when)
        # Look first: a retry after an unanswered request must not post a second copy.
        found = self.find(post)
        if found is not None:
            return found
        headers = {"Content-Type": ENTRY_TYPE, "Slug": post.payload["slug"]}
        response = self._send(
            "POST", self._collection, data=entry_xml(post, self._user), headers=headers
        )
        if response.status_code not in (200, 201):
            self._fail(response)
        entry = _parse(response.content)
        has_entry = entry is not None
        member = response.headers.get("Location") or (_link(entry, "edit") if has_entry else None)
        if not member:
            raise TransientError("pub.reason.server_error")
        return Published(remote_id=member, url=_link(entry, "alternate") if has_entry else None)

    def find(self, post: Post) -> Published | None:
        """The entry with the post's slug on the collection's first page, published no earlier
        than the first attempt, if any."""
        slug = post.payload["slug"]
        response = self._send("GET", self._collection)
        if response.status_code != 200:
            self._fail(response)
        feed = _parse(response.content)
        for entry in feed.iter(f"{{{ATOM}}}entry") if feed is not None else ():
            alternate = _link(entry, "alternate") or ""
            custom = entry.findtext(f"{{{HATENA}}}custom-url") or ""
            same_slug = custom.strip() == slug or urlsplit(alternate).path.endswith("/" + slug)
            if same_slug and made_in_window(_entry_time(entry), post):
                member = _link(entry, "edit") or entry.findtext(f"{{{ATOM}}}id") or alternate
                return Published(remote_id=member, url=alternate or None)
        return None

    def verify_account(self) -> Text | None:
        """GET the service document (`…/atom` for `…/atom/entry`) with the WSSE credentials."""
        channel = Text("channel.blog")
        try:
            response = self._send("GET", self._service_url())
        except TransientError as error:
            return Text("identity.failed", {"channel": channel, "detail": error.text})
        if response.status_code == 200:
            return None
        detail = f"HTTP {response.status_code}"
        return Text("identity.failed", {"channel": channel, "detail": detail})

    def profile(self) -> dict[str, str]:
        """The blog's name (policy §2): the workspace title of the service document (RFC 5023
        §8.3.2.1; Hatena Blog's `…/atom` names the blog there)."""
        response = self._send("GET", self._service_url())
        if response.status_code != 200:
            self._fail(response)
        service = _parse(response.content)
        path = f"{{{APP}}}workspace/{{{ATOM}}}title"
        title = service.findtext(path) if service is not None else None
        return {"name": (title or "").strip(), "username": "", "about": ""}

    def _service_url(self) -> str:
        """The service document: `…/atom` for the collection `…/atom/entry`."""
        url = self._collection
        return url[: -len("/entry")] if url.endswith("/entry") else url

    # ------------------------------------------------------------------ HTTP

    def _send(self, method: str, url: str, **kwargs) -> requests.Response:
        headers = {**kwargs.pop("headers", {}), "X-WSSE": wsse(self._user, self._key)}
        return self._http.send(method, url, headers=headers, **kwargs)

    def _fail(self, response: requests.Response) -> NoReturn:
        status = response.status_code
        # The server's words as short plain text (never the API key); else the HTTP status.
        detail = clean_detail(response.text, [self._key], markup=True) or f"HTTP {status}"
        retry_at = retry_at_from_retry_after(response.headers.get("Retry-After"))
        raise status_error(status, BLOG_REFUSALS, retry_at=retry_at, detail=detail)


def _parse(body: bytes) -> ET.Element | None:
    try:
        return ET.fromstring(body) if body else None
    except ET.ParseError:
        return None


def _link(entry: ET.Element, rel: str) -> str | None:
    """The href of the entry's link with that rel (an alternate one must be HTML)."""
    for link in entry.findall(f"{{{ATOM}}}link"):
        html_type = "html" in link.get("type", "text/html")
        if link.get("rel", "alternate") == rel and (rel != "alternate" or html_type):
            return link.get("href")
    return None


def _entry_time(entry: ET.Element) -> datetime | None:
    """When the entry was published (`<published>`, else `<updated>`), None if unreadable."""
    value = entry.findtext(f"{{{ATOM}}}published") or entry.findtext(f"{{{ATOM}}}updated")
    try:
        moment = datetime.fromisoformat((value or "").strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return _aware(moment)


def _aware(moment: datetime) -> datetime:
    """A stored time as an aware one (naive values from the database are UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
