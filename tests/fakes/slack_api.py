"""A fake Slack Web API served over real HTTP on 127.0.0.1, recording calls and injecting faults."""

from __future__ import annotations

import contextlib
import itertools
import json
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

# Parameters that Slack accepts as JSON strings in form-encoded requests.
_JSON_STRING_FIELDS = ("blocks", "view", "attachments", "metadata")
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

    def __init__(self, token: str = "xoxb-test-token", app_token: str | None = None) -> None:
        super().__init__()
        self.token = token
        #: The app-level token (xapp-…) that `apps.connections.open` accepts; None: no Socket Mode.
        self.app_token = app_token
        #: What `apps.connections.open` answers as `url` (e.g. a `FakeSocketMode().url`).
        self.socket_mode_url: str | None = None
        self._files: dict[str, tuple[dict[str, Any], bytes]] = {}
        self._ts_counter = itertools.count(100, 100)
        self._id_counter = itertools.count(1)

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

    # ------------------------------------------------------------------ extra endpoints

    def response_url(self, name: str = "r") -> str:
        """A unique response_url on this fake; POSTs to it are recorded as method "response_url"."""
        return f"{self.root_url}/response/{quote(name, safe='')}/{uuid.uuid4().hex}"

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
        else:
            send(handler, Answer(404, b"Not Found", "text/plain; charset=utf-8"))
            return

        with self._lock:
            fault = self._take_fault(method)
            wait = self._delay(method)
            if fault is not None:
                answer = _fault_answer(fault)
            elif method == RESPONSE_URL:
                answer = _json_answer({"ok": True})
            elif method == FILE_DOWNLOAD:
                answer = self._file_answer(path, authorized)
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
        n = next(self._ts_counter)
        return f"{1700000000 + n // 1_000_000}.{n % 1_000_000:06d}"

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
            if channel[:1] in ("U", "W"):
                channel = "D" + channel
            ts = self._next_ts()
            return {"ok": True, "channel": channel, "ts": ts, "message": _message(params, ts)}
        if method == "chat.update":
            ts = params.get("ts")
            return {
                "ok": True,
                "channel": params.get("channel"),
                "ts": ts,
                "text": params.get("text", ""),
                "message": _message(params, ts),
            }
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method == "conversations.open":
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
            return {
                "ok": True,
                "user": {
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
        if method == "files.info":
            entry = self._files.get(params.get("file", ""))
            if entry is None:
                return {"ok": False, "error": "file_not_found"}
            return {"ok": True, "file": dict(entry[0])}
        return {"ok": True}

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
