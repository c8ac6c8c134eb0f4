"""Slack request signing and an HTTP client that sends requests to the app exactly as Slack does."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import requests

if TYPE_CHECKING:
    from fakes.slack_api import FakeSlack

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

TEAM_ID = "T0TEST"
TEAM_DOMAIN = "test"
API_APP_ID = "A0TEST"
BOT_USER_ID = "UBOT"
VERIFICATION_TOKEN = "fake-verification-token"

_counter = itertools.count(1)


def sign(secret: str, timestamp: int | str, body: str | bytes) -> str:
    """Return Slack's `X-Slack-Signature` value for `body` sent at `timestamp`."""
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def _trigger_id() -> str:
    n = next(_counter)
    return f"{1000000000000 + n}.{47445629121}.{uuid.uuid4().hex}"


def _action_ts() -> str:
    return f"{time.time():.6f}"


# ---------------------------------------------------------------------- view state builders


def _option(value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": value, "emoji": True}, "value": value}


def text_value(s: str | None) -> dict[str, Any]:
    """State of a `plain_text_input` element."""
    return {"type": "plain_text_input", "value": s}


def checkbox_value(*values: str) -> dict[str, Any]:
    """State of a `checkboxes` element with `values` checked."""
    return {"type": "checkboxes", "selected_options": [_option(v) for v in values]}


def radio_value(v: str | None) -> dict[str, Any]:
    """State of a `radio_buttons` element (`selected_option` is None when `v` is None)."""
    return {"type": "radio_buttons", "selected_option": None if v is None else _option(v)}


def static_select_value(v: str | None) -> dict[str, Any]:
    """State of a `static_select` element (`selected_option` is None when `v` is None)."""
    return {"type": "static_select", "selected_option": None if v is None else _option(v)}


def datetime_value(ts: int | None) -> dict[str, Any]:
    """State of a `datetimepicker` element (unix seconds, or None when empty)."""
    return {"type": "datetimepicker", "selected_date_time": ts}


def files_value(files: list[dict[str, Any]]) -> dict[str, Any]:
    """State of a `file_input` element (file objects, e.g. from `FakeSlack.add_file`)."""
    return {"type": "file_input", "files": list(files)}


# ---------------------------------------------------------------------- client


class SignedSlackClient:
    """Sends correctly signed Slack requests (commands, interactions, events) to the app URL."""

    def __init__(
        self,
        url: str,
        signing_secret: str,
        fake: FakeSlack | None = None,
        *,
        team_id: str = TEAM_ID,
        team_domain: str = TEAM_DOMAIN,
        api_app_id: str = API_APP_ID,
        verification_token: str = VERIFICATION_TOKEN,
        timeout: float = 10.0,
    ) -> None:
        self.url = url
        self.signing_secret = signing_secret
        self.fake = fake
        self.team_id = team_id
        self.team_domain = team_domain
        self.api_app_id = api_app_id
        self.verification_token = verification_token
        self.timeout = timeout
        self.session = requests.Session()

    def close(self) -> None:
        self.session.close()

    # ------------------------------------------------------------------ raw

    def post(
        self,
        body: str,
        content_type: str = FORM,
        timestamp: int | str | None = None,
        signature: str | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> requests.Response:
        """POST `body` signed with the secret (or with the given `signature`/`timestamp`)."""
        if timestamp is None:
            timestamp = int(time.time())
        if signature is None:
            signature = sign(self.signing_secret, timestamp, body)
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": signature,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        }
        headers.update(extra_headers or {})
        return self.session.post(
            self.url, data=body.encode("utf-8"), headers=headers, timeout=self.timeout
        )

    def post_payload(self, payload: dict[str, Any], **kwargs: Any) -> requests.Response:
        """POST an interactivity payload as Slack does: form body `payload=<url-encoded JSON>`."""
        body = urlencode({"payload": json.dumps(payload, ensure_ascii=False)})
        return self.post(body, FORM, **kwargs)

    # ------------------------------------------------------------------ builders

    def _user(self, user_id: str) -> dict[str, Any]:
        return {
            "id": user_id,
            "username": f"user-{user_id}",
            "name": f"user-{user_id}",
            "team_id": self.team_id,
        }

    def _response_url(self, name: str) -> str:
        if self.fake is not None:
            return self.fake.response_url(name)
        return f"https://hooks.slack.com/{name}/{self.team_id}/{next(_counter)}/{uuid.uuid4().hex}"

    def command(
        self,
        user_id: str,
        text: str = "",
        command: str = "/sns",
        channel_id: str = "C0TEST",
        trigger_id: str | None = None,
        response_url: str | None = None,
        **extra: Any,
    ) -> requests.Response:
        """Send a slash command (form-encoded, fields in Slack's order; `extra` adds/overrides)."""
        fields: dict[str, Any] = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "team_domain": self.team_domain,
            "channel_id": channel_id,
            "channel_name": "directmessage" if channel_id.startswith("D") else "general",
            "user_id": user_id,
            "user_name": f"user-{user_id}",
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url or self._response_url("commands"),
            "trigger_id": trigger_id or _trigger_id(),
        }
        fields.update(extra)
        return self.post(urlencode(fields), FORM)

    def block_action_payload(
        self,
        user_id: str,
        action_id: str,
        value: str | None = None,
        *,
        block_id: str | None = None,
        channel_id: str = "D0TEST",
        message_ts: str = "1700000000.000100",
        view: dict[str, Any] | None = None,
        response_url: str | None = None,
        action_type: str = "button",
        selected: dict[str, Any] | None = None,
        message: dict[str, Any] | None = None,
        trigger_id: str | None = None,
    ) -> dict[str, Any]:
        """Build (without sending) the `block_actions` payload; see `block_action`."""
        action: dict[str, Any] = {
            "action_id": action_id,
            "block_id": block_id or uuid.uuid4().hex[:5],
            "type": action_type,
            "action_ts": _action_ts(),
        }
        if action_type == "button":
            action["text"] = {"type": "plain_text", "text": action_id, "emoji": True}
        if value is not None:
            action["value"] = value
        action.update(selected or {})

        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
        }
        if view is not None:
            full_view = self._complete_view(view)
            payload["container"] = {"type": "view", "view_id": full_view["id"]}
        else:
            payload["container"] = {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel_id,
                "is_ephemeral": False,
            }
        payload["trigger_id"] = trigger_id or _trigger_id()
        payload["team"] = {"id": self.team_id, "domain": self.team_domain}
        payload["enterprise"] = None
        payload["is_enterprise_install"] = False
        if view is not None:
            payload["view"] = full_view
        else:
            payload["channel"] = {
                "id": channel_id,
                "name": "directmessage" if channel_id.startswith("D") else "general",
            }
            payload["message"] = (
                message
                if message is not None
                else {"type": "message", "ts": message_ts, "text": ""}
            )
            payload["state"] = {"values": {}}
            payload["response_url"] = response_url or self._response_url("actions")
        payload["actions"] = [action]
        return payload

    def block_action(
        self,
        user_id: str,
        action_id: str,
        value: str | None = None,
        *,
        block_id: str | None = None,
        channel_id: str = "D0TEST",
        message_ts: str = "1700000000.000100",
        view: dict[str, Any] | None = None,
        response_url: str | None = None,
        action_type: str = "button",
        selected: dict[str, Any] | None = None,
        message: dict[str, Any] | None = None,
        trigger_id: str | None = None,
    ) -> requests.Response:
        """Send a `block_actions` interaction from a message, or from `view` when given.

        `selected` is merged into the action (e.g. `{"selected_option": {...}}` with
        `action_type="static_select"`); `message` replaces the default minimal message.
        """
        return self.post_payload(
            self.block_action_payload(
                user_id,
                action_id,
                value,
                block_id=block_id,
                channel_id=channel_id,
                message_ts=message_ts,
                view=view,
                response_url=response_url,
                action_type=action_type,
                selected=selected,
                message=message,
                trigger_id=trigger_id,
            )
        )

    def view_submission_payload(
        self,
        user_id: str,
        callback_id: str,
        values: dict[str, dict[str, Any]],
        private_metadata: str = "",
        view_id: str | None = None,
        title: str = "snsbot",
        *,
        blocks: list[dict[str, Any]] | None = None,
        response_urls: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Build (without sending) the `view_submission` payload; see `view_submission`."""
        view_id = view_id or f"V0SUB{next(_counter):05d}"
        return {
            "type": "view_submission",
            "team": {"id": self.team_id, "domain": self.team_domain},
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "trigger_id": _trigger_id(),
            "view": {
                "id": view_id,
                "team_id": self.team_id,
                "type": "modal",
                "blocks": blocks or [],
                "private_metadata": private_metadata,
                "callback_id": callback_id,
                "state": {"values": values},
                "hash": f"h{uuid.uuid4().hex[:16]}",
                "title": {"type": "plain_text", "text": title, "emoji": True},
                "clear_on_close": False,
                "notify_on_close": False,
                "close": None,
                "submit": None,
                "previous_view_id": None,
                "root_view_id": view_id,
                "app_id": self.api_app_id,
                "external_id": "",
                "app_installed_team_id": self.team_id,
                "bot_id": "BBOT",
            },
            "response_urls": response_urls or [],
            "is_enterprise_install": False,
            "enterprise": None,
        }

    def view_submission(
        self,
        user_id: str,
        callback_id: str,
        values: dict[str, dict[str, Any]],
        private_metadata: str = "",
        view_id: str | None = None,
        title: str = "snsbot",
        *,
        blocks: list[dict[str, Any]] | None = None,
        response_urls: list[dict[str, Any]] | None = None,
    ) -> requests.Response:
        """Send a `view_submission`; `values` is the final `{block_id: {action_id: {...}}}`."""
        return self.post_payload(
            self.view_submission_payload(
                user_id,
                callback_id,
                values,
                private_metadata,
                view_id,
                title,
                blocks=blocks,
                response_urls=response_urls,
            )
        )

    def event(self, event: dict[str, Any], event_id: str | None = None) -> requests.Response:
        """Send an Events API `event_callback` envelope around `event` (JSON)."""
        envelope = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "context_team_id": self.team_id,
            "context_enterprise_id": None,
            "api_app_id": self.api_app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_counter):08d}{uuid.uuid4().hex[:4].upper()}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": BOT_USER_ID,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{uuid.uuid4().hex}",
        }
        return self.post(json.dumps(envelope, ensure_ascii=False), JSON)

    # ------------------------------------------------------------------ helpers

    def _complete_view(self, view: dict[str, Any]) -> dict[str, Any]:
        """Fill the fields Slack always sends for a view, keeping everything given."""
        full: dict[str, Any] = {
            "team_id": self.team_id,
            "type": "modal",
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "state": {"values": {}},
            "hash": f"h{uuid.uuid4().hex[:16]}",
            "previous_view_id": None,
            "app_id": self.api_app_id,
            "external_id": "",
            "app_installed_team_id": self.team_id,
            "bot_id": "BBOT",
        }
        full.update(view)
        if not full.get("id"):
            full["id"] = f"V0ACT{next(_counter):05d}"
        if not full.get("root_view_id"):
            full["root_view_id"] = full["id"]
        return full
