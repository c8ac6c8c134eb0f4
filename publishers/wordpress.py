"""WordPress publisher over the REST API with an Application Password: posts, media, slug look-up."""

from __future__ import annotations

import html
import mimetypes
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import NoReturn

import requests
from requests.auth import HTTPBasicAuth

from bot.ports import (
    Image,
    NetworkError,
    PermanentError,
    Post,
    Published,
    Text,
    TransientError,
    made_in_window,
)
from publishers.http import (
    BLOG_REFUSALS,
    TIMEOUT,
    HttpClient,
    clean_detail,
    retry_at_from_retry_after,
    status_error,
    utc_now,
)

# The API root is `{WORDPRESS_URL}/wp-json/` with pretty permalinks, else `?rest_route=/`.
API_ROOTS = ("wp-json/", "?rest_route=/")
POSTS = "wp/v2/posts"
MEDIA = "wp/v2/media"
ME = "wp/v2/users/me"
PUBLISHING_ROLES = frozenset({"administrator", "editor", "author"})
UPLOAD_REFUSALS = replace(BLOG_REFUSALS, rejected="pub.error.image")  # name the image refused


@dataclass(frozen=True)
class WordPressConfig:
    """What WordPressPublisher needs: the site, the user and its Application Password."""

    url: str
    user: str
    app_password: str = field(repr=False)


class WordPressPublisher:
    """Posts to one WordPress site as WORDPRESS_USER, authenticated with an Application Password."""

    name = "blog"
    dry_run = False

    def __init__(self, config: WordPressConfig, *, timeout=TIMEOUT, session=None):
        self._site = config.url.rstrip("/")
        self._auth = HTTPBasicAuth(config.user, config.app_password)
        self._secret = config.app_password
        self._http = HttpClient(timeout=timeout, session=session)
        self._root: str | None = None  # discovered once, on first use

    def preview(self, post: Post) -> str:
        return f"{post.payload['title']}\n\n{post.payload['content']}"

    def publish(self, post: Post) -> Published:
        # Look first: a retry after an unanswered request must not post a second copy.
        found = self.find(post)
        if found is not None:
            return found
        content, tags, media_ids = post.payload["content"], [], []
        for number, image in enumerate(post.images, 1):
            media = self._upload(post, number, image)
            media_ids.append(media["id"])
            src, alt = html.escape(media["source_url"]), html.escape(image.alt)
            tags.append(f'<img src="{src}" alt="{alt}" />')
        if tags:
            content = content + "\n\n" + "\n".join(tags)
        body = {
            # WordPress takes the title as HTML (and shows it unescaped): send it as text.
            "title": html.escape(post.payload["title"]),
            "content": content,
            "status": "publish",
            "slug": post.payload["slug"],
        }
        if media_ids:
            body["featured_media"] = media_ids[0]
        when = _aware(post.publish_at)
        if when is not None and when > utc_now():
            body["status"] = "future"
            body["date_gmt"] = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        created = self.call("POST", POSTS, json=body)
        if not isinstance(created, dict) or "id" not in created:
            raise TransientError("pub.reason.server_error")
        return Published(remote_id=str(created["id"]), url=created.get("link"))

    def find(self, post: Post) -> Published | None:
        """The post with this slug, dated no earlier than the first attempt (a scheduled post
        is dated its publication time, later still)."""
        slug = post.payload["slug"]
        fields = "id,link,slug,status,date_gmt"
        params = {"slug": slug, "status": "publish,future", "_fields": fields}
        found = self.call("GET", POSTS, params=params)
        for item in found if isinstance(found, list) else []:
            # Check the slug again: a site that ignored the filter must not count as a hit.
            if not (isinstance(item, dict) and item.get("slug") == slug and "id" in item):
                continue
            if made_in_window(_gmt(item.get("date_gmt")), post):
                return Published(remote_id=str(item["id"]), url=item.get("link"))
        return None

    def verify_account(self) -> Text | None:
        channel = Text("channel.blog")
        try:
            response = self._send("GET", ME, params={"context": "edit"})
        except NetworkError as error:
            return Text("identity.failed", {"channel": channel, "detail": error.text})
        if response.status_code != 200:
            code = _error(response)[0]
            detail = f"HTTP {response.status_code} {code}".strip()
            return Text("identity.failed", {"channel": channel, "detail": detail})
        user = _json(response)
        user = user if isinstance(user, dict) else {}
        roles = [str(r) for r in user.get("roles") or []]
        capabilities = user.get("capabilities") or {}
        if capabilities.get("publish_posts") or PUBLISHING_ROLES & set(roles):
            return None
        name = user.get("slug") or user.get("name") or "?"
        actual = f"{name} ({', '.join(roles) or '-'})"
        values = {"channel": channel, "expected": "publish_posts", "actual": actual}
        return Text("identity.mismatch", values)

    def profile(self) -> dict[str, str]:
        """The site's name and tagline (policy §2) from the REST API index, `GET /wp-json/`
        (https://developer.wordpress.org/rest-api/reference/: `name`, `description`)."""
        index = self.call("GET", "")
        index = index if isinstance(index, dict) else {}
        return {"name": str(index.get("name") or ""), "username": "",
                "about": str(index.get("description") or "")}  # fmt: skip

    # ------------------------------------------------------------------ HTTP

    def _upload(self, post: Post, number: int, image: Image) -> dict:
        """Send one image to the media library; returns the media object (id, source_url)."""
        filename = _filename(post.payload["slug"], number, image)
        headers = {
            "Content-Type": image.mimetype,
            "Content-Disposition": f'attachment; filename="{filename}"',
        }
        media = self.call("POST", MEDIA, data=image.data, headers=headers, image=image)
        if not isinstance(media, dict) or "id" not in media or not media.get("source_url"):
            detail = "no media id in the answer"
            raise PermanentError("pub.error.image", {"name": image.name, "detail": detail})
        if image.alt:  # the media library's own alt text, for every later use of the image
            self.call("POST", f"{MEDIA}/{media['id']}", json={"alt_text": image.alt}, image=image)
        return media

    def call(self, method: str, route: str, *, image: Image | None = None, **kwargs):
        """One API call (what the moderation inbox uses too): the decoded JSON on 2xx, else the
        mapped TransientError or PermanentError is raised."""
        response = self._send(method, route, **kwargs)
        if 200 <= response.status_code < 300:
            return _json(response)
        self._fail(response, image)

    def _send(self, method: str, route: str, **kwargs) -> requests.Response:
        return self._http.send(method, self._api_root() + route, auth=self._auth, **kwargs)

    def _api_root(self) -> str:
        """`…/wp-json/` if the site serves it (JSON, after redirects), else `…/?rest_route=/`."""
        if self._root is None:
            for suffix in API_ROOTS:
                url = f"{self._site}/{suffix}"
                response = self._http.send("GET", url, auth=self._auth)
                if "json" in response.headers.get("Content-Type", ""):
                    # Keep a redirect's target (e.g. http → https) so POSTs are not redirected.
                    self._root = response.url if response.url.endswith(suffix) else url
                    break
            else:  # neither answered JSON: the site is down, locked, or not a WordPress
                if response.status_code in (401, 403, 429) or response.status_code >= 500:
                    self._fail(response)
                raise PermanentError("pub.error.not_found")
        return self._root

    def _fail(self, response: requests.Response, image: Image | None = None) -> NoReturn:
        status = _forbidden_status(response) or response.status_code
        code, message = _error(response)
        # The server's message as plain text, short, and never holding the password.
        detail = clean_detail(message, [self._secret], markup=True) or f"HTTP {status}"
        retry_at = retry_at_from_retry_after(response.headers.get("Retry-After"))
        if image is None:
            raise status_error(status, BLOG_REFUSALS, retry_at=retry_at, detail=detail)
        if code.startswith("rest_upload") and status != 429:
            # e.g. a file type the site refuses (WordPress answers these with 500)
            raise PermanentError("pub.error.image", {"name": image.name, "detail": detail})
        raise status_error(
            status, UPLOAD_REFUSALS, retry_at=retry_at, detail=detail, name=image.name
        )


