"""A fake Bot Framework connector (REST v3) on 127.0.0.1: the `serviceUrl` the Teams bot calls.

The Agents SDK sends every outgoing call to the incoming activity's `serviceUrl`, so a test
gives its activities `"serviceUrl": fake.base_url` and everything the bot says lands here:

    create   POST   v3/conversations          → {"id", "serviceUrl", "activityId" if one was sent}
    send     POST   v3/conversations/{conversationId}/activities               → {"id"}
    reply    POST   v3/conversations/{conversationId}/activities/{activityId}  → {"id"}
    update   PUT    v3/conversations/{conversationId}/activities/{activityId}  → {"id"}
    delete   DELETE v3/conversations/{conversationId}/activities/{activityId}  → {}
    members  GET    v3/conversations/{conversationId}/members[/{memberId}]

Any path prefix before `v3/` is accepted (real service URLs look like `…/teams/` or `…/amer/`).
Conversation ids (`a:…`, `19:…@thread.v2;messageid=…`) are URL-decoded. Like Teams, creating
a 1:1 conversation with the same member again returns the same conversation id, and a member
is found by either of their ids (`29:…` or the Entra object id) once `add_person` has said
who they are. With `strict_nulls` (the default), a body holding `null` anywhere is answered
400 BadArgument, as the Microsoft 365 Agents Playground's connector does. Every Adaptive Card
received is checked against the 1.5 schema and Teams' rules (tests/adaptive_cards.py):
`invalid_cards()` lists what was wrong.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any, TypeVar
from urllib.parse import quote, unquote

from fakes.base import Answer, FakeServer, Request, send, short

#: Endpoint names, for `calls()` and `fail_next()` (which also takes a regex on "METHOD /path").
CREATE = "create"
SEND = "send"
REPLY = "reply"
UPDATE = "update"
DELETE = "delete"
MEMBERS = "members"
ENDPOINTS = (CREATE, SEND, REPLY, UPDATE, DELETE, MEMBERS)

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
#: What the Bot Connector answers to a missing, expired or wrong token.
UNAUTHORIZED = {"message": "Authorization has been denied for this request."}

T = TypeVar("T")


def error_body(code: str, message: str) -> dict[str, Any]:
    """The connector's error shape: `{"error": {"code", "message"}}`."""
    return {"error": {"code": code, "message": message}}


_DEFAULT_FAULT_BODIES: dict[int, Any] = {
    400: error_body("BadArgument", "Bad request"),
    401: UNAUTHORIZED,
    403: error_body("BotDisabledByAdmin", "The bot is not allowed in this conversation"),
    404: error_body("ConversationNotFound", "Conversation not found."),
    412: error_body("PreconditionFailed", "Precondition failed"),
    413: error_body("MessageSizeTooBig", "Message size too large"),
    429: error_body("TooManyRequests", "Too many requests"),
}


@dataclass
class Call:
    """One request received (recorded when it arrives, completed when answered)."""

    endpoint: str  # CREATE, SEND, … or "" for a route the fake does not know
    method: str
    path: str  # as received, still URL-encoded, without the query
    conversation_id: str | None  # decoded
    activity_id: str | None  # decoded (for MEMBERS: the member id, if any)
    json: Any
    headers: dict[str, str]  # names lower-cased
    query: dict[str, str] = field(default_factory=dict)
    raw_body: bytes = b""
    at: float = 0.0
    status: int = 0
    response: Any = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class _Fault:
    pattern: str
    status: int
    body: Any
    headers: dict[str, str]
    times: int


