"""Socket Mode, offline: the same Bolt app and handlers behind slack_sdk's built-in WebSocket client.

The client asks the fake Web API (`apps.connections.open`, with the app token) for a URL, connects
to `FakeSocketMode`, and answers each envelope with an ack, exactly as against Slack. Nothing is
signed in Socket Mode: the envelopes below carry no signature, and there is no HTTP edge at all.
"""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from conftest import CHIEF, OPERATOR, SECRET, STRANGER
from drafting import draft_values
from fakes.slack_api import FakeSlack
from fakes.socket_mode import FakeSocketMode, accept_key
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_signing import SignedSlackClient

from bot.app import Runtime, assemble
from handlers.slack.server import socket_mode_handler

APP_TOKEN = "xapp-1-test"
_UPGRADE = (
    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
)


@dataclass
class SocketApp:
    runtime: Runtime
    handler: SocketModeHandler
    socket_mode: FakeSocketMode
    fake: FakeSlack
    payloads: SignedSlackClient  # used only to build payloads: nothing is posted or signed

    def command(self, user_id: str, text: str) -> str:
        """Send `/sns text` as a `slash_commands` envelope; returns the envelope id."""
        payload = {
            "token": "verification-token-unused",
            "team_id": "T0TEST",
            "team_domain": "test",
            "channel_id": "C0TEST",
            "channel_name": "general",
            "user_id": user_id,
            "user_name": f"user-{user_id}",
            "command": "/sns",
            "text": text,
            "api_app_id": "A0TEST",
            "is_enterprise_install": "false",
            "response_url": self.fake.response_url("commands"),
            "trigger_id": f"{time.time_ns()}.{uuid.uuid4().hex[:8]}",
        }
        return self.socket_mode.send_envelope("slash_commands", payload)

    def submit_draft(self, user_id: str, **fields) -> str:
        payload = self.payloads.view_submission_payload(
            user_id, "draft_submit", draft_values(**fields)
        )
        return self.socket_mode.send_envelope("interactive", payload)


