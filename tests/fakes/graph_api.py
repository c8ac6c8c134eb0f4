"""A fake Facebook Graph API (Pages) served over real HTTP on 127.0.0.1, recording calls and faults."""

from __future__ import annotations

import itertools
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, quote

from bot.config import DEFAULT_FACEBOOK_GRAPH_URL
from fakes.base import Answer, FakeServer, Request, send

PAGE_ID = "104857600123456"
PAGE_NAME = "和光市市民活動推進課（テスト）"
#: The Page's about text (policy §9: the no-reply notice is stated on the SNS).
PAGE_ABOUT = (
    "和光市市民協働推進センターの公式ページです。個別のコメントや返信には回答しておりません。"
)
PAGE_TOKEN = "EAAGfakePageToken0123456789abcdef"
USER_ID = "10229876543210001"
#: The pinned Graph version, taken from the one place it is set.
GRAPH_VERSION = DEFAULT_FACEBOOK_GRAPH_URL.rstrip("/").rsplit("/", 1)[1]

#: Endpoint names for `fail_next()` / `delay()` / `calls()`.
FEED = "feed"  # POST /{page-id}/feed
PHOTOS = "photos"  # POST /{page-id}/photos
READ_FEED = "read_feed"  # GET /{page-id}/feed
ME = "me"  # GET /me
PAGE = "page"  # GET /{page-id} (the Page's name, about and description)
POST_NODE = "post"  # GET /{post-id}
OTHER = "other"  # anything else (answered with error 2500 / 100)
ANY = "*"  # fail_next() only: whichever endpoint comes next

_USAGE_FIELDS = ("call_count", "total_cputime", "total_time")

# code -> (HTTP status, message, default subcode). Messages as the Graph API words them.
ERRORS: dict[int, tuple[int, str, int | None]] = {
    1: (500, "An unknown error occurred", None),
    2: (503, "An unexpected error has occurred. Please retry your request later.", None),
    4: (403, "(#4) Application request limit reached", None),
    10: (403, "(#10) Application does not have permission for this action", None),
    17: (403, "(#17) User request limit reached", None),
    32: (403, "(#32) Page request limit reached", None),
    100: (400, "(#100) Invalid parameter", None),
    190: (400, "Invalid OAuth access token - Cannot parse access token", None),
    200: (403, "(#200) The user hasn't authorized the application to perform this action", None),
    368: (
        400,
        "It looks like you were misusing this feature by going too fast. "
        "You've been temporarily blocked from using it.",
        1390008,
    ),
    506: (400, "(#506) Duplicate status message", None),
    613: (400, "(#613) Calls to this api have exceeded the rate limit.", None),
    2500: (400, "Unknown path components", None),
    80001: (
        400,
        "(#80001) There have been too many calls to this Page account. Wait a bit and try "
        "again. For more info, please refer to "
        "https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
        None,
    ),
}
SUBCODE_MESSAGES = {
    460: "Error validating access token: The session has been invalidated because the user "
    "changed their password or Facebook has changed the session for security reasons.",
    463: "Error validating access token: Session has expired on Thursday, 01-Jan-26 "
    "00:00:00 PST. The current time is Friday, 02-Jan-26 00:00:00 PST.",
}
TRANSIENT_CODES = {1, 2, 4, 17, 32, 613, 80001}