def _json(response: requests.Response):
    try:
        return response.json()
    except ValueError:
        return None


def _error(response: requests.Response) -> tuple[str, str]:
    """(code, message) of a WordPress error body; ("", text) when it is not JSON."""
    body = _json(response)
    if isinstance(body, dict):
        return str(body.get("code") or ""), str(body.get("message") or "")
    return "", response.text if "html" not in response.headers.get("Content-Type", "") else ""


def _forbidden_status(response: requests.Response) -> int | None:
    """401 or 403 inside a 400 "Status is forbidden." (find() may not list scheduled posts).

    WordPress answers so when the user is anonymous (401: with plain permalinks a wrong
    Application Password counts as anonymous) or lacks `edit_posts` (403).
    """
    body = _json(response)
    if response.status_code != 400 or not isinstance(body, dict):
        return None
    if body.get("code") != "rest_invalid_param":
        return None
    inner = ((body.get("data") or {}).get("details") or {}).get("status") or {}
    if inner.get("code") != "rest_forbidden_status":
        return None
    return 401 if (inner.get("data") or {}).get("status") == 401 else 403


def _aware(moment: datetime | None) -> datetime | None:
    """A stored time as an aware one (naive values from the database are UTC)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _gmt(value) -> datetime | None:
    """WordPress's `date_gmt` (`2026-05-01T03:00:00`, UTC without an offset), None if unreadable."""
    try:
        return datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def _filename(slug: str, number: int, image: Image) -> str:
    """An ASCII file name WordPress accepts: `<slug>-<n>.<ext>`, the extension matching the type."""
    suffix = image.name.rsplit(".", 1)[-1].lower() if "." in image.name else ""
    if not re.fullmatch(r"[a-z0-9]{1,5}", suffix):
        suffix = (mimetypes.guess_extension(image.mimetype) or ".bin").lstrip(".")
    return f"{slug}-{number}.{suffix}"
