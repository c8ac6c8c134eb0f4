"""The WSGI edge of HTTP mode: signature check, malformed-request refusal, then Bolt."""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qsl

from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
MAX_BODY_BYTES = 1_000_000  # Slack payloads are far smaller


def _reply(start_response, status: str, body: dict | str, content_type="application/json"):
    data = body if isinstance(body, str) else json.dumps(body)
    start_response(status, [("Content-Type", f"{content_type}; charset=utf-8")])
    return [data.encode("utf-8")]


def _well_formed(raw: str, content_type: str) -> str | None:
    """The body as Bolt should parse it, or None when it is not a Slack request at all."""
    if content_type.startswith("application/json") or raw.startswith("{"):
        try:
            event = json.loads(raw)
        except ValueError:
            return None
        return raw if isinstance(event, dict) and isinstance(event.get("type"), str) else None
    form = dict(parse_qsl(raw, keep_blank_values=True))
    if "payload" in form:
        try:
            payload = json.loads(form["payload"])
        except ValueError:
            return None
        user = payload.get("user") if isinstance(payload, dict) else None
        if not (isinstance(payload.get("type"), str) and isinstance(user, dict)):
            return None
        return raw if isinstance(user.get("id"), str) else None
    if not (form.get("command") and form.get("user_id")):
        return None
    # Bolt treats any form body containing the word "payload" as an interaction; hide the word
    # (still decoded back to "payload" by the form parser) so a command's text can contain it.
    return raw.replace("payload", "%70ayload")


def events_app(app: App, signing_secret: str):
    """A WSGI app: `POST /slack/events` (verified, then Bolt) and `GET /healthz`."""
    verifier = SignatureVerifier(signing_secret)

    def application(environ, start_response):
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path == "/healthz" and method in ("GET", "HEAD"):
            return _reply(start_response, "200 OK", "ok", "text/plain")
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
