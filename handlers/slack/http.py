"""The WSGI edge of HTTP mode: signature check, malformed-request refusal, then Bolt."""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qsl

from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.delivery.foreground import Foreground

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
MAX_BODY_BYTES = 1_000_000  # Slack payloads are far smaller

NONE = type(None)
# Parts of a request that Bolt or the listeners index without checking their type, with the
# types Slack sends them as. A body shaped otherwise is no Slack request: 400, never a 500.
PARTS = {
    "user": (dict, str),
    "team": (dict, str, NONE),
    "enterprise": (dict, str, NONE),
    "channel": (dict, str, NONE),
    "authorizations": list,
    "response_url": str,
    "response_urls": list,
    "trigger_id": str,
    "callback_id": str,
    "action_id": str,
    "actions": list,
    "container": dict,
    "message": dict,
    "state": dict,
    "view": dict,
    "event": dict,
    "workflow_step": dict,
}
NAMED = ("user", "team", "enterprise", "channel")  # as objects, their `id` is text
NAMED_IDS = ("user_id", "channel_id", "team_id", "enterprise_id")  # text, or absent or null
# Where Bolt looks inside an event for its user, channel and team (its request internals).
EVENT_INNER = ("event", "message", "previous_message", "item", "assistant_thread")
LISTS_OF_OBJECTS = ("actions", "authorizations", "response_urls")
ACTION_PARTS = {"action_id": str, "block_id": str, "value": str}
VIEW_PARTS = {
    "id": str,
    "type": str,
    "callback_id": str,
    "hash": str,
    "private_metadata": str,
    "state": dict,
    "blocks": list,
}
VIEW_KINDS = ("view_submission", "view_closed")  # these must name the view's callback and type
# What each kind of payload must carry besides its `type`: Bolt reads these unguarded.
REQUIRED = {
    "block_actions": ("actions",),
    "interactive_message": ("actions", "callback_id"),
    "view_submission": ("view",),
    "view_closed": ("view",),
    "shortcut": ("callback_id",),
    "message_action": ("callback_id",),
    "dialog_submission": ("callback_id",),
    "dialog_cancellation": ("callback_id",),
    "dialog_suggestion": ("callback_id",),
    "block_suggestion": ("action_id",),
    "workflow_step_edit": ("callback_id", "workflow_step"),
    "event_callback": ("event",),
}


def _reply(start_response, status: str, body: dict | str, content_type="application/json"):
    data = body if isinstance(body, str) else json.dumps(body)
    start_response(status, [("Content-Type", f"{content_type}; charset=utf-8")])
    return [data.encode("utf-8")]


def _typed(found: dict, parts: dict) -> bool:
    return all(key not in found or isinstance(found[key], kinds) for key, kinds in parts.items())


def _state_shaped(state: dict) -> bool:
    """`state.values` is an object; what each input holds is for the form's reader to check."""
    return isinstance(state.get("values", {}), dict)


def _view_shaped(view: dict, submitted: bool) -> bool:
    needed = ("callback_id", "type") if submitted else ()
    return (
        all(isinstance(view.get(key), str) for key in needed)
        and _typed(view, VIEW_PARTS)
        and all(isinstance(block, dict) for block in view.get("blocks", []))
        and _state_shaped(view.get("state", {}))
    )


def _names_shaped(part: dict, depth: int = 0) -> bool:
    """Each user, channel, team and enterprise named as Slack names them: an id as text, or an
    object whose `id` is text; and so in every nested part where Bolt looks for them."""
    for key in NAMED:
        value = part.get(key)
        if isinstance(value, dict):
            if not isinstance(value.get("id", ""), str):
                return False
        elif not isinstance(value, str | NONE):
            return False
    if not all(isinstance(part.get(key), str | NONE) for key in NAMED_IDS):
        return False
    inner = [part[key] for key in EVENT_INNER if isinstance(part.get(key), dict)]
    return depth < 4 and all(_names_shaped(p, depth + 1) for p in inner) if inner else True


