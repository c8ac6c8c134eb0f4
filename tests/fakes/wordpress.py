"""A fake WordPress REST API over real HTTP on 127.0.0.1 (plus `BlogServer`, what the blog fakes share)."""

from __future__ import annotations

import base64
import itertools
import json
import re
import struct
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

from fakes.base import Answer, FakeServer, Request, send

USER = "snsbot-editor"
APP_PASSWORD = "abcd EFGH ijkl MNOP qrst UVWX"  # shown by WordPress in groups of four

#: Endpoint names for `fail_next()`, `delay()` and `calls()`.
INDEX, CREATE, LIST, MEDIA, ME, OTHER, ANY = "index", "create", "list", "media", "me", "other", "*"
MEDIA_UPDATE = "media/update"  # POST /wp/v2/media/{id}: e.g. its alt_text

ROLE_CAPS = {
    "administrator": ("read", "edit_posts", "publish_posts", "upload_files", "list_users"),
    "editor": ("read", "edit_posts", "publish_posts", "upload_files"),
    "author": ("read", "edit_posts", "publish_posts", "upload_files"),
    "contributor": ("read", "edit_posts"),
    "subscriber": ("read",),
}
# WordPress's own error bodies: name -> (status, code, message).
ERRORS = {
    "not_logged_in": (401, "rest_not_logged_in", "You are not currently logged in."),
    "cannot_create_401": (
        401,
        "rest_cannot_create",
        "Sorry, you are not allowed to create posts as this user.",
    ),
    "cannot_create": (
        403,
        "rest_cannot_create",
        "Sorry, you are not allowed to create posts as this user.",
    ),
    "cannot_publish": (
        403,
        "rest_cannot_publish",
        "Sorry, you are not allowed to publish posts in this post type.",
    ),
    "cannot_upload": (
        403,
        "rest_cannot_create",
        "Sorry, you are not allowed to upload media on this site.",
    ),
    "incorrect_password": (
        401,
        "incorrect_password",
        "The provided password is an invalid application password.",
    ),
    "invalid_username": (
        401,
        "invalid_username",
        "Unknown username. Check again or try your email address.",
    ),
    "no_route": (404, "rest_no_route", "No route was found matching the URL and request method."),
    "invalid_param": (400, "rest_invalid_param", "Invalid parameter(s): status"),
    "upload_type": (
        500,
        "rest_upload_sideload_error",
        "Sorry, you are not allowed to upload this file type.",
    ),
    "no_disposition": (
        400,
        "rest_upload_no_content_disposition",
        "No Content-Disposition supplied.",
    ),
}


def tiny_png() -> bytes:
    """A valid 1×1 white PNG (WordPress checks that an upload really is an image)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1×1, 8-bit RGB
    pixels = zlib.compress(b"\x00\xff\xff\xff")  # filter byte, one white pixel
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


# ---------------------------------------------------------------------- what the blog fakes share


@dataclass
class Call:
    """One request the fake received, recorded before it was answered."""

    method: str
    path: str
    endpoint: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    status: int = 0

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def json_answer(obj: Any, status: int = 200, headers: dict[str, str] | None = None) -> Answer:
    return Answer(status, json.dumps(obj, ensure_ascii=False).encode(), headers=headers or {})


def error_answer(name: str, headers: dict[str, str] | None = None) -> Answer:
    """One of ERRORS as WordPress sends it: {code, message, data: {status}}."""
    status, code, message = ERRORS[name]
    return json_answer(
        {"code": code, "message": message, "data": {"status": status}}, status, headers
    )


def forbidden_status_answer(inner: int) -> Answer:
    """WordPress's 400 for a status filter the user may not use (wrapping 401 anonymous, 403)."""
    forbidden = {"code": "rest_forbidden_status", "message": "Status is forbidden."}
    data = {
        "status": 400,
        "params": {"status": "Status is forbidden."},
        "details": {"status": {**forbidden, "data": {"status": inner}}},
    }
    body = {"code": "rest_invalid_param", "message": ERRORS["invalid_param"][2], "data": data}
    return json_answer(body, 400)


