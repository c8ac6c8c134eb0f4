"""Facebook Page publisher over the Graph API: feed and photo posts, look-up and token check."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import requests

from bot.ports import (
    Image,
    NetworkError,
    PermanentError,
    Post,
    Published,
    Text,
    TransientError,
    made_in_window,
    window_start,
)
from publishers.http import TIMEOUT, HttpClient, clean_detail, retry_at_from_retry_after, utc_now

# The Graph API version is pinned once, in bot.config.DEFAULT_FACEBOOK_GRAPH_URL
# (FACEBOOK_GRAPH_URL overrides the whole base, version included).
PERMALINK_BASE = "https://www.facebook.com"
FEED_LOOKBACK = 25  # posts searched by find()
# A post's link is read from its attachments (Post.link is deprecated since Graph v3.3):
# `unshimmed_url` is the link as given, `url` may be Facebook's l.facebook.com redirect to it.
FEED_FIELDS = "id,message,created_time,permalink_url,attachments{unshimmed_url,url}"
APP_LIMIT_WAIT = timedelta(hours=1)  # when a usage header is at 100% but gives no time

# Graph error codes (https://developers.facebook.com/docs/graph-api/guides/error-handling).
TOKEN_CODES = frozenset({102, 190})
BLOCKED_CODE = 368
PERMISSION_CODES = frozenset({10, *range(200, 300)})
THROTTLE_CODES = frozenset({4, 17, 32, 341, 613, 80001})
SERVER_CODES = frozenset({1, 2})
DUPLICATE_CODE = 506
_USAGE_FIELDS = ("call_count", "total_cputime", "total_time")


@dataclass(frozen=True)
class FacebookConfig:
    """What FacebookPublisher needs: the Graph API base, the Page and its Page access token."""

    graph_url: str
    page_id: str
    page_token: str = field(repr=False)


class _Duplicate(PermanentError):
    """Graph refused the post as a repeat of the Page's latest one (code 506)."""


class FacebookPublisher:
    """Posts to one Facebook Page with its Page access token (sent as a header, never in URLs)."""

    name = "facebook"
    dry_run = False

    def __init__(self, config: FacebookConfig, *, timeout=TIMEOUT, session=None):
        self._graph = config.graph_url.rstrip("/")
        self._page = config.page_id
        self._token = config.page_token
        self._http = HttpClient(timeout=timeout, session=session)

    def preview(self, post: Post) -> str:
        return _text(post)

    def publish(self, post: Post) -> Published:
        try:
            post_id = self._send(post)
        except _Duplicate:
            # An earlier attempt may have gone through (e.g. its answer timed out).
            found = self.find(post)
            if found is None:
                raise
            return found
        return Published(remote_id=post_id, url=permalink(post_id))

    def find(self, post: Post) -> Published | None:
        """The Page post made since the first attempt with this message and this link."""
        params = {"fields": FEED_FIELDS, "limit": FEED_LOOKBACK}
        start = window_start(post)
        if start is not None:
            params["since"] = int(start.timestamp())
        body = self.call("GET", f"{self._page}/feed", params=params)
        for item in body.get("data") or []:
            if isinstance(item, dict) and item.get("id") and _same_post(post, item):
                url = item.get("permalink_url")
                if not (isinstance(url, str) and url.startswith("https://")):
                    url = permalink(str(item["id"]))
                return Published(remote_id=str(item["id"]), url=url)
        return None

    def verify_account(self) -> Text | None:
        try:
            body = self.call("GET", "me", params={"fields": "id,name"})
        except NetworkError as exc:
            return Text("identity.failed", {"channel": "Facebook", "detail": exc.text})
        actual = str(body.get("id") or "?")
        if actual == self._page:
            return None
        values = {"channel": "Facebook", "expected": self._page, "actual": actual}
        return Text("identity.mismatch", values)

    # ------------------------------------------------------------------ internals

    def _send(self, post: Post) -> str:
        """Make the post; return its id (`{page}_{post}`)."""
        if not post.images:
            data = {"message": post.payload.get("message") or ""}
            if post.payload.get("link"):
                data["link"] = post.payload["link"]
            return self._id(self.call("POST", f"{self._page}/feed", data=data))
        # Photo posts have no link field: the link goes at the end of the text.
        caption = _text(post)
        photos = f"{self._page}/photos"
        if len(post.images) == 1:
            body = self.call(
                "POST", photos, data={"caption": caption}, files=_source(post.images[0])
            )
            return str(body.get("post_id") or self._id(body))
        # Several images: upload each unpublished, then one feed post that attaches them all.
        data = {"message": caption}
        for i, image in enumerate(post.images):
            body = self.call("POST", photos, data={"published": "false"}, files=_source(image))
            data[f"attached_media[{i}]"] = json.dumps({"media_fbid": self._id(body)})
        return self._id(self.call("POST", f"{self._page}/feed", data=data))

    def call(self, method: str, path: str, *, params=None, data=None, files=None) -> dict:
        """One Graph request (the moderation inbox and the sharer make theirs with it too): the
        decoded answer, or TransientError / PermanentError."""
        headers = {"Authorization": f"Bearer {self._token}"}
        url = f"{self._graph}/{path}"
        try:
            resp = self._http.send(
                method, url, params=params, data=data, files=files, headers=headers
            )
        except (
            requests.exceptions.InvalidURL,
            requests.exceptions.MissingSchema,
            requests.exceptions.InvalidSchema,
        ):
            raise PermanentError("pub.error.not_found") from None
        except requests.RequestException:
            raise TransientError("pub.reason.connection") from None
        try:
            body = resp.json()
        except ValueError:
            body = None
        error = body.get("error") if isinstance(body, dict) else None
        if resp.status_code < 400 and error is None:
            if not isinstance(body, dict):
                raise PermanentError("pub.error.unknown")
            return body
        raise self._error(resp, error if isinstance(error, dict) else {})

    def _error(self, resp: requests.Response, error: dict) -> Exception:
        code, status = _int(error.get("code")), resp.status_code
        if code in TOKEN_CODES:
            return PermanentError("pub.error.fb_token")
        if code == BLOCKED_CODE:
            return PermanentError("pub.error.fb_blocked")
        if code in PERMISSION_CODES:
            return PermanentError("pub.error.fb_permission")
        if code in THROTTLE_CODES or status == 429:
            return TransientError("pub.reason.rate_limited", retry_at=self._retry_at(resp))
        if status >= 500 or code in SERVER_CODES or error.get("is_transient") is True:
            return TransientError("pub.reason.server_error", retry_at=self._retry_at(resp))
        if status == 404 and not error:
            return PermanentError("pub.error.not_found")
        if code == DUPLICATE_CODE:
            return _Duplicate("pub.error.fb_duplicate")
        detail = clean_detail(error.get("message"), [self._token]) or f"HTTP {status}"
        return PermanentError("pub.error.fb_rejected", {"detail": detail})

    def _retry_at(self, resp: requests.Response) -> datetime | None:
        """When to try again: the Page's regain time, Retry-After, or a fixed wait at 100%."""
        now = utc_now()
        minutes, full = _business_usage(resp.headers.get("X-Business-Use-Case-Usage"), self._page)
        if minutes > 0:
            return now + timedelta(minutes=minutes)
        after = retry_at_from_retry_after(resp.headers.get("Retry-After"), now)
        if after is not None:
            return after
        if full or _at_limit(_json_obj(resp.headers.get("X-App-Usage"))):
            return now + APP_LIMIT_WAIT
        return None

    def _id(self, body: dict) -> str:
        value = body.get("id")
        if not isinstance(value, str | int) or not str(value):
            raise PermanentError("pub.error.unknown")
        return str(value)