def error_body(code: int, subcode: int | None = None, message: str | None = None) -> dict:
    """The Graph API error object for `code` (and `subcode`), as the real API sends it."""
    _, default_message, default_sub = ERRORS.get(code, (400, f"(#{code}) Error", None))
    subcode = subcode if subcode is not None else default_sub
    error: dict[str, Any] = {
        "message": message or SUBCODE_MESSAGES.get(subcode or 0, default_message),
        "type": "OAuthException",
        "code": code,
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    if code in TRANSIENT_CODES:
        error["is_transient"] = True
    error["fbtrace_id"] = "A" + uuid.uuid4().hex[:22]
    return {"error": error}


def buc_usage(page_id: str, regain_minutes: int = 0, usage: int = 100) -> str:
    """An `X-Business-Use-Case-Usage` value for a Page (usage in %, regain time in minutes)."""
    entry = {"type": "pages", **dict.fromkeys(_USAGE_FIELDS, usage)}
    entry["estimated_time_to_regain_access"] = regain_minutes
    return json.dumps({page_id: [entry]})


def app_usage(usage: int = 100) -> str:
    """An `X-App-Usage` value (each figure in % of the app's limit)."""
    return json.dumps(dict.fromkeys(_USAGE_FIELDS, usage))


@dataclass
class GraphCall:
    """One request received by the fake (recorded before it is answered)."""

    endpoint: str
    method: str
    path: str
    query: dict[str, str]
    fields: dict[str, str]
    files: dict[str, tuple[str | None, str, bytes]]
    headers: dict[str, str]
    raw_target: str
    status: int = 200
    response: Any = None


@dataclass
class _Fault:
    status: int | None
    code: int | None
    subcode: int | None
    message: str | None
    headers: dict[str, str] = field(default_factory=dict)


class FakeGraph(FakeServer[GraphCall]):
    """Fake Graph API for one Page; point `FACEBOOK_GRAPH_URL` at `fake.base_url`.

    `clear()` forgets calls, faults and delays; the Page's posts and photos stay.
    """

    methods = ("GET", "POST", "DELETE")

    def __init__(
        self,
        page_id: str = PAGE_ID,
        page_token: str = PAGE_TOKEN,
        *,
        version: str = GRAPH_VERSION,
        page_name: str = PAGE_NAME,
        reject_duplicates: bool = True,
    ) -> None:
        super().__init__()
        self.page_id = page_id
        self.page_token = page_token
        self.version = version
        #: What `GET /me` answers; set it to a user (or another Page) to test a wrong token.
        self.me: dict[str, str] = {"id": page_id, "name": page_name}
        #: What `GET /{page-id}` answers (fields `name`, `about`, `description`).
        self.page: dict[str, str] = {"id": page_id, "name": page_name, "about": PAGE_ABOUT}
        #: Like Graph, refuse a post whose text equals the Page's latest post (error 506).
        self.reject_duplicates = reject_duplicates
        #: Headers added to every answer (e.g. {"X-App-Usage": app_usage(40)}).
        self.usage_headers: dict[str, str] = {}
        self.posts: list[dict[str, Any]] = []  # oldest first
        self.photos: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)

    @property
    def base_url(self) -> str:
        """The value for `FACEBOOK_GRAPH_URL`: `http://127.0.0.1:PORT/v25.0`."""
        return f"{self.root_url}/{self.version}"

    # ------------------------------------------------------------------ inspection and faults

    def feed(self) -> list[dict[str, Any]]:
        """The Page's published posts, newest first."""
        with self._lock:
            return [dict(p) for p in reversed(self.posts) if p["published"]]

    def add_post(self, message: str, **extra: Any) -> dict[str, Any]:
        """Put a post on the Page directly (as if made elsewhere): e.g. `link=…`, and
        `created_time=datetime` for one made earlier."""
        if isinstance(extra.get("created_time"), datetime):
            extra["created_time"] = extra["created_time"].strftime("%Y-%m-%dT%H:%M:%S+0000")
        with self._lock:
            return self._new_post({"message": message, **extra})

    def fail_next(
        self,
        endpoint: str,
        times: int = 1,
        *,
        code: int | None = None,
        subcode: int | None = None,
        status: int | None = None,
        message: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next `times` calls of `endpoint` with a Graph error `code` (real body and
        status), or with a bare HTTP `status` (e.g. 503, plain-text body) when no code is given.
        `headers` are added (see `buc_usage()` and `app_usage()`)."""
        if code is None and status is None:
            raise ValueError("give a Graph error code or an HTTP status")
        self._add_fault(
            endpoint, _Fault(status, code, subcode, message, dict(headers or {})), times
        )

    # ------------------------------------------------------------------ request handling

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        request = Request.read(handler)
        path, query, headers = request.path, request.query, request.headers
        fields, files = _parse_body(request.body, headers.get("content-type", ""))
        prefix = f"/{self.version}/"
        parts = path[len(prefix) :].strip("/").split("/") if path.startswith(prefix) else []
        endpoint = _endpoint(request.method, parts, self.page_id)
        call = GraphCall(
            endpoint, request.method, path, query, fields, files, headers, request.target
        )
        with self._lock:
            fault = self._take_fault(endpoint, ANY)
            wait = self._delay(endpoint)
            if fault is not None:
                status, body, extra = _fault_answer(fault)
            elif not parts:
                status, body, extra = 404, "Not Found", {}
            elif self._token(query, fields, headers) != self.page_token:
                status, body, extra = 400, error_body(190), {}
            else:
                status, body, extra = self._answer(endpoint, parts, {**query, **fields}, files)
            call.status, call.response = status, body
            self._record(call)
        send(handler, _encode(status, body, {**self.usage_headers, **extra}), after=wait)

    @staticmethod
    def _token(query: dict, fields: dict, headers: dict) -> str | None:
        auth = headers.get("authorization", "")
        scheme, _, value = auth.partition(" ")
        if scheme.lower() in ("bearer", "oauth") and value:
            return value.strip()
        return fields.get("access_token") or query.get("access_token")

    def _answer(self, endpoint: str, parts: list[str], params: dict, files: dict):
        if endpoint == ME:
            return 200, _select(self.me, params.get("fields"), default=("id", "name")), {}
        if endpoint == PAGE:
            return 200, _select(self.page, params.get("fields"), default=("id", "name")), {}
        if endpoint == READ_FEED:
            limit = min(int(params.get("limit") or 25), 100)
            since = _since(params.get("since"))
            if since is False:
                return _error(100, None, "(#100) The parameter since is not a valid timestamp")
            posts = [p for p in self.feed() if since is None or _created(p) >= since]
            data = [_select(p, params.get("fields")) for p in posts[:limit]]
            return 200, {"data": data, "paging": {}}, {}
        if endpoint == POST_NODE:
            post = next((p for p in self.posts if p["id"] == parts[0]), None)
            if post is None:
                return _error(
                    100,
                    33,
                    f"Unsupported get request. Object with ID '{parts[0]}' "
                    "does not exist, cannot be loaded due to missing permissions, "
                    "or does not support this operation.",
                )
            return 200, _select(post, params.get("fields")), {}
        if endpoint == FEED:
            return self._create_feed_post(params)
        if endpoint == PHOTOS:
            return self._upload_photo(params, files)
        if len(parts) >= 1 and parts[0] not in (self.page_id, "me"):
            return _error(
                100,
                33,
                f"Unsupported request. Object with ID '{parts[0]}' does not "
                "exist, cannot be loaded due to missing permissions, or does not "
                "support this operation.",
            )
        return _error(2500, None, f"Unknown path components: /{'/'.join(parts[1:])}")

    def _create_feed_post(self, params: dict):
        media_ids = _attached_media(params)
        if media_ids is None:
            return _error(100, None, "(#100) param attached_media must be an array of objects")
        for media_id in media_ids:
            photo = self.photos.get(media_id)
            if photo is None or photo["attached_to"] is not None:
                return _error(
                    100, None, f"(#100) Media {media_id} is not an unpublished photo of this Page"
                )
        if not (params.get("message") or params.get("link") or media_ids):
            return _error(100, None, "(#100) Missing message or attachment")
        # published=false: a scheduled post (with scheduled_publish_time) or a dark one; neither
        # shows in the feed.
        published = params.get("published", "true").lower() != "false"
        if published and self._is_duplicate(params.get("message", "")):
            return _error(506)
        post = self._new_post(
            {
                "message": params.get("message", ""),
                "link": params.get("link"),
                "attached_media": media_ids,
                "published": published,
                "scheduled_publish_time": params.get("scheduled_publish_time"),
            }
        )
        for media_id in media_ids:
            self.photos[media_id]["attached_to"] = post["id"]
        return 200, {"id": post["id"]}, {}

    def _upload_photo(self, params: dict, files: dict):
        source = files.get("source")
        if (source is None or not source[2]) and not params.get("url"):
            return _error(324, None, "(#324) Requires upload file")
        photo_id = str(900000000000000 + next(self._ids))
        published = params.get("published", "true").lower() != "false"
        self.photos[photo_id] = {
            "id": photo_id,
            "caption": params.get("caption", ""),
            "alt_text_custom": params.get("alt_text_custom"),
            "filename": source[0] if source else None,
            "content_type": source[1] if source else None,
            "data": source[2] if source else b"",
            "published": published,
            "attached_to": None,
        }
        if not published:
            return 200, {"id": photo_id}, {}
        if self._is_duplicate(params.get("caption", "")):
            return _error(506)
        post = self._new_post({"message": params.get("caption", ""), "attached_media": [photo_id]})
        self.photos[photo_id]["attached_to"] = post["id"]
        return 200, {"id": photo_id, "post_id": post["id"]}, {}

    def _is_duplicate(self, message: str) -> bool:
        latest = next((p for p in reversed(self.posts) if p["published"]), None)
        return bool(self.reject_duplicates and message and latest and latest["message"] == message)

    def _new_post(self, values: dict[str, Any]) -> dict[str, Any]:
        story = str(100000000000000 + next(self._ids))
        post = {
            "id": f"{self.page_id}_{story}",
            "message": "",
            "created_time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000"),
            "permalink_url": f"https://www.facebook.com/{self.page_id}/posts/{story}",
            "published": True,
            **values,
        }
        self.posts.append(post)
        return post


def _endpoint(method: str, parts: list[str], page_id: str) -> str:
    if parts == ["me"] and method == "GET":
        return ME
    if parts == [page_id] and method == "GET":
        return PAGE
    if len(parts) == 2 and parts[0] == page_id and parts[1] in ("feed", "photos"):
        if method == "POST":
            return FEED if parts[1] == "feed" else PHOTOS
        if method == "GET" and parts[1] == "feed":
            return READ_FEED
    if len(parts) == 1 and "_" in parts[0] and method == "GET":
        return POST_NODE
    return OTHER


def _attached_media(params: dict) -> list[str] | None:
    """Media ids from `attached_media[0]={"media_fbid":…}`… or `attached_media=[{…}, …]`."""
    items: list[Any] = []
    try:
        if "attached_media" in params:
            value = json.loads(params["attached_media"])
            items = value if isinstance(value, list) else [None]
        indexed = sorted(
            (int(k[len("attached_media[") : -1]), v)
            for k, v in params.items()
            if k.startswith("attached_media[") and k.endswith("]")
        )
        items += [json.loads(v) for _, v in indexed]
    except ValueError:
        return None
    if not all(isinstance(i, dict) and i.get("media_fbid") for i in items):
        return None
    return [str(i["media_fbid"]) for i in items]


def _select(obj: dict[str, Any], fields: str | None, default=("id",)) -> dict[str, Any]:
    names = _field_names(fields) or list(default)
    chosen = {"id": obj["id"], **{n: obj[n] for n in names if n in obj and obj[n] is not None}}
    if "attachments" in names and obj.get("link"):
        # As Graph shows a link post: the link as given, and through Facebook's redirect.
        link = obj["link"]
        shim = f"https://l.facebook.com/l.php?u={quote(link, safe='')}&h=AT0fake"
        chosen["attachments"] = {"data": [{"type": "share", "unshimmed_url": link, "url": shim}]}
    return chosen


def _field_names(fields: str | None) -> list[str]:
    """Top-level names of a `fields` list; `attachments{url}` counts as `attachments`."""
    names, depth, current = [], 0, ""
    for char in fields or "":
        depth += {"{": 1, "}": -1}.get(char, 0)
        if char == "," and depth == 0:
            names.append(current)
            current = ""
        else:
            current += char
    names.append(current)
    return [n.split("{", 1)[0].strip() for n in names if n.strip()]


def _created(post: dict[str, Any]) -> datetime:
    return datetime.strptime(post["created_time"], "%Y-%m-%dT%H:%M:%S%z")


def _since(value: str | None) -> datetime | None | bool:
    """`since` as Graph takes it (a Unix time here); False when unreadable."""
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except ValueError:
        return False


def _parse_body(raw: bytes, content_type: str) -> tuple[dict[str, str], dict]:
    """Form fields and uploaded files (name -> (filename, content type, bytes))."""
    ctype = content_type.split(";")[0].strip().lower()
    if ctype == "multipart/form-data":
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        message = BytesParser(policy=policy.HTTP).parsebytes(head + raw)
        fields: dict[str, str] = {}
        files: dict[str, tuple[str | None, str, bytes]] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            data = part.get_payload(decode=True) or b""
            if part.get_filename() is not None:
                files[name] = (part.get_filename(), part.get_content_type(), data)
            else:
                fields[name] = data.decode("utf-8")
        return fields, files
    if raw and ctype in ("", "application/x-www-form-urlencoded"):
        return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True)), {}
    return {}, {}


def _error(code: int, subcode: int | None = None, message: str | None = None):
    status = ERRORS.get(code, (400, "", None))[0]
    return status, error_body(code, subcode, message), {}


def _fault_answer(fault: _Fault):
    if fault.code is None:
        return fault.status, "Service Unavailable", fault.headers
    status, body, _ = _error(fault.code, fault.subcode, fault.message)
    return fault.status or status, body, fault.headers


def _encode(status: int, body: Any, headers: dict[str, str]) -> Answer:
    if isinstance(body, str):
        return Answer(status, body.encode(), "text/plain; charset=utf-8", headers)
    return Answer(status, json.dumps(body).encode(), "application/json; charset=UTF-8", headers)