def _leftover_threads(before: set[threading.Thread], timeout: float = 2.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        left = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        if not left or time.monotonic() > deadline:
            return [t.name for t in left]
        time.sleep(0.02)


def _close(handler: SocketModeHandler) -> None:
    """`handler.close()`, without waiting out the 1 s `queue.get` of slack_sdk's message loop."""
    handler.client.closed = True  # the message loop checks this between reads of its queue
    handler.client.message_queue.put(None)  # ...and this wakes it (None is skipped)
    handler.close()


@pytest.fixture
def socket_app(settings, fake_slack) -> Iterator[SocketApp]:
    """snsbot in Socket Mode against the fakes, with its dispatcher running, as `snsbot run`."""
    settings = dataclasses.replace(settings, slack_app_token=APP_TOKEN)
    before = set(threading.enumerate())
    with FakeSocketMode() as socket_mode:
        fake_slack.app_token = APP_TOKEN
        fake_slack.socket_mode_url = socket_mode.url
        runtime = assemble(settings)
        runtime.dispatcher.poll_seconds = 0.1
        runtime.dispatcher.start()
        # As handlers/slack/server.py `serve_socket_mode` builds it: the handler's Socket Mode
        # client uses `app.client` (base_url = SLACK_API_URL) unless given `web_client=`.
        handler = socket_mode_handler(
            runtime.app, settings.slack_app_token, runtime.services.foreground
        )
        payloads = SignedSlackClient("http://127.0.0.1:9/unused", SECRET, fake_slack)
        try:
            handler.connect()
            assert socket_mode.connected.wait(5), "the Socket Mode client did not connect"
            yield SocketApp(runtime, handler, socket_mode, fake_slack, payloads)
        finally:
            payloads.close()
            _close(handler)
            runtime.dispatcher.stop()
            runtime.app.listener_runner.listener_executor.shutdown(wait=True)
            runtime.services.engine.dispose()
    assert _leftover_threads(before) == []


def test_client_gets_its_url_from_the_fake_web_api_with_the_app_token(socket_app):
    opened = socket_app.fake.calls("apps.connections.open")
    assert len(opened) == 1 and opened[0].ok
    assert opened[0].headers["authorization"] == f"Bearer {APP_TOKEN}"
    assert opened[0].response["url"] == socket_app.socket_mode.url
    assert socket_app.handler.client.is_connected()
    handshake = socket_app.socket_mode.handshakes[0]
    assert handshake["request-line"].startswith("GET /link")
    assert handshake["sec-websocket-version"] == "13"


def test_draft_over_socket_mode_from_command_to_approval_card(socket_app):
    started = time.monotonic()
    sm, fake = socket_app.socket_mode, socket_app.fake

    # /sns draft … → empty ack, then the pre-filled modal
    ack = sm.wait_for_ack(socket_app.command(OPERATOR, "draft ソケットモード"))
    assert "payload" not in ack
    view = fake.wait_for("views.open")[0].params["view"]
    assert view["callback_id"] == "draft_submit"
    body = next(b for b in view["blocks"] if b["block_id"] == "body")
    assert body["element"]["initial_value"] == "ソケットモード"

    # an invalid submission → the errors travel back in the ack's payload
    ack = sm.wait_for_ack(socket_app.submit_draft(OPERATOR, body=""))
    assert ack["payload"]["response_action"] == "errors"
    assert "本文を入力" in ack["payload"]["errors"]["body"]

    # a valid submission → empty ack, and the approval card goes to the chief
    ack = sm.wait_for_ack(socket_app.submit_draft(OPERATOR, body="ソケットモードのお知らせ"))
    assert ack == {"envelope_id": ack["envelope_id"]}  # no payload, so no errors
    card = fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == CHIEF)
    assert len(card) == 1 and card[0].ok
    fake.wait_for(
        "chat.postMessage",
        where=lambda c: c.params["channel"] == OPERATOR and "決裁に回しました" in c.params["text"],
    )
    assert time.monotonic() - started < 3


def test_replies_in_the_ack_and_events_api(socket_app):
    sm, fake = socket_app.socket_mode, socket_app.fake

    # a text reply rides on the slash command's ack
    ack = sm.wait_for_ack(socket_app.command(STRANGER, ""))
    assert ack["payload"]["response_type"] == "ephemeral"
    assert "運用者として登録されていません" in ack["payload"]["text"]
    assert not fake.calls("views.open")

    # Events API: acked without a payload; the App Home is published
    event = {"type": "app_home_opened", "user": OPERATOR, "channel": "D0TEST", "tab": "home"}
    envelope_id = sm.send_envelope(
        "events_api",
        {
            "token": "verification-token-unused",
            "team_id": "T0TEST",
            "api_app_id": "A0TEST",
            "event": {**event, "event_ts": f"{time.time():.6f}"},
            "type": "event_callback",
            "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": "T0TEST", "user_id": "UBOT", "is_bot": True}],
        },
    )
    assert "payload" not in sm.wait_for_ack(envelope_id)
    published = fake.wait_for("views.publish")[0]
    assert published.params["user_id"] == OPERATOR
    assert published.params["view"]["type"] == "home"


# ---------------------------------------------------------------------- the fakes themselves


@pytest.fixture
def sdk_client(fake_slack) -> Iterator[tuple[SocketModeClient, FakeSocketMode]]:
    """slack_sdk's built-in client against the fakes, acking every envelope by echoing it."""
    from slack_sdk import WebClient

    before = set(threading.enumerate())
    with FakeSocketMode() as socket_mode:
        fake_slack.app_token = APP_TOKEN
        fake_slack.socket_mode_url = socket_mode.url
        client = SocketModeClient(APP_TOKEN, web_client=WebClient(base_url=fake_slack.base_url))

        def echo(client: SocketModeClient, req: SocketModeRequest) -> None:
            client.send_socket_mode_response(
                SocketModeResponse(req.envelope_id, {"echo": req.payload, "type": req.type})
            )

        client.socket_mode_request_listeners.append(echo)
        try:
            client.connect()
            assert socket_mode.connected.wait(5)
            yield client, socket_mode
        finally:
            client.closed = True
            client.message_queue.put(None)
            client.close()
    assert _leftover_threads(before) == []