class BlogServer(FakeServer[Call]):
    """A fake whose calls each get an endpoint name and an `Answer`; faults are whole answers."""

    methods = ("GET", "POST", "PUT", "DELETE")

    def fail_next(self, endpoint: str, answer: Answer, times: int = 1) -> None:
        """Answer the next `times` calls of `endpoint` (or ANY) with `answer`, doing nothing else."""
        self._add_fault(endpoint, answer, times)

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        request = Request.read(handler)
        call = Call(
            method=request.method,
            path=request.target,
            endpoint="",
            query=request.query,
            headers=request.headers,
            body=request.body,
        )
        call.endpoint = self._endpoint(call, request.path)
        with self._lock:
            answer = self._take_fault(call.endpoint, ANY)
            if answer is None:
                answer = self._answer(call, request.path)
            call.status = answer.status
            self._record(call)
            wait = self._delay(call.endpoint)
        send(handler, answer, after=wait)

    def _endpoint(self, call: Call, path: str) -> str:
        raise NotImplementedError

    def _answer(self, call: Call, path: str) -> Answer:
        raise NotImplementedError


# ---------------------------------------------------------------------- WordPress


class FakeWordPress(BlogServer):
    """WordPress REST API: posts, media, users/me; `/wp-json/` and `?rest_route=`; Basic auth."""

    def __init__(
        self, *, user=USER, app_password=APP_PASSWORD, role="editor", pretty_permalinks=True
    ):
        super().__init__()
        self.user, self.app_password, self.role = user, app_password, role
        #: False: `/wp-json/…` answers 301 to an HTML home page, as PHP's built-in server does.
        self.pretty_permalinks = pretty_permalinks
        self.posts: dict[int, dict] = {}
        self.media: dict[int, dict] = {}
        self.site_name = "Fake WordPress"  # the index's `name` (the blog's name, policy §2)
        self._ids = itertools.count(101)

    def add_post(self, slug: str, title: str, date_gmt: datetime, status="publish") -> dict:
        """Put a post on the site directly (as if made elsewhere, dated `date_gmt`)."""
        post_id = next(self._ids)
        post = {
            "id": post_id,
            "date_gmt": date_gmt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
            "slug": slug,
            "status": status,
            "link": f"{self.root_url}/?p={post_id}",
            "title": {"raw": title, "rendered": title},
            "content": {"raw": "", "rendered": ""},
            "featured_media": 0,
        }
        self.posts[post_id] = post
        return post

    def _route(self, call: Call, path: str) -> str | None:
        if "rest_route" in call.query and path in ("/", "/index.php"):
            return call.query["rest_route"]
        if path.startswith("/wp-json") and self.pretty_permalinks:
            return path[len("/wp-json") :] or "/"
        return None

    def _endpoint(self, call: Call, path: str) -> str:
        route = (self._route(call, path) or "").rstrip("/")
        names = {
            ("GET", ""): INDEX,
            ("POST", "/wp/v2/posts"): CREATE,
            ("GET", "/wp/v2/posts"): LIST,
            ("POST", "/wp/v2/media"): MEDIA,
            **{("POST", f"/wp/v2/media/{i}"): MEDIA_UPDATE for i in self.media},
            ("GET", "/wp/v2/users/me"): ME,
        }
        return names.get((call.method, route), OTHER) if self._route(call, path) else OTHER

    def _login(self, call: Call) -> str | None:
        """The error name for bad Basic credentials, "" when anonymous, None when logged in."""
        header = call.headers.get("authorization", "")
        if not header.startswith("Basic "):
            return ""
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        if user != self.user:
            return "invalid_username"
        strip = re.compile(r"[^a-z\d]", re.I)
        return (
            None
            if strip.sub("", password) == strip.sub("", self.app_password)
            else "incorrect_password"
        )

    def _can(self, capability: str) -> bool:
        return capability in ROLE_CAPS.get(self.role, ())

    def _answer(self, call: Call, path: str) -> Answer:
        route = self._route(call, path)
        if route is None:
            if path.startswith("/wp-json"):
                return Answer(
                    301, b"", "text/html; charset=UTF-8", {"Location": self.root_url + "/"}
                )
            link = f'<{self.root_url}/index.php?rest_route=/>; rel="https://api.w.org/"'
            return Answer(
                200,
                b"<!doctype html><title>home</title>",
                "text/html; charset=UTF-8",
                {"Link": link},
            )
        problem = self._login(call)
        if problem:
            return error_answer(problem)
        logged_in = problem is None
        endpoint = call.endpoint
        if endpoint == INDEX:
            index = {"name": self.site_name, "description": "", "namespaces": ["wp/v2"]}
            return json_answer({**index, "routes": {}})
        if endpoint == ME:
            return self._me(call) if logged_in else error_answer("not_logged_in")
        if endpoint == LIST:
            statuses = call.query.get("status", "publish").split(",")
            if statuses != ["publish"] and not (logged_in and self._can("edit_posts")):
                return forbidden_status_answer(401 if not logged_in else 403)
            slug = call.query.get("slug")
            return json_answer(
                [
                    p
                    for p in sorted(self.posts.values(), key=lambda p: -p["id"])
                    if p["status"] in statuses and slug in (None, p["slug"])
                ]
            )
        if endpoint == CREATE:
            return self._create(call, logged_in)
        if endpoint == MEDIA:
            return self._upload(call, logged_in)
        if endpoint == MEDIA_UPDATE:
            return self._update_media(call, logged_in, int(route.rstrip("/").rsplit("/", 1)[1]))
        return error_answer("no_route")

    def _me(self, call: Call) -> Answer:
        user = {"id": 1, "name": self.user, "slug": self.user}
        if call.query.get("context") == "edit":
            user["roles"] = [self.role]
            user["capabilities"] = {cap: True for cap in ROLE_CAPS.get(self.role, ())}
        return json_answer(user)

    def _create(self, call: Call, logged_in: bool) -> Answer:
        if not logged_in:
            return error_answer("cannot_create_401")
        if not self._can("edit_posts"):
            return error_answer("cannot_create")
        data = call.json or {}
        status = data.get("status", "draft")
        if status in ("publish", "future") and not self._can("publish_posts"):
            return error_answer("cannot_publish")
        if data.get("featured_media") and data["featured_media"] not in self.media:
            bad = {"code": "rest_invalid_featured_media", "message": "Invalid featured media ID."}
            return json_answer({**bad, "data": {"status": 400}}, 400)
        date_gmt = data.get("date_gmt") or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        if status == "future" and date_gmt <= datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"):
            status = "publish"  # WordPress publishes a "future" post whose date has passed
        slug, taken = data.get("slug", ""), {p["slug"] for p in self.posts.values()}
        base, suffix = slug, 2
        while slug in taken:
            slug, suffix = f"{base}-{suffix}", suffix + 1
        post_id = next(self._ids)
        post = {
            "id": post_id,
            "date_gmt": date_gmt,
            "slug": slug,
            "status": status,
            "link": f"{self.root_url}/?p={post_id}",
            "title": {"raw": data.get("title", ""), "rendered": data.get("title", "")},
            "content": {"raw": data.get("content", ""), "rendered": data.get("content", "")},
            "featured_media": data.get("featured_media", 0),
        }
        self.posts[post_id] = post
        return json_answer(post, 201)

    def _update_media(self, call: Call, logged_in: bool, media_id: int) -> Answer:
        if not logged_in:
            return error_answer("cannot_create_401")
        if not self._can("upload_files"):
            return error_answer("cannot_upload")
        data = call.json if isinstance(call.json, dict) else {}
        if "alt_text" in data:
            self.media[media_id]["alt_text"] = str(data["alt_text"])
        return json_answer({k: v for k, v in self.media[media_id].items() if k != "data"})

    def _upload(self, call: Call, logged_in: bool) -> Answer:
        if not logged_in:
            return error_answer("cannot_create_401")
        if not self._can("upload_files"):
            return error_answer("cannot_upload")
        found = re.search(r'filename="?([^";]+)"?', call.headers.get("content-disposition", ""))
        if not found:
            return error_answer("no_disposition")
        mime = call.headers.get("content-type", "")
        if not mime.startswith("image/"):
            return error_answer("upload_type")
        media_id = next(self._ids)
        url = f"{self.root_url}/wp-content/uploads/{found.group(1)}"
        self.media[media_id] = {
            "id": media_id,
            "source_url": url,
            "mime_type": mime,
            "alt_text": "",
            "data": call.body,
        }
        return json_answer(
            {"id": media_id, "source_url": url, "mime_type": mime, "media_type": "image"}, 201
        )