def _shaped(body: dict) -> bool:
    """True when `body` has the outline Slack gives a request of its `type` (see PARTS)."""
    kind = body.get("type")
    if not (isinstance(kind, str) and _typed(body, PARTS)):
        return False
    if any(key not in body for key in REQUIRED.get(kind, ())):
        return False
    if not all(isinstance(item, dict) for key in LISTS_OF_OBJECTS for item in body.get(key, [])):
        return False
    named = [body[key] for key in NAMED if isinstance(body.get(key), dict)]
    if not all(isinstance(part.get("id", ""), str) for part in named):
        return False
    actions = body.get("actions", [])
    if kind in ("block_actions", "interactive_message") and not actions:
        return False
    needed = ("action_id",) if kind == "block_actions" else ()
    if not all(_typed(a, ACTION_PARTS) and all(k in a for k in needed) for a in actions):
        return False
    if "view" in body and not _view_shaped(body["view"], kind in VIEW_KINDS):
        return False
    if kind == "event_callback" and not isinstance(body["event"].get("type"), str):
        return False
    if not _names_shaped(body):
        return False
    return _state_shaped(body.get("state", {}))


def _well_formed(raw: str, content_type: str) -> str | None:
    """The body as Bolt should parse it, or None when it is not a Slack request at all."""
    if content_type.startswith("application/json") or raw.startswith("{"):
        try:
            event = json.loads(raw)
        except (ValueError, RecursionError):
            return None
        return raw if isinstance(event, dict) and _shaped(event) else None
    form = dict(parse_qsl(raw, keep_blank_values=True))
    if "payload" in form:
        try:
            payload = json.loads(form["payload"])
        except (ValueError, RecursionError):
            return None
        user = payload.get("user") if isinstance(payload, dict) else None
        if not (isinstance(user, dict) and isinstance(user.get("id"), str)):
            return None  # every interaction names the user who made it
        return raw if _shaped(payload) else None
    if not (form.get("command") and form.get("user_id")):
        return None
    # Bolt treats any form body containing the word "payload" as an interaction; hide the word
    # (still decoded back to "payload" by the form parser) so a command's text can contain it.
    return raw.replace("payload", "%70ayload")


def events_app(app: App, signing_secret: str, foreground: Foreground | None = None, other=None):
    """A WSGI app: `POST /slack/events` (verified, then Bolt) and `GET /healthz`; any other
    path goes to the WSGI app `other` when one is given (the group intake pages), else 404.

    While a request is in hand, the process's background work gives way (`foreground`).
    """
    verifier = SignatureVerifier(signing_secret)
    foreground = foreground or Foreground()

    def application(environ, start_response):
        with foreground.answering():
            return answer(environ, start_response)

    def answer(environ, start_response):
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path == "/healthz" and method in ("GET", "HEAD"):
            return _reply(start_response, "200 OK", "ok", "text/plain")
        if other is not None and path != EVENTS_PATH:
            return other(environ, start_response)
        if path != EVENTS_PATH or method != "POST":
            return _reply(start_response, "404 Not Found", {"error": "not found"})
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY_BYTES:
            return _reply(start_response, "400 Bad Request", {"error": "bad request"})
        raw_bytes = environ["wsgi.input"].read(length)
        headers = {
            "x-slack-request-timestamp": environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", ""),
            "x-slack-signature": environ.get("HTTP_X_SLACK_SIGNATURE", ""),
        }
        try:
            signed = verifier.is_valid_request(raw_bytes, headers)
        except (ValueError, TypeError):
            signed = False
        if not signed:
            return _reply(start_response, "401 Unauthorized", {"error": "invalid request"})
        try:
            raw = raw_bytes.decode("utf-8")
        except UnicodeDecodeError:
            return _reply(start_response, "400 Bad Request", {"error": "bad request"})
        content_type = environ.get("CONTENT_TYPE", "")
        body = _well_formed(raw, content_type)
        if body is None:
            return _reply(start_response, "400 Bad Request", {"error": "bad request"})
        request_headers = {
            key[5:].lower().replace("_", "-"): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        request_headers["content-type"] = content_type
        try:
            response = app.dispatch(
                BoltRequest(
                    body=body, query=environ.get("QUERY_STRING", ""), headers=request_headers
                )
            )
        except Exception:
            log.exception("Bolt failed on a verified request")
            return _reply(start_response, "500 Internal Server Error", {"error": "internal"})
        status = f"{response.status} {'OK' if response.status == 200 else 'Error'}"
        start_response(status, [(k, v) for k, values in response.headers.items() for v in values])
        return [response.body.encode("utf-8")]

    return application
