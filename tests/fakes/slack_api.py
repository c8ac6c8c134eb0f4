"""A fake Slack Web API served over real HTTP on 127.0.0.1, recording calls and injecting faults."""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, quote

from fakes.base import Answer, FakeServer, Request, send, short

TEAM_ID = "T0TEST"
TEAM_NAME = "Test"
APP_ID = "A0TEST"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"

#: Pseudo method name under which POSTs to a `response_url()` are recorded.
RESPONSE_URL = "response_url"
#: Pseudo method name under which downloads of files registered with `add_file()` are recorded.
FILE_DOWNLOAD = "file_download"
#: Pseudo method name under which POSTs to an `upload_url` of files.getUploadURLExternal are recorded.
FILE_UPLOAD = "file_upload"

# Parameters that Slack accepts as JSON strings in form-encoded requests.
_JSON_STRING_FIELDS = ("blocks", "view", "attachments", "metadata", "files")
_VIEW_METHODS = ("views.open", "views.update", "views.push", "views.publish")
_LOGIN_PAGE = b"<!DOCTYPE html><html><body>Sign in to Slack</body></html>"


@dataclass
class Call:
    """One HTTP request received by the fake (recorded when it arrives, before it is answered)."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    raw_body: bytes
    at: float
    status: int = 200
    path: str = ""
    response: Any = None

    @property
    def endpoint(self) -> str:
        """The Slack method: the name the fake files calls, faults and delays under."""
        return self.method

    @property
    def ok(self) -> bool:
        """True when the fake answered HTTP 200 with `"ok": true`."""
        return (
            self.status == 200
            and isinstance(self.response, dict)
            and self.response.get("ok") is True
        )


@dataclass(frozen=True)
class _Fault:
    status: int
    retry_after: int | None
    error: str | None
    after_work: bool = False  # the call does its work (a message is made), then answers badly
    hold: float = 0.0  # with after_work: answer this late (the client has given up: a timeout)


@dataclass
class _Answer(Answer):
    json_body: Any = None  # what the call records as the response


def _json_answer(obj: Any, status: int = 200, headers: dict[str, str] | None = None) -> _Answer:
    return _Answer(
        status=status,
        body=json.dumps(obj).encode("utf-8"),
        content_type="application/json; charset=utf-8",
        headers=headers or {},
        json_body=obj,
    )


def _parse_params(query: dict[str, str], raw_body: bytes, content_type: str) -> dict[str, Any]:
    """Merge query and body (form or JSON) into one dict; decode JSON string fields."""
    params: dict[str, Any] = dict(query)
    ctype = content_type.split(";")[0].strip().lower()
    text = raw_body.decode("utf-8", errors="replace")
    if text:
        if ctype == "application/json" or (
            ctype != "application/x-www-form-urlencoded" and text.lstrip().startswith("{")
        ):
            try:
                body = json.loads(text)
            except ValueError:
                body = None
            if isinstance(body, dict):
                params.update(body)
        elif ctype in ("", "application/x-www-form-urlencoded"):
            params.update(parse_qsl(text, keep_blank_values=True))
    for name in _JSON_STRING_FIELDS:
        value = params.get(name)
        if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):
                params[name] = json.loads(value)
    return params


class FakeSlack(FakeServer[Call]):
    """Fake Slack Web API on 127.0.0.1; point `WebClient(base_url=fake.base_url)` at it."""

    def __init__(
        self,
        token: str = "xoxb-test-token",
        app_token: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.token = token
        #: The app-level token (xapp-…) that `apps.connections.open` accepts; None: no Socket Mode.
        self.app_token = app_token
        #: What `apps.connections.open` answers as `url` (e.g. a `FakeSocketMode().url`).
        self.socket_mode_url: str | None = None
        self._files: dict[str, tuple[dict[str, Any], bytes]] = {}
        self._clock = clock  # message ts are its time, as Slack's are the time they were made
        self._last_ts = 0  # microseconds: each new ts is later than the last
        self._id_counter = itertools.count(1)
        #: The bot scopes the app lacks: a method needing one answers `missing_scope`.
        self.missing_scopes: set[str] = set()
        self._history: dict[str, list[dict[str, Any]]] = {}  # conversation → messages, oldest first
        #: Each user's Slack language, as `users.info` tells it with `include_locale`.
        self.locales: dict[str, str] = {}
        self.default_locale = "ja-JP"
        # files.getUploadURLExternal → the upload URL's POST → files.completeUploadExternal
        self._uploads: dict[str, dict[str, Any]] = {}  # file id → name, length, data
        self._shared: list[dict[str, Any]] = []  # completed uploads, in order

    @property
    def base_url(self) -> str:
        """The value for `slack_sdk.WebClient(base_url=...)`."""
        return f"{self.root_url}/api/"

    # ------------------------------------------------------------------ inspection

    def calls(self, method: str | None = None) -> list[Call]:
        """A snapshot of the recorded calls, optionally only those of one method."""
        return super().calls(method)

    def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 20.0,  # generous: CI machines are slow and busy
        where: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Wait until at least `count` calls of `method` match `where`; return all that match.

        A `where` predicate that raises (e.g. KeyError on a missing param) counts as no match.
        Raises AssertionError with a summary of what was received on timeout.
        """
        of_method: list[Call] = []
        matched: list[Call] = []

        def enough() -> list[Call] | None:
            of_method[:] = self.calls(method)
            matched[:] = [c for c in of_method if _matches(where, c)]
            return list(matched) if len(matched) >= count else None

        def what() -> str:
            matching = f" matching {where!r}" if where is not None else ""
            return (
                f"{count} call(s) of {method!r}{matching}: {len(matched)} matched, "
                f"{len(of_method)} call(s) of that method in total"
            )

        return self.wait_until(enough, timeout, what)

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        times: int = 1,
        status: int = 429,
        retry_after: int | None = 1,
        error: str | None = None,
    ) -> None:
        """Make the next `times` calls of `method` fail.

        429 answers `Retry-After: retry_after` and `{"ok": false, "error": "ratelimited"}`;
        5xx answers a plain-text body; any other status (e.g. 200) answers
        `{"ok": false, "error": error or "fake_error"}`.
        """
        self._add_fault(method, _Fault(status=status, retry_after=retry_after, error=error), times)

    def fail_after_work(
        self, method: str, times: int = 1, status: int = 500, hold: float = 0.0
    ) -> None:
        """Make the next `times` calls of `method` do their work, then fail to answer well.

        The work is done first (`chat.postMessage` makes the message, as Slack may before its
        answer is lost). Then with `hold` seconds the answer comes that late, after a client
        with a shorter timeout has given up (a timeout); without, HTTP `status` (a 5xx) with a
        plain-text body.
        """
        fault = _Fault(status=status, retry_after=None, error=None, after_work=True, hold=hold)
        self._add_fault(method, fault, times)

    # ------------------------------------------------------------------ message history

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """The messages in a conversation (a user id: the bot's DM with them), oldest first."""
        with self._lock:
            return [dict(m) for m in self._history.get(_conversation(channel), [])]

    def add_message(
        self, channel: str, text: str = "", ts: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Put a message in a conversation's history as if posted (at `ts`, default now)."""
        with self._lock:
            message = _message({"text": text, **fields}, ts or self._next_ts())
            history = self._history.setdefault(_conversation(channel), [])
            history.append(message)
            history.sort(key=lambda m: _micros(m["ts"]))
            return dict(message)

    # ------------------------------------------------------------------ extra endpoints

    def response_url(self, name: str = "r") -> str:
        """A unique response_url on this fake; POSTs to it are recorded as method "response_url"."""
        return f"{self.root_url}/response/{quote(name, safe='')}/{uuid.uuid4().hex}"

    def shared_files(self) -> list[dict[str, Any]]:
        """Files uploaded and completed (files.completeUploadExternal), in order: each with
        `name`, `title`, `data` (the bytes), `channel_id` and `initial_comment`."""
        with self._lock:
            return [dict(f) for f in self._shared]

    def add_file(
        self,
        data: bytes,
        name: str = "image.png",
        mimetype: str = "image/png",
        filetype: str | None = None,
    ) -> dict[str, Any]:
        """Host `data` as a Slack file; returns a file object as in `file_input` / `files.info`.

        `url_private` and `url_private_download` serve the bytes only with the bot token as
        `Authorization: Bearer`; without it they answer 200 with an HTML login page, like Slack.
        """
        with self._lock:
            file_id = f"F0TEST{next(self._id_counter):04d}"
        url = f"{self.root_url}/files/{file_id}/{quote(name)}"
        file_obj: dict[str, Any] = {
            "id": file_id,
            "created": 1700000000,
            "timestamp": 1700000000,
            "name": name,
            "title": name,
            "mimetype": mimetype,
            "filetype": filetype or name.rsplit(".", 1)[-1].lower(),
            "pretty_type": (filetype or name.rsplit(".", 1)[-1]).upper(),
            "user": "U0TEST",
            "user_team": TEAM_ID,
            "size": len(data),
            "mode": "hosted",
            "is_external": False,
            "is_public": False,
            "url_private": url,
            "url_private_download": f"{url}?download=1",
            "permalink": f"https://test.slack.com/files/U0TEST/{file_id}/{name}",
        }
        with self._lock:
            self._files[file_id] = (file_obj, data)
        return dict(file_obj)

    # ------------------------------------------------------------------ request handling

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        request = Request.read(handler)
        headers = request.headers
        params = _parse_params(request.query, request.body, headers.get("content-type", ""))
        authorized = headers.get("authorization") == f"Bearer {self.token}"
        app_authorized = (
            self.app_token is not None
            and headers.get("authorization") == f"Bearer {self.app_token}"
        )

        path = request.path
        if path.startswith("/api/") and len(path) > len("/api/"):
            method = path[len("/api/") :]
        elif path.startswith("/response/") and request.method == "POST":
            method = RESPONSE_URL
        elif path.startswith("/files/") and request.method == "GET":
            method = FILE_DOWNLOAD
        elif path.startswith("/upload/") and request.method == "POST":
            method = FILE_UPLOAD
        else:
            send(handler, Answer(404, b"Not Found", "text/plain; charset=utf-8"))
            return

        with self._lock:
            fault = self._take_fault(method)
            wait = self._delay(method)
            if fault is not None and fault.after_work and authorized:
                done = _json_answer(self._api_response(method, params))
                answer, wait = (done, fault.hold) if fault.hold else (_fault_answer(fault), wait)
            elif fault is not None:
                answer = _fault_answer(fault)
            elif method == RESPONSE_URL:
                answer = _json_answer({"ok": True})
            elif method == FILE_DOWNLOAD:
                answer = self._file_answer(path, authorized)
            elif method == FILE_UPLOAD:
                answer = self._upload_answer(path, request.body)
            elif method == "apps.connections.open" or (app_authorized and not authorized):
                answer = _json_answer(self._app_token_response(method, authorized, app_authorized))
            elif not authorized:
                answer = _json_answer({"ok": False, "error": "invalid_auth"})
            else:
                answer = _json_answer(self._api_response(method, params))
            self._record(
                Call(
                    method=method,
                    params=params,
                    headers=headers,
                    raw_body=request.body,
                    at=request.at,
                    status=answer.status,
                    path=path,
                    response=answer.json_body,
                )
            )
        send(handler, answer, after=wait)

    def _describe(self, call: Call) -> str:
        return f"{call.method} status={call.status} params={short(repr(call.params))}"

    def _file_answer(self, path: str, authorized: bool) -> _Answer:
        parts = path.split("/")
        entry = self._files.get(parts[2]) if len(parts) > 2 else None
        if entry is None:
            return _Answer(404, b"Not Found", "text/plain; charset=utf-8")
        if not authorized:
            return _Answer(200, _LOGIN_PAGE, "text/html; charset=utf-8")
        file_obj, data = entry
        return _Answer(200, data, file_obj["mimetype"])

    def _upload_answer(self, path: str, data: bytes) -> _Answer:
        """As Slack's upload URL: no token needed (the URL is the secret), the bytes kept."""
        upload = self._uploads.get(path.split("/")[2] if path.count("/") >= 2 else "")
        if upload is None:
            return _Answer(404, b"Not Found", "text/plain; charset=utf-8")
        upload["data"] = data
        return _Answer(200, f"OK - {len(data)}".encode(), "text/plain; charset=utf-8")

    def _complete_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        """files.completeUploadExternal: every file named must have been uploaded first."""
        files = params.get("files")
        if not isinstance(files, list) or not files:
            return {"ok": False, "error": "invalid_arguments"}
        done = []
        for item in files:
            upload = self._uploads.get(item.get("id", ""))
            if upload is None or "data" not in upload:
                return {"ok": False, "error": "file_not_found"}
            done.append({"id": item["id"], "title": item.get("title") or upload["name"],
                         "name": upload["name"]})  # fmt: skip
        for item in done:
            self._shared.append({**item, "data": self._uploads[item["id"]]["data"],
                                 "channel_id": params.get("channel_id"),
                                 "initial_comment": params.get("initial_comment")})  # fmt: skip
        return {"ok": True, "files": done}

    def _app_token_response(
        self, method: str, authorized: bool, app_authorized: bool
    ) -> dict[str, Any]:
        """`apps.connections.open` takes the app token only; the app token opens nothing else."""
        if method != "apps.connections.open" or (authorized and not app_authorized):
            return {"ok": False, "error": "not_allowed_token_type"}
        if not app_authorized:
            return {"ok": False, "error": "invalid_auth"}
        if not self.socket_mode_url:
            return {"ok": False, "error": "fake_socket_mode_url_not_set"}
        return {"ok": True, "url": self.socket_mode_url}

    def _next_ts(self) -> str:
        self._last_ts = max(int(self._clock() * 1_000_000), self._last_ts + 1)
        return _ts(self._last_ts)

    def _api_response(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Build the success answer for `method` (called with the lock held)."""
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://test.slack.com/",
                "team": TEAM_NAME,
                "user": "snsbot",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
            }
        if method == "chat.postMessage":
            channel = params.get("channel")
            if not channel:
                return {"ok": False, "error": "channel_not_found"}
            if not any(params.get(k) for k in ("text", "blocks", "attachments")):
                return {"ok": False, "error": "no_text"}
            channel = _conversation(channel)
            ts = self._next_ts()
            message = _message(params, ts)
            self._history.setdefault(channel, []).append(message)
            return {"ok": True, "channel": channel, "ts": ts, "message": dict(message)}
        if method == "chat.update":
            ts = params.get("ts")
            for message in self._history.get(params.get("channel", ""), []):
                if message["ts"] == ts:
                    message.update(_message({**message, **params}, ts))
            return {
                "ok": True,
                "channel": params.get("channel"),
                "ts": ts,
                "text": params.get("text", ""),
                "message": _message(params, ts),
            }
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method == "conversations.history":
            return self._conversation_history(params)
        if method == "conversations.open":
            if "im:write" in self.missing_scopes:
                return _missing_scope("im:write")
            users = params.get("users")
            if isinstance(users, str):
                users = [u for u in users.split(",") if u.strip()]
            if users:
                return {"ok": True, "channel": {"id": "D" + users[0].strip()}}
            if params.get("channel"):
                return {"ok": True, "channel": {"id": params["channel"]}}
            return {"ok": False, "error": "users_list_not_supplied"}
        if method in _VIEW_METHODS:
            return {"ok": True, "view": self._view(method, params)}
        if method == "users.info":
            user_id = params.get("user", "")
            locale = self.locales.get(user_id, self.default_locale)
            shown = {"locale": locale} if _truthy(params.get("include_locale")) else {}
            return {
                "ok": True,
                "user": {
                    **shown,
                    "id": user_id,
                    "team_id": TEAM_ID,
                    "name": f"user-{user_id}",
                    "real_name": f"User {user_id}",
                    "tz": "Asia/Tokyo",
                    "tz_offset": 32400,
                    "is_bot": False,
                    "profile": {
                        "display_name": f"User {user_id}",
                        "real_name": f"User {user_id}",
                    },
                },
            }
        if method == "files.getUploadURLExternal":
            if "files:write" in self.missing_scopes:
                return _missing_scope("files:write")
            if not params.get("filename") or not str(params.get("length", "")).isdigit():
                return {"ok": False, "error": "invalid_arguments"}
            file_id = f"F0UP{next(self._id_counter):04d}"
            self._uploads[file_id] = {"name": params["filename"], "length": int(params["length"])}
            return {
                "ok": True,
                "file_id": file_id,
                "upload_url": f"{self.root_url}/upload/{file_id}",
            }
        if method == "files.completeUploadExternal":
            return self._complete_upload(params)
        if method == "files.info":
            entry = self._files.get(params.get("file", ""))
            if entry is None:
                return {"ok": False, "error": "file_not_found"}
            return {"ok": True, "file": dict(entry[0])}
        return {"ok": True}

    def _conversation_history(self, params: dict[str, Any]) -> dict[str, Any]:
        """As Slack: newest first, after `oldest` and before `latest` (both included with
        `inclusive`), `limit` at a time (default 100, at most 999) with a `next_cursor`;
        metadata only with `include_all_metadata`."""
        channel = params.get("channel", "")
        scope = _HISTORY_SCOPES.get(channel[:1])
        if scope is None:
            return {"ok": False, "error": "channel_not_found"}
        if scope in self.missing_scopes:
            return _missing_scope(scope)
        inclusive = _truthy(params.get("inclusive"))
        oldest = _micros(str(params.get("oldest") or "0"))
        latest = _micros(str(params["latest"])) if params.get("latest") else None
        cursor = _from_cursor(params.get("cursor"))
        limit = min(max(int(params.get("limit") or 100), 1), 999)
        found = [
            m
            for m in reversed(self._history.get(channel, []))
            if (_micros(m["ts"]) >= oldest if inclusive else _micros(m["ts"]) > oldest)
            and (
                latest is None
                or (_micros(m["ts"]) <= latest if inclusive else _micros(m["ts"]) < latest)
            )
            and (cursor is None or _micros(m["ts"]) <= cursor)
        ]
        page, rest = found[:limit], found[limit:]
        with_metadata = _truthy(params.get("include_all_metadata"))
        answer: dict[str, Any] = {
            "ok": True,
            "messages": [
                {k: v for k, v in m.items() if with_metadata or k != "metadata"} for m in page
            ],
            "has_more": bool(rest),
            "pin_count": 0,
        }
        if rest:
            answer["response_metadata"] = {"next_cursor": _to_cursor(_micros(rest[0]["ts"]))}
        return answer

    def _view(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        submitted = params.get("view")
        if not isinstance(submitted, dict):
            submitted = {}
        view_id = params.get("view_id") if method == "views.update" else None
        if not view_id:
            view_id = f"V0TEST{next(self._id_counter):04d}"
        default_type = "home" if method == "views.publish" else "modal"
        view: dict[str, Any] = {
            "team_id": TEAM_ID,
            "callback_id": "",
            "private_metadata": "",
            "external_id": params.get("external_id", ""),
            "blocks": [],
            "state": {"values": {}},
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": APP_ID,
            "app_installed_team_id": TEAM_ID,
            "bot_id": BOT_ID,
        }
        view.update(submitted)
        view.update(
            id=view_id,
            hash=f"h{uuid.uuid4().hex[:16]}",
            type=submitted.get("type") or default_type,
        )
        return view


def _matches(where: Callable[[Call], bool] | None, call: Call) -> bool:
    if where is None:
        return True
    try:
        return bool(where(call))
    except Exception:
        return False


def _message(params: dict[str, Any], ts: str | None) -> dict[str, Any]:
    message: dict[str, Any] = {
        "type": "message",
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": APP_ID,
        "text": params.get("text", ""),
        "ts": ts,
    }
    for key in ("blocks", "attachments", "thread_ts", "metadata"):
        if key in params:
            message[key] = params[key]
    return message


# The scope conversations.history needs for each kind of conversation, by its id's first letter.
_HISTORY_SCOPES = {"D": "im:history", "C": "channels:history", "G": "groups:history"}


def _conversation(channel: str) -> str:
    """Where a message to `channel` goes: a user id means the bot's DM with them."""
    return "D" + channel if channel[:1] in ("U", "W") else channel


def _micros(ts: str) -> int:
    seconds, _, fraction = ts.partition(".")
    return int(seconds) * 1_000_000 + int((fraction + "000000")[:6])


def _ts(micros: int) -> str:
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def _to_cursor(micros: int) -> str:
    return base64.b64encode(f"next_ts:{micros}".encode()).decode()


def _from_cursor(cursor: Any) -> int | None:
    if not cursor:
        return None
    return int(base64.b64decode(str(cursor)).decode().partition(":")[2])


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("1", "true")


def _missing_scope(scope: str) -> dict[str, Any]:
    return {"ok": False, "error": "missing_scope", "needed": scope, "provided": "chat:write"}


def _fault_answer(fault: _Fault) -> _Answer:
    if fault.status == 429:
        headers = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
        return _json_answer({"ok": False, "error": "ratelimited"}, status=429, headers=headers)
    if fault.status >= 500:
        try:
            phrase = HTTPStatus(fault.status).phrase
        except ValueError:
            phrase = "Server Error"
        return _Answer(fault.status, phrase.encode(), "text/plain; charset=utf-8")
    return _json_answer({"ok": False, "error": fault.error or "fake_error"}, status=fault.status)