def permalink(post_id: str) -> str:
    """The public address of a Page post (`{page}_{post}`) or of another object."""
    page, sep, story = post_id.partition("_")
    if sep and page and story:
        return f"{PERMALINK_BASE}/{page}/posts/{story}"
    return f"{PERMALINK_BASE}/{post_id}"


def _text(post: Post) -> str:
    """The message, with the link on its own line unless the message already holds it."""
    message = (post.payload.get("message") or "").strip()
    link = (post.payload.get("link") or "").strip()
    if link and link not in message:
        return f"{message}\n\n{link}" if message else link
    return message


def _same_post(post: Post, item: dict) -> bool:
    """Whether a feed item is this post: made in its window, with its message and its link.

    A link post carries the message and the link as an attachment; a photo post (or a post
    whose message already holds the link) carries the text with the link in it.
    """
    if not made_in_window(_graph_time(item.get("created_time")), post):
        return False
    message = _norm(item.get("message"))
    link = (post.payload.get("link") or "").strip()
    if message == _norm(_text(post)) and (not link or link in (item.get("message") or "")):
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


def _source(image: Image) -> dict:
    return {"source": (image.name, image.data, image.mimetype)}


def _norm(text) -> str:
    return " ".join(str(text or "").split())


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _json_obj(raw):
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


def _at_limit(usage) -> bool:
    if not isinstance(usage, dict):
        return False
    return any(isinstance(usage.get(k), int | float) and usage[k] >= 100 for k in _USAGE_FIELDS)


def _business_usage(raw, page_id: str) -> tuple[float, bool]:
    """(minutes until access returns, whether a figure is at 100%) for the Page's entries."""
    data = _json_obj(raw)
    if not isinstance(data, dict):
        return 0, False
    groups = [data[page_id]] if page_id in data else list(data.values())
    entries = [
        e for group in groups if isinstance(group, list) for e in group if isinstance(e, dict)
    ]
    minutes = [e.get("estimated_time_to_regain_access") for e in entries]
    wait = max((m for m in minutes if isinstance(m, int | float)), default=0)
    return wait, any(_at_limit(e) for e in entries)