class FakeBotConnector(FakeServer[Call]):
    """Fake Bot Connector; use `fake.base_url` as the `serviceUrl` of the activities you send."""

    methods = ("GET", "POST", "PUT", "DELETE")

    def __init__(self, *, strict_updates: bool = True, strict_nulls: bool = True) -> None:
        """With `strict_updates`, updating an activity the fake never received answers 404;
        with `strict_nulls`, a body carrying a `null` answers 400."""
        super().__init__()
        self.strict_updates = strict_updates
        self.strict_nulls = strict_nulls
        self._people: dict[str, dict[str, Any]] = {}  # either id → the member's account
        # In the order given: a pattern may match several endpoints, so no queue per endpoint.
        self._pattern_faults: list[_Fault] = []
        self._token: str | None = None
        self._conversations: dict[str, dict[str, Any]] = {}
        self._one_to_one: dict[str, str] = {}  # member id → conversation id
        self._activities: dict[str, dict[str, dict[str, Any]]] = {}  # conversation → id → current
        self._conversation_ids = itertools.count(1)
        self._activity_ids = itertools.count(1700000000001)
        self._files: dict[str, tuple[bytes, str | None]] = {}  # path → (bytes, token it needs)

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT/`: the `serviceUrl` (with its trailing slash, like Teams')."""
        return f"{self.root_url}/"

    def serve_file(self, name: str, data: bytes, *, token: str | None) -> str:
        """A picture to download, as Teams offers one: `token` set, an inline picture's content
        URL (answered 401 without `Authorization: Bearer <token>`); None, a file's download URL,
        which carries its own grant (answered 403 when a bot token is sent to it anyway)."""
        path = f"/{'v3/attachments' if token else 'files'}/{quote(name)}"
        with self._lock:
            self._files[path] = (data, token)
        return f"{self.root_url}{path}"

    def downloads(self) -> list[Call]:
        """The GET requests for served pictures, in order."""
        return [c for c in self.calls() if c.method == "GET" and c.path in self._files]

    # ------------------------------------------------------------------ inspection

    def created(self) -> list[dict[str, Any]]:
        """The ConversationParameters of each successful create, in order."""
        return [c.json for c in self.calls(CREATE) if c.ok]

    def conversations(self) -> dict[str, dict[str, Any]]:
        """Conversation id → the ConversationParameters it was created with."""
        with self._lock:
            return dict(self._conversations)

    def sent(self, conversation_id: str | None = None) -> list[dict[str, Any]]:
        """Activities posted successfully (send, reply, a create's first activity), in order,
        as sent, with `id` = the id assigned."""
        return [activity for _, activity in self._posted(conversation_id)]

    def updates(
        self, conversation_id: str | None = None, activity_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Activities PUT successfully (the new versions), in order, with `id` = the activity id."""
        return [
            dict(c.json, id=c.activity_id)
            for c in self.calls(UPDATE)
            if c.ok
            and (conversation_id is None or c.conversation_id == conversation_id)
            and (activity_id is None or c.activity_id == activity_id)
        ]

    def activity(self, conversation_id: str, activity_id: str) -> dict[str, Any] | None:
        """The current version of an activity (after updates; None if unknown or deleted)."""
        with self._lock:
            found = self._activities.get(conversation_id, {}).get(activity_id)
            return dict(found) if found is not None else None

    def cards(
        self, conversation_id: str | None = None, *, current: bool = False
    ) -> list[dict[str, Any]]:
        """Adaptive Card contents of the sent activities; `current=True`: as updated since
        (a deleted activity then has none)."""
        if current:
            found = [self.activity(conv, a["id"]) for conv, a in self._posted(conversation_id)]
            activities = [a for a in found if a is not None]
        else:
            activities = self.sent(conversation_id)
        return [card for activity in activities for card in adaptive_cards(activity)]

    def wait_for(self, predicate: Callable[[], T], timeout: float = 20.0) -> T:
        """Wait until `predicate()` returns something truthy, and return it.

        A predicate that raises (IndexError, KeyError…) counts as not yet. On timeout, raises
        AssertionError listing the calls received. 20 s: CI machines are slow and busy.
        """
        return self.wait_until(predicate, timeout)

    def clear(self) -> None:
        """Forget calls, conversations, activities, pending faults and delays."""
        with self._lock:
            super().clear()
            self._pattern_faults.clear()
            self._conversations.clear()
            self._one_to_one.clear()
            self._activities.clear()

    def invalid_cards(self) -> list[str]:
        """Why each Adaptive Card received (sent, created with, updated to) is not valid."""
        from adaptive_cards import problems

        bodies = [c.json for c in self.calls() if c.ok and c.endpoint in (SEND, REPLY, UPDATE)]
        bodies += [c.json.get("activity") for c in self.calls(CREATE) if c.ok]
        return [
            f"{activity.get('id', '')}: {problem}"
            for activity in bodies
            if isinstance(activity, dict)
            for card in adaptive_cards(activity)
            for problem in problems(card)
        ]

    def add_person(self, mri: str, aad_object_id: str, name: str) -> None:
        """Someone Teams knows: a 1:1 chat opened with either id has them as its member."""
        account = {"id": mri, "aadObjectId": aad_object_id, "name": name}
        with self._lock:
            self._people[mri] = self._people[aad_object_id] = account

    # ------------------------------------------------------------------ faults and auth

    def fail_next(
        self,
        pattern: str,
        status: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` matching requests with `status` (nothing is stored).

        `pattern` is an endpoint name (UPDATE, …) or a regex searched in "METHOD /decoded/path",
        e.g. r"PUT .*/activities/". Default bodies are the connector's; 429 adds `Retry-After: 1`
        unless `headers` are given. A str `body` is sent as text/plain (as a proxy would).
        """
        if body is None:
            phrase = HTTPStatus(status).phrase
            body = _DEFAULT_FAULT_BODIES.get(status) or error_body(
                "ServiceError" if status >= 500 else phrase.replace(" ", ""), phrase
            )
        if headers is None:
            headers = {"Retry-After": "1"} if status == 429 else {}
        with self._lock:
            self._pattern_faults.append(_Fault(pattern, status, body, dict(headers), times))

    def slow(self, seconds: float, pattern: str | None = None) -> None:
        """Sleep `seconds` before answering each request (matching `pattern`); 0 removes it."""
        self.delay(pattern, seconds)

    def expect_token(self, token: str | None) -> None:
        """Answer 401 unless `Authorization: Bearer <token>`; None (the default) accepts anything."""
        with self._lock:
            self._token = token

    # ------------------------------------------------------------------ request handling

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        request = Request.read(handler)
        endpoint, conversation_id, activity_id = _route(request.method, request.path)
        call = Call(
            endpoint=endpoint,
            method=request.method,
            path=request.path,
            conversation_id=conversation_id,
            activity_id=activity_id,
            json=None,
            headers=request.headers,
            query=request.query,
            raw_body=request.body,
            at=request.at,
        )
        bad_json = False
        if request.body:
            try:
                call.json = json.loads(request.body)
            except ValueError:
                bad_json = True
        line = f"{call.method} {unquote(call.path)}"
        extra: dict[str, str] = {}
        with self._lock:
            self._record(call)
            fault = self._take_pattern_fault(endpoint, line)
            if fault is not None:
                status, body, extra = fault.status, fault.body, fault.headers
            elif self._token is not None and call.headers.get("authorization") != (
                f"Bearer {self._token}"
            ):
                status, body = 401, UNAUTHORIZED
            elif bad_json:
                status, body = 400, error_body("BadSyntax", "The request body is not JSON.")
            elif self.strict_nulls and request.body and _nulls(call.json):
                where = ", ".join(_nulls(call.json)[:5])
                status, body = 400, error_body("BadArgument", f"null is not allowed: {where}")
            else:
                status, body = self._answer(call)
            call.status, call.response = status, body
            wait = max(
                (s for p, s in self._delays.items() if p is None or _matches(p, endpoint, line)),
                default=0.0,
            )
        send(handler, _encode(status, body, extra), after=wait)

    def _take_pattern_fault(self, endpoint: str, line: str) -> _Fault | None:
        for fault in self._pattern_faults:
            if _matches(fault.pattern, endpoint, line):
                fault.times -= 1
                if fault.times <= 0:
                    self._pattern_faults.remove(fault)
                return fault
        return None

    def _describe(self, call: Call) -> str:
        body = json.dumps(call.json, ensure_ascii=False) if call.json is not None else "-"
        return f"{call.method} {unquote(call.path)} → {call.status} {short(body)}"

    def _answer(self, call: Call) -> tuple[int, Any]:
        """The success (or validation) answer; called with the lock held."""
        body = call.json
        if call.method == "GET" and call.path in self._files:
            data, token = self._files[call.path]
            sent = call.headers.get("authorization")
            if token is None:
                return (403, error_body("Forbidden", "no bot token here")) if sent else (200, data)
            return (200, data) if sent == f"Bearer {token}" else (401, UNAUTHORIZED)
        if call.endpoint == CREATE:
            return self._create(body)
        if call.endpoint == MEMBERS:
            given = (self._conversations.get(call.conversation_id) or {}).get("members") or []
            members = [self._people.get(m.get("id"), m) for m in given]
            if call.activity_id is None:
                return 200, members
            found = [m for m in members if call.activity_id in (m.get("id"), m.get("aadObjectId"))]
            return (200, found[0]) if found else (404, error_body("NotFound", "Member not found"))
        if call.endpoint in (SEND, REPLY, UPDATE) and (
            not isinstance(body, dict) or not body.get("type")
        ):
            return 400, error_body("BadArgument", "Activity must have a type")
        if call.endpoint in (SEND, REPLY):
            new_id = str(next(self._activity_ids))
            self._activities.setdefault(call.conversation_id, {})[new_id] = dict(body, id=new_id)
            return 200, {"id": new_id}
        if call.endpoint == UPDATE:
            stored = self._activities.get(call.conversation_id, {})
            if self.strict_updates and call.activity_id not in stored:
                return 404, error_body("ActivityNotFoundInConversation", "Activity not found")
            updated = dict(body, id=call.activity_id)
            self._activities.setdefault(call.conversation_id, {})[call.activity_id] = updated
            return 200, {"id": call.activity_id}
        if call.endpoint == DELETE:
            self._activities.get(call.conversation_id, {}).pop(call.activity_id, None)
            return 200, {}
        return 404, error_body("NotFound", f"No route for {call.method} {call.path}")

    def _create(self, params: Any) -> tuple[int, Any]:
        if not isinstance(params, dict) or not params.get("members"):
            return 400, error_body("BadArgument", "Conversation parameters need members")
        members = params["members"]
        member_id = members[0].get("id") if len(members) == 1 else None
        if not params.get("isGroup") and member_id in self._one_to_one:
            conversation_id, status = self._one_to_one[member_id], 200
        else:
            conversation_id, status = f"a:conv-{next(self._conversation_ids)}", 201
            if not params.get("isGroup") and member_id:
                self._one_to_one[member_id] = conversation_id
        self._conversations[conversation_id] = params
        answer: dict[str, Any] = {"id": conversation_id, "serviceUrl": self.base_url}
        if isinstance(params.get("activity"), dict):
            new_id = str(next(self._activity_ids))
            stored = self._activities.setdefault(conversation_id, {})
            stored[new_id] = dict(params["activity"], id=new_id)
            answer["activityId"] = new_id
        return status, answer

    def _posted(self, conversation_id: str | None) -> list[tuple[str, dict[str, Any]]]:
        """(conversation id, activity with its assigned id) of each successful post, in order."""
        posted = []
        for c in self.calls():
            if not c.ok:
                continue
            if c.endpoint in (SEND, REPLY):
                posted.append((c.conversation_id, dict(c.json, id=c.response["id"])))
            elif c.endpoint == CREATE and "activityId" in c.response:
                first = dict(c.json["activity"], id=c.response["activityId"])
                posted.append((c.response["id"], first))
        return [p for p in posted if conversation_id is None or p[0] == conversation_id]


def _nulls(body: Any, where: str = "") -> list[str]:
    """Where `body` holds a JSON null (e.g. `id`, `conversation.tenantId`)."""
    if body is None:
        return [where or "(body)"]
    if isinstance(body, dict):
        return [n for k, v in body.items() for n in _nulls(v, f"{where}.{k}" if where else k)]
    if isinstance(body, list):
        return [n for i, v in enumerate(body) for n in _nulls(v, f"{where}[{i}]")]
    return []


def adaptive_cards(activity: dict[str, Any]) -> list[dict[str, Any]]:
    """The Adaptive Card contents among an activity's attachments."""
    return [
        a["content"]
        for a in activity.get("attachments") or []
        if a.get("contentType") == ADAPTIVE_CARD and isinstance(a.get("content"), dict)
    ]