def test_large_envelopes_and_acks_cross_in_64_bit_length_frames(sdk_client):
    _, socket_mode = sdk_client
    payload = {"text": "あ" * 40_000, "n": list(range(2000))}  # > 64 KiB of UTF-8 each way
    ack = socket_mode.wait_for_ack(socket_mode.send_envelope("events_api", payload))
    assert ack["payload"] == {"echo": payload, "type": "events_api"}
    small = socket_mode.wait_for_ack(socket_mode.send_envelope("interactive", {"a": "b" * 200}))
    assert small["payload"]["echo"] == {"a": "b" * 200}  # 16-bit length frames
    deadline = time.monotonic() + 2
    while socket_mode.count("pongs_received") == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert socket_mode.count("pings_received") >= 1  # the client pings on connect
    assert socket_mode.count("pongs_received") >= 1  # ...and answers the server's pings


def test_disconnect_message_makes_the_client_reconnect(sdk_client, fake_slack):
    client, socket_mode = sdk_client
    socket_mode.disconnect()
    deadline = time.monotonic() + 5
    while socket_mode.count("connections") < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert socket_mode.count("connections") == 2
    assert len(fake_slack.calls("apps.connections.open")) == 2
    ack = socket_mode.wait_for_ack(socket_mode.send_envelope("slash_commands", {"x": 1}))
    assert ack["payload"]["echo"] == {"x": 1}
    deadline = time.monotonic() + 2
    while socket_mode.open_connections() != 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert socket_mode.open_connections() == 1  # the old connection was dropped


def test_handshake_is_checked():
    with FakeSocketMode() as socket_mode:
        for request, status in [
            ("GET /link HTTP/1.1\r\nHost: x\r\n\r\n", b"400"),
            (f"GET /other HTTP/1.1\r\nHost: x\r\n{_UPGRADE}\r\n", b"404"),
            (f"GET /link?x=1 HTTP/1.1\r\nHost: x\r\n{_UPGRADE}\r\n", b"101"),
        ]:
            with socket.create_connection(("127.0.0.1", socket_mode.port), timeout=2) as sock:
                sock.sendall(request.encode())
                answer = sock.recv(4096)
                assert answer.split(b" ")[1] == status, answer
                if status == b"101":
                    assert accept_key("dGhlIHNhbXBsZSBub25jZQ==").encode() in answer
                    assert b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in answer  # RFC 6455's example
        assert socket_mode.count("connections") == 1


def test_apps_connections_open_wants_the_app_token(fake_slack):
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    def error(token: str, method: str = "apps.connections.open") -> str:
        with pytest.raises(SlackApiError) as excinfo:
            WebClient(token=token, base_url=fake_slack.base_url).api_call(method)
        return excinfo.value.response["error"]

    assert error(APP_TOKEN) == "invalid_auth"  # the fake knows no app token yet
    fake_slack.app_token = APP_TOKEN
    assert error(APP_TOKEN) == "fake_socket_mode_url_not_set"
    fake_slack.socket_mode_url = "ws://127.0.0.1:9/link"
    bot = WebClient(token="xoxb-test-token", base_url=fake_slack.base_url)
    assert bot.apps_connections_open(app_token=APP_TOKEN)["url"] == "ws://127.0.0.1:9/link"
    assert error("xoxb-test-token") == "not_allowed_token_type"
    assert error(APP_TOKEN, "chat.postMessage") == "not_allowed_token_type"
    assert error("xapp-1-wrong") == "invalid_auth"
    assert bot.auth_test()["ok"]
