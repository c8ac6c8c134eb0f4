"""A fake X API v2 on 127.0.0.1 that records requests, checks OAuth 1.0a and injects faults.

Endpoints: POST /2/tweets, GET /2/users/me, GET /2/users/{id}/tweets, POST /2/media/upload
(one-shot upload, multipart or JSON). There is deliberately no direct-message endpoint, and a
tweet that asks to be a reply is refused: snsbot must never reply or send DMs.

Behaviour modelled after X (from its docs and public error reports, not from a live account):
links in a tweet's text become t.co links (entities.urls keeps the expanded ones), `&`, `<` and `>`
come back HTML-escaped, an attached image adds a trailing t.co link, and the same text posted
twice within a day is refused with 403 "duplicate content". The timeline honours `start_time` (inclusive).
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.parser import BytesParser
from email.policy import HTTP
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, unquote

from oauthlib.oauth1 import Client
from oauthlib.oauth1.rfc5849 import signature

from fakes.base import Answer, FakeServer, Request, send

USER_ID = "1500000000000000001"
USER_NAME = "わこらぼ"
#: The profile description `GET /2/users/me?user.fields=description` shows (policy §9 notice).
DESCRIPTION = (
    "和光市市民協働推進センターの公式アカウントです。個別のコメントや返信には回答しておりません。"
)

#: Endpoint names accepted by `fail_next`, `delay` and `calls` (besides exact paths).
TWEETS = "tweets"
USERS_ME = "users/me"
USER_TWEETS = "users/tweets"
MEDIA_UPLOAD = "media/upload"
MEDIA_METADATA = "media/metadata"
ALT_TEXT_MAX = 1000  # docs.x.com, "Create Media metadata": alt_text.text

#: Media types the one-shot upload accepts (docs.x.com, "image or subtitle media upload").
ONE_SHOT_MEDIA_TYPES = (
    "image/jpeg",
    "image/bmp",
    "image/png",
    "image/webp",
    "image/pjpeg",
    "image/tiff",
)

UNAUTHORIZED = {
    "title": "Unauthorized",
    "type": "about:blank",
    "status": 401,
    "detail": "Unauthorized",
}
#: How far back a repeated text counts as duplicate content (X says "recent"; a day here).
DUPLICATE_WINDOW = timedelta(days=1)
DUPLICATE = {
    "detail": "You are not allowed to create a Tweet with duplicate content.",
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
}
FORBIDDEN = {
    "detail": "You are not permitted to perform this action.",
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
}
TOO_MANY_REQUESTS = {
    "title": "Too Many Requests",
    "detail": "Too Many Requests",
    "type": "about:blank",
    "status": 429,
}
NOT_FOUND = {
    "title": "Not Found Error",
    "detail": "Not Found",
    "type": "about:blank",
    "status": 404,
}


def invalid_request(message: str = "Invalid parameters.") -> dict[str, Any]:
    """X's 400 body for a request it rejects."""
    return {
        "errors": [{"message": message}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.twitter.com/2/problems/invalid-request",
    }


def server_error(status: int = 503) -> dict[str, Any]:
    """A problem body for a 5xx answer."""
    phrase = HTTPStatus(status).phrase
    return {"title": phrase, "detail": phrase, "type": "about:blank", "status": status}


def rate_limit_headers(
    reset: int | None = None,
    *,
    limit: int = 100,
    user_24h_reset: int | None = None,
    user_24h_remaining: int = 0,
    app_24h_reset: int | None = None,
    app_24h_remaining: int = 0,
) -> dict[str, str]:
    """Headers of a 429: the 15-minute window, and optionally the per-user / per-app 24-hour ones."""
    headers = {
        "x-rate-limit-limit": str(limit),
        "x-rate-limit-remaining": "0",
        "x-rate-limit-reset": str(reset if reset is not None else int(time.time()) + 900),
    }
    for scope, reset_at, remaining in (
        ("user", user_24h_reset, user_24h_remaining),
        ("app", app_24h_reset, app_24h_remaining),
    ):
        if reset_at is not None:
            headers[f"x-{scope}-limit-24hour-limit"] = "17"
            headers[f"x-{scope}-limit-24hour-remaining"] = str(remaining)
            headers[f"x-{scope}-limit-24hour-reset"] = str(reset_at)
    return headers


_DEFAULT_FAULT_BODIES = {
    400: invalid_request(),
    401: UNAUTHORIZED,
    403: FORBIDDEN,
    404: NOT_FOUND,
    429: TOO_MANY_REQUESTS,
}
_URL = re.compile(r"https?://[^\s]+")  # simpler than twitter-text: only links with a scheme


@dataclass
class Call:
    """One request received (recorded when it arrives, completed when answered)."""

    endpoint: str
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    raw_body: bytes
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    oauth: dict[str, str] = field(default_factory=dict)
    status: int = 0
    response: Any = None


@dataclass(frozen=True)
class _Fault:
    status: int
    body: Any
    headers: dict[str, str]


class FakeX(FakeServer[Call]):
    """Fake X API v2 for one account; point `X_API_URL` at `fake.url`."""

    def __init__(
        self,
        consumer_key: str,
        access_token: str,
        *,
        consumer_secret: str | None = None,
        access_token_secret: str | None = None,
        username: str = "wakokyodo",
    ) -> None:
        """With both secrets given, every OAuth 1.0a signature is checked, as X does."""
        super().__init__()
        self.consumer_key = consumer_key
        self.access_token = access_token
        self.consumer_secret = consumer_secret
        self.access_token_secret = access_token_secret
        self.username = username
        self.description = DESCRIPTION  # set it to test a profile without the §9 notice
        self._tweets: list[dict[str, Any]] = []  # newest last; each keeps its "submitted" text
        self._media: set[str] = set()
        #: Each uploaded image's alternative text, as POST /2/media/metadata set it.
        self.alt_texts: dict[str, str] = {}
        self._tweet_ids = itertools.count(1800000000000000001)
        self._media_ids = itertools.count(1900000000000000001)
        self._tco = itertools.count(1)

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT`, the value for X_API_URL."""
        return self.root_url

    # ------------------------------------------------------------------ inspection and setup

    def calls(self, endpoint: str | None = None) -> list[Call]:
        """Recorded calls, optionally only those of one endpoint name or exact path."""
        with self._lock:
            return [c for c in self._calls if endpoint in (None, c.endpoint, c.path)]

    def tweets(self) -> list[dict[str, Any]]:
        """The account's tweets as X would list them, newest first."""
        with self._lock:
            return [self._public(t, ("created_at", "entities")) for t in reversed(self._tweets)]

    def add_tweet(
        self, text: str, media_ids: tuple[str, ...] = (), created_at: datetime | None = None
    ) -> str:
        """Put a tweet on the account (as if posted elsewhere, at `created_at`); returns its id."""
        with self._lock:
            return self._create(text, list(media_ids), created_at)["id"]

    def fail_next(
        self,
        path_or_endpoint: str,
        times: int = 1,
        status: int = 429,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next `times` calls with `status`; bodies and 429 headers default to X's."""
        if body is None:
            body = _DEFAULT_FAULT_BODIES.get(status) or server_error(status)
        if headers is None and status == 429:
            headers = rate_limit_headers()
        self._add_fault(path_or_endpoint, _Fault(status, body, headers or {}), times)

    # ------------------------------------------------------------------ request handling

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        request = Request.read(handler)
        call = Call(
            endpoint=_endpoint(request.method, request.path),
            method=request.method,
            path=request.path,
            query=request.query,
            headers=request.headers,
            raw_body=request.body,
            oauth=_oauth_params(request.headers.get("authorization", "")),
        )
        _parse_body(call, request.headers.get("content-type", ""))
        with self._lock:
            self._record(call)
            fault = self._take_fault(call.endpoint, call.path)
            if fault is not None:
                status, body, extra = fault.status, fault.body, fault.headers
            elif not self._authorized(call, request.headers.get("host", ""), request.query_string):
                status, body, extra = 401, UNAUTHORIZED, {}
            else:
                status, body = self._answer(call)
                extra = {}
            call.status, call.response = status, body
            wait = self._delay(call.endpoint, call.path)
        send(handler, _encode(status, body, extra), after=wait)

    def _authorized(self, call: Call, host: str, query: str) -> bool:
        oauth = call.oauth
        if (
            oauth.get("oauth_consumer_key") != self.consumer_key
            or oauth.get("oauth_token") != self.access_token
        ):
            return False
        if self.consumer_secret is None or self.access_token_secret is None:
            return True
        # The signature covers the URL as received, so a request signed for another host fails.
        form = call.headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
        params = signature.collect_parameters(
            uri_query=query,
            body=call.raw_body.decode() if form else None,
            headers={"Authorization": call.headers.get("authorization", "")},
            exclude_oauth_signature=True,
        )
        base = signature.signature_base_string(
            call.method,
            signature.base_string_uri(f"http://{host}{call.path}"),
            signature.normalize_parameters(params),
        )
        client = Client(
            self.consumer_key,
            client_secret=self.consumer_secret,
            resource_owner_secret=self.access_token_secret,
        )
        expected = signature.sign_hmac_sha1_with_client(base, client)
        return signature.safe_string_equals(expected, oauth.get("oauth_signature", ""))

    def _answer(self, call: Call) -> tuple[int, Any]:
        """The success (or validation) answer; called with the lock held."""
        if call.endpoint == USERS_ME:
            user = {"id": USER_ID, "name": USER_NAME, "username": self.username}
            if "description" in call.query.get("user.fields", "").split(","):
                user["description"] = self.description  # as X: only when asked for
            return 200, {"data": user}
        if call.endpoint == USER_TWEETS:
            return self._timeline(call)
        if call.endpoint == MEDIA_UPLOAD:
            return self._upload(call)
        if call.endpoint == MEDIA_METADATA:
            return self._metadata(call)
        if call.endpoint == TWEETS:
            return self._post_tweet(call)
        return 404, NOT_FOUND

    def _post_tweet(self, call: Call) -> tuple[int, Any]:
        body = call.json if isinstance(call.json, dict) else {}
        if "reply" in body or "direct_message_deep_link" in body:
            return 400, invalid_request("This fake X refuses replies: snsbot must never reply.")
        text = body.get("text")
        media_ids = (body.get("media") or {}).get("media_ids") or []
        if not text and not media_ids:
            return 400, invalid_request("$.text or $.media is required.")
        if any(str(m) not in self._media for m in media_ids):
            return 400, invalid_request("Your media IDs are invalid.")
        recent = datetime.now(UTC) - DUPLICATE_WINDOW
        if text and any(
            t["submitted"] == text and _x_time(t["created_at"]) >= recent for t in self._tweets
        ):
            return 403, DUPLICATE
        tweet = self._create(text or "", [str(m) for m in media_ids])
        return 201, {"data": self._public(tweet, ())}

    def _create(
        self, text: str, media_ids: list[str], created_at: datetime | None = None
    ) -> dict[str, Any]:
        tweet_id = str(next(self._tweet_ids))
        shown, urls = _html_escape(text), []
        for link in _URL.findall(shown):
            tco = f"https://t.co/fake{next(self._tco):06d}"
            shown = shown.replace(link, tco, 1)
            expanded = link.replace("&amp;", "&")
            urls.append(
                {"url": tco, "expanded_url": expanded, "display_url": expanded.split("://", 1)[1]}
            )
        for media_id in media_ids:
            tco = f"https://t.co/fake{next(self._tco):06d}"
            shown = f"{shown} {tco}".strip()
            photo = f"https://x.com/{self.username}/status/{tweet_id}/photo/1"
            urls.append({"url": tco, "expanded_url": photo, "media_key": f"3_{media_id}"})
        tweet = {
            "id": tweet_id,
            "text": shown,
            "submitted": text,
            "created_at": (created_at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "entities": {"urls": urls} if urls else None,
        }
        self._tweets.append(tweet)
        return tweet

    def _public(self, tweet: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
        shown = {"id": tweet["id"], "text": tweet["text"], "edit_history_tweet_ids": [tweet["id"]]}
        for name in fields:
            if tweet.get(name) is not None:
                shown[name] = tweet[name]
        return shown

    def _timeline(self, call: Call) -> tuple[int, Any]:
        try:
            count = int(call.query.get("max_results", "10"))
        except ValueError:
            count = 0
        if not 5 <= count <= 100:
            return 400, invalid_request(
                "The `max_results` query parameter value is not between 5 and 100"
            )
        user_id = call.path.split("/")[3]
        fields = tuple(f for f in call.query.get("tweet.fields", "").split(",") if f)
        start = call.query.get("start_time")
        if start is not None and not _X_TIME.fullmatch(start):
            return 400, invalid_request("Invalid 'start_time'")
        newest = [
            t
            for t in reversed(self._tweets)
            if start is None or _x_time(t["created_at"]) >= _x_time(start)
        ]
        chosen = newest[:count] if user_id == USER_ID else []
        if not chosen:
            return 200, {"meta": {"result_count": 0}}
        meta = {
            "result_count": len(chosen),
            "newest_id": chosen[0]["id"],
            "oldest_id": chosen[-1]["id"],
        }
        return 200, {"data": [self._public(t, fields) for t in chosen], "meta": meta}

    def _upload(self, call: Call) -> tuple[int, Any]:
        fields = call.form if call.files else (call.json if isinstance(call.json, dict) else {})
        media = call.files.get("media") or fields.get("media")
        category = fields.get("media_category")
        media_type = fields.get("media_type") or (call.files.get("media") or {}).get("content_type")
        if not media:
            return 400, invalid_request("The `media` field is required.")
        if category != "tweet_image":
            return 400, invalid_request(f"media_category {category!r} is not allowed here.")
        if media_type not in ONE_SHOT_MEDIA_TYPES:
            return 400, invalid_request(f"media_type {media_type!r} is not supported.")
        media_id = str(next(self._media_ids))
        self._media.add(media_id)
        return 200, {
            "data": {"id": media_id, "media_key": f"3_{media_id}", "expires_after_secs": 86400}
        }

    def _metadata(self, call: Call) -> tuple[int, Any]:
        body = call.json if isinstance(call.json, dict) else {}
        media_id = str(body.get("id") or "")
        alt = ((body.get("metadata") or {}).get("alt_text") or {}).get("text")
        if media_id not in self._media:
            return 400, invalid_request("The media id is invalid.")
        if not isinstance(alt, str) or not alt or len(alt) > ALT_TEXT_MAX:
            return 400, invalid_request("$.metadata.alt_text.text is invalid.")
        self.alt_texts[media_id] = alt
        return 200, {"data": {"id": media_id, "associated_metadata": True}}


#: `start_time` as X takes it (RFC 3339, tweepy sends `YYYY-MM-DDTHH:mm:ssZ`).
_X_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z")


def _x_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _endpoint(method: str, path: str) -> str:
    if method == "POST" and path == "/2/tweets":
        return TWEETS
    if method == "GET" and path == "/2/users/me":
        return USERS_ME
    if method == "GET" and re.fullmatch(r"/2/users/[^/]+/tweets", path):
        return USER_TWEETS
    if method == "POST" and path == "/2/media/upload":
        return MEDIA_UPLOAD
    if method == "POST" and path == "/2/media/metadata":
        return MEDIA_METADATA
    return path


def _oauth_params(header: str) -> dict[str, str]:
    if not header.startswith("OAuth "):
        return {}
    pairs = re.findall(r'(\w+)="([^"]*)"', header)
    return {name: unquote(value) for name, value in pairs}


def _parse_body(call: Call, content_type: str) -> None:
    ctype = content_type.split(";")[0].strip().lower()
    if not call.raw_body:
        return
    if ctype == "application/json":
        try:
            call.json = json.loads(call.raw_body)
        except ValueError:
            call.json = None
        if isinstance(call.json, dict) and isinstance(call.json.get("media"), str):
            call.json["media"] = base64.b64decode(call.json["media"])
    elif ctype == "application/x-www-form-urlencoded":
        call.form = dict(parse_qsl(call.raw_body.decode(), keep_blank_values=True))
    elif ctype == "multipart/form-data":
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + call.raw_body
        )
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            data = part.get_payload(decode=True) or b""
            if part.get_filename() is None:
                call.form[name] = data.decode()
            else:
                call.files[name] = {
                    "filename": part.get_filename(),
                    "content_type": part.get_content_type(),
                    "data": data,
                }


def _html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _encode(status: int, body: Any, headers: dict[str, str]) -> Answer:
    """`body` as JSON, or as an HTML page when it is a str (as proxies in front of X send)."""
    if isinstance(body, str):
        return Answer(status, body.encode(), "text/html; charset=utf-8", headers)
    return Answer(
        status, json.dumps(body, ensure_ascii=False).encode(), "application/json", headers
    )