_ROUTE = re.compile(
    r"(?:.*/)?v3/conversations(?:/(?P<conv>[^/]+)(?:/(?P<kind>activities|members)(?:/(?P<id>[^/]+))?)?)?/?"
)


def _route(method: str, path: str) -> tuple[str, str | None, str | None]:
    """(endpoint, decoded conversation id, decoded activity or member id) of a request."""
    match = _ROUTE.fullmatch(path)
    if match is None:
        return "", None, None
    conv = unquote(match["conv"]) if match["conv"] else None
    item = unquote(match["id"]) if match["id"] else None
    kind = match["kind"]
    if conv is None:
        endpoint = CREATE if method == "POST" else ""
    elif kind == "members":
        endpoint = MEMBERS if method == "GET" else ""
    elif kind == "activities" and item is None:
        endpoint = SEND if method == "POST" else ""
    elif kind == "activities":
        endpoint = {"POST": REPLY, "PUT": UPDATE, "DELETE": DELETE}.get(method, "")
    else:
        endpoint = ""
    return endpoint, conv, item


def _matches(pattern: str, endpoint: str, line: str) -> bool:
    if pattern in ENDPOINTS:
        return pattern == endpoint
    return re.search(pattern, line) is not None


def _encode(status: int, body: Any, headers: dict[str, str]) -> Answer:
    """`body` as JSON, as plain text when it is a str, as is when it is bytes (a picture)."""
    if isinstance(body, bytes):
        return Answer(status, body, "application/octet-stream", headers)
    if isinstance(body, str):
        return Answer(status, body.encode(), "text/plain; charset=utf-8", headers)
    payload = json.dumps(body, ensure_ascii=False).encode()
    return Answer(status, payload, "application/json; charset=utf-8", headers)
