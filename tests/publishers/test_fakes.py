"""Tests proving the fake Slack Web API and the signed Slack client work with a real Bolt app."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import pytest
import requests
from fakes.slack_api import FakeSlack
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RateLimitErrorRetryHandler
from slack_sdk.signature import Clock, SignatureVerifier
from slack_signing import (
    SignedSlackClient,
    checkbox_value,
    datetime_value,
    files_value,
    radio_value,
    sign,
    static_select_value,
    text_value,
)
from waitress import create_server, wasyncore

TOKEN = "xoxb-test-token"
SECRET = "test-signing-secret"

OFFICIAL_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
OFFICIAL_TIMESTAMP = 1531420618
OFFICIAL_BODY = (
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow"
    "&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner"
    "&command=%2Fwebhook-collect&text="
    "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554"
    "%2F96rGlfmibIGlgcZRskXaIFfN"
    "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
OFFICIAL_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


# ---------------------------------------------------------------------- fixtures


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(token=TOKEN) as server:
        yield server


@dataclass
class RunningApp:
    url: str
    slack: SignedSlackClient
    bodies: list[dict[str, Any]] = field(default_factory=list)


def _build_app(fake: FakeSlack, bodies: list[dict[str, Any]]) -> App:
    # No token=: Bolt takes it from `client` (and warns that token= is unused if both are given).
    app = App(
        signing_secret=SECRET,
        client=WebClient(base_url=fake.base_url, token=TOKEN),
    )

    @app.command("/sns")
    def on_command(ack, command, client, respond, context):
        ack()
        bodies.append({"kind": "command", "body": command, "context_user": context.user_id})
        if command["text"] == "respond":
            respond("hello via response_url")
        client.chat_postMessage(channel=command["user_id"], text=f"got: {command['text']}")

    @app.action("approve")
    def on_approve(ack, body, client, context):
        ack()
        bodies.append({"kind": "action", "body": body, "channel": context.channel_id})
        client.chat_postMessage(channel="U1", text=f"approved {body['actions'][0]['value']}")
        client.chat_update(channel=context.channel_id, ts=body["message"]["ts"], text="done")

    @app.action("pick")
    def on_pick(ack, body, action, client):
        ack()
        bodies.append({"kind": "pick", "body": body})
        client.views_update(
            view_id=body["view"]["id"],
            hash=body["view"]["hash"],
            view={
                "type": "modal",
                "callback_id": "post_modal",
                "title": {"type": "plain_text", "text": action["selected_option"]["value"]},
                "blocks": [],
            },
        )

    @app.view("post_modal")
    def on_submit(ack, body, view, client):
        values = view["state"]["values"]
        text = values["body"]["input"]["value"]
        if not text:
            ack(response_action="errors", errors={"body": "required"})
            return
        ack()
        bodies.append({"kind": "view", "body": body})
        client.chat_postMessage(channel=body["user"]["id"], text=text)

    @app.event("app_home_opened")
    def on_home(event, client):
        client.views_publish(user_id=event["user"], view={"type": "home", "blocks": []})

    return app


@pytest.fixture
def running_app(fake: FakeSlack) -> Iterator[RunningApp]:
    bodies: list[dict[str, Any]] = []
    app = _build_app(fake, bodies)
    server = create_server(SlackRequestHandler(app), host="127.0.0.1", port=0)
    stopping = threading.Event()

    def serve() -> None:
        # Poll in short slices so the loop thread itself closes the sockets on shutdown;
        # closing them from another thread while select() runs raises EBADF in this thread.
        while not stopping.is_set():
            wasyncore.loop(timeout=0.05, map=server._map, count=1)
        server.task_dispatcher.shutdown()
        wasyncore.close_all(server._map)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.effective_port}/slack/events"
    slack = SignedSlackClient(url, SECRET, fake)
    try:
        yield RunningApp(url=url, slack=slack, bodies=bodies)
    finally:
        slack.close()
        stopping.set()
        thread.join(timeout=5)


# ---------------------------------------------------------------------- signing


class _FixedClock(Clock):
    def __init__(self, now: float) -> None:
        self._now = now

    def now(self) -> float:
        return self._now


def test_sign_official_vector() -> None:
    assert sign(OFFICIAL_SECRET, OFFICIAL_TIMESTAMP, OFFICIAL_BODY) == OFFICIAL_SIGNATURE
    assert sign(OFFICIAL_SECRET, str(OFFICIAL_TIMESTAMP), OFFICIAL_BODY.encode()) == (
        OFFICIAL_SIGNATURE
    )
    verifier = SignatureVerifier(OFFICIAL_SECRET, clock=_FixedClock(OFFICIAL_TIMESTAMP))
    assert verifier.is_valid(OFFICIAL_BODY, str(OFFICIAL_TIMESTAMP), OFFICIAL_SIGNATURE)


def test_sign_matches_slack_sdk_for_unicode_body() -> None:
    body = "payload=" + json.dumps({"text": "投稿 🚀"}, ensure_ascii=False)
    now = int(time.time())
    signature = sign(SECRET, now, body)
    verifier = SignatureVerifier(SECRET)
    assert verifier.generate_signature(timestamp=str(now), body=body) == signature
    assert verifier.is_valid(body, str(now), signature)
    assert not verifier.is_valid(body + " ", str(now), signature)


# ---------------------------------------------------------------------- app over HTTP


def test_command_is_verified_and_listener_calls_fake(
    fake: FakeSlack, running_app: RunningApp
) -> None:
    resp = running_app.slack.command("U1", text="hello 日本語")
    assert resp.status_code == 200

    (call,) = fake.wait_for("chat.postMessage")
    assert call.params["channel"] == "U1"
    assert call.params["text"] == "got: hello 日本語"
    assert call.response["channel"] == "DU1"
    assert call.headers["authorization"] == f"Bearer {TOKEN}"
    assert call.ok

    command = running_app.bodies[0]["body"]
    assert command["command"] == "/sns"
    assert command["user_name"] == "user-U1"
    assert command["response_url"].startswith(fake.root_url + "/response/")
    assert running_app.bodies[0]["context_user"] == "U1"
    # App() verified the token at construction time with auth.test.
    assert fake.calls("auth.test")


def test_command_respond_goes_to_fake_response_url(
    fake: FakeSlack, running_app: RunningApp
) -> None:
    url = fake.response_url("cmd")
    running_app.slack.command("U1", text="respond", response_url=url)
    (call,) = fake.wait_for("response_url", where=lambda c: url.endswith(c.path))
    assert call.params["text"] == "hello via response_url"
    assert call.response == {"ok": True}
    assert "authorization" not in call.headers


def test_block_action_from_message(fake: FakeSlack, running_app: RunningApp) -> None:
    resp = running_app.slack.block_action(
        "U2", "approve", "req-42", channel_id="D0TEST", message_ts="1700000000.000900"
    )
    assert resp.status_code == 200
    (post,) = fake.wait_for("chat.postMessage")
    assert post.params["text"] == "approved req-42"
    assert post.response["channel"] == "DU1"
    (update,) = fake.wait_for("chat.update")
    assert update.params["channel"] == "D0TEST"
    assert update.params["ts"] == "1700000000.000900"

    body = running_app.bodies[0]["body"]
    assert running_app.bodies[0]["channel"] == "D0TEST"
    assert body["type"] == "block_actions"
    assert body["user"]["id"] == "U2"
    assert body["container"]["type"] == "message"
    assert body["response_url"].startswith(fake.root_url)


def test_block_action_from_view(fake: FakeSlack, running_app: RunningApp) -> None:
    opened = WebClient(base_url=fake.base_url, token=TOKEN).views_open(
        trigger_id="1.2.3", view={"type": "modal", "callback_id": "post_modal", "blocks": []}
    )["view"]
    resp = running_app.slack.block_action(
        "U3",
        "pick",
        view=opened,
        action_type="static_select",
        selected={"selected_option": static_select_value("x")["selected_option"]},
    )
    assert resp.status_code == 200
    (update,) = fake.wait_for("views.update")
    assert update.params["view_id"] == opened["id"]
    assert update.response["view"]["id"] == opened["id"]
    assert update.response["view"]["title"]["text"] == "x"
    body = running_app.bodies[0]["body"]
    assert body["container"] == {"type": "view", "view_id": opened["id"]}
    assert "channel" not in body and "response_url" not in body


def test_view_submission(fake: FakeSlack, running_app: RunningApp) -> None:
    values = {
        "body": {"input": text_value("本文です")},
        "targets": {"cb": checkbox_value("x", "instagram")},
        "when": {"mode": radio_value(None), "at": datetime_value(1700003600)},
        "account": {"sel": static_select_value("main")},
        "media": {"files": files_value([{"id": "F1", "name": "a.png"}])},
    }
    resp = running_app.slack.view_submission("U4", "post_modal", values, private_metadata="m")
    assert resp.status_code == 200
    assert resp.text == ""
    (post,) = fake.wait_for("chat.postMessage")
    # Bolt's per-request client sends the request's team_id with every Web API call.
    assert post.params == {"channel": "U4", "text": "本文です", "team_id": "T0TEST"}
    assert post.response["channel"] == "DU4"
    view = running_app.bodies[0]["body"]["view"]
    assert view["private_metadata"] == "m"
    assert view["state"]["values"]["targets"]["cb"]["selected_options"][1]["value"] == "instagram"


def test_view_submission_errors_are_returned_in_http_response(running_app: RunningApp) -> None:
    values = {"body": {"input": text_value(None)}}
    resp = running_app.slack.view_submission("U4", "post_modal", values)
    assert resp.status_code == 200
    assert resp.json() == {"response_action": "errors", "errors": {"body": "required"}}


def test_event_callback(fake: FakeSlack, running_app: RunningApp) -> None:
    event = {"type": "app_home_opened", "user": "U5", "channel": "D5", "tab": "home"}
    resp = running_app.slack.event(event)
    assert resp.status_code == 200
    (call,) = fake.wait_for("views.publish")
    assert call.params["user_id"] == "U5"
    assert call.response["view"]["type"] == "home"


def test_bad_signature_and_stale_timestamp_are_rejected(running_app: RunningApp) -> None:
    body = "token=x&team_id=T0TEST&user_id=U1&command=%2Fsns&text=hi"
    assert running_app.slack.post(body, signature="v0=" + "0" * 64).status_code == 401
    stale = int(time.time()) - 6 * 60
    assert running_app.slack.post(body, timestamp=stale).status_code == 401
    other = SignedSlackClient(running_app.url, "wrong-secret")
    assert other.command("U1").status_code == 401


def test_payload_substring_in_command_body_breaks_bolt_parsing(
    fake: FakeSlack, running_app: RunningApp
) -> None:
    """Bolt 1.x treats any form body containing "payload" as an interactivity payload.

    A slash command whose text (or any other field) contains that word is parsed as `{}`,
    so no listener matches and Slack would show an error to the user.
    """
    resp = running_app.slack.command("U1", text="payload")
    assert resp.status_code == 404
    assert running_app.bodies == []


# ---------------------------------------------------------------------- fake Web API


def test_rate_limit_is_retried_by_web_client(fake: FakeSlack) -> None:
    client = WebClient(
        base_url=fake.base_url,
        token=TOKEN,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    fake.fail_next("chat.postMessage", status=429, retry_after=0)
    result = client.chat_postMessage(channel="C1", text="hi")
    assert result["ok"] and result["channel"] == "C1"
    calls = fake.calls("chat.postMessage")
    assert [c.status for c in calls] == [429, 200]
    assert calls[0].response == {"ok": False, "error": "ratelimited"}


def test_rate_limit_without_retry_handler_raises(fake: FakeSlack) -> None:
    client = WebClient(base_url=fake.base_url, token=TOKEN)
    fake.fail_next("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="C1", text="hi")
    assert excinfo.value.response.status_code == 429
    assert excinfo.value.response.headers["Retry-After"] == "7"
    assert excinfo.value.response["error"] == "ratelimited"


def test_error_and_server_error_injection(fake: FakeSlack) -> None:
    client = WebClient(base_url=fake.base_url, token=TOKEN)
    fake.fail_next("views.open", status=200, error="expired_trigger_id")
    with pytest.raises(SlackApiError) as excinfo:
        client.views_open(trigger_id="t", view={"type": "modal", "blocks": []})
    assert excinfo.value.response["error"] == "expired_trigger_id"

    fake.fail_next("chat.postMessage", status=503)
    resp = requests.post(
        fake.base_url + "chat.postMessage",
        data={"channel": "C1", "text": "x"},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=5,
    )
    assert resp.status_code == 503
    assert resp.text == "Service Unavailable"
    assert client.chat_postMessage(channel="C1", text="x")["ok"]
    assert [c.status for c in fake.calls("chat.postMessage")] == [503, 200]


def test_invalid_auth(fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        WebClient(base_url=fake.base_url, token="xoxb-wrong").auth_test()
    assert excinfo.value.response["error"] == "invalid_auth"
    resp = requests.post(fake.base_url + "auth.test", timeout=5)
    assert resp.json() == {"ok": False, "error": "invalid_auth"}


def test_api_answers_are_shaped_like_slack(fake: FakeSlack) -> None:
    client = WebClient(base_url=fake.base_url, token=TOKEN)
    assert client.auth_test()["user_id"] == "UBOT"
    first = client.chat_postMessage(channel="W9", text="a", blocks=[{"type": "divider"}])
    second = client.chat_postMessage(channel="C1", text="b")
    assert first["channel"] == "DW9"
    assert first["message"]["blocks"] == [{"type": "divider"}]
    assert float(first["ts"]) < float(second["ts"])
    assert client.chat_postEphemeral(channel="C1", user="U1", text="e")["message_ts"]
    assert client.conversations_open(users=["U7", "U8"])["channel"]["id"] == "DU7"
    user = client.users_info(user="U7")["user"]
    assert user["name"] == "user-U7" and user["tz"] == "Asia/Tokyo"
    v1 = client.views_open(trigger_id="t", view={"type": "modal", "callback_id": "cb"})["view"]
    v2 = client.views_push(trigger_id="t", view={"type": "modal", "callback_id": "cb"})["view"]
    assert v1["id"] != v2["id"] and v1["callback_id"] == "cb" and v1["hash"]
    updated = client.views_update(view_id=v1["id"], view={"type": "modal"})["view"]
    assert updated["id"] == v1["id"] and updated["hash"] != v1["hash"]
    assert client.reactions_add(channel="C1", timestamp=first["ts"], name="ok").data == {"ok": True}


def test_form_encoded_json_fields_are_decoded(fake: FakeSlack) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    requests.post(
        fake.base_url + "chat.postMessage?thread_ts=1.2",
        data={"channel": "C1", "blocks": json.dumps(blocks), "attachments": "[]"},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=5,
    )
    (call,) = fake.calls("chat.postMessage")
    assert call.params == {"channel": "C1", "blocks": blocks, "attachments": [], "thread_ts": "1.2"}
    assert dict(parse_qsl(call.raw_body.decode()))["blocks"] == json.dumps(blocks)


def test_wait_for_timeout_raises_with_summary(fake: FakeSlack) -> None:
    WebClient(base_url=fake.base_url, token=TOKEN).chat_postMessage(channel="C1", text="x")
    with pytest.raises(AssertionError, match=r"(?s)Timed out.*chat\.postMessage status=200"):
        fake.wait_for("chat.postMessage", count=2, timeout=0.2)
    with pytest.raises(AssertionError, match="0 matched"):
        fake.wait_for("chat.postMessage", timeout=0.1, where=lambda c: c.params["nope"])
    fake.clear()
    assert fake.calls() == []


def test_delay(fake: FakeSlack) -> None:
    client = WebClient(base_url=fake.base_url, token=TOKEN)
    fake.delay("views.open", 0.3)
    started = time.monotonic()
    client.views_open(trigger_id="t", view={"type": "modal"})
    assert time.monotonic() - started >= 0.3
    fake.delay("views.open", 0)
    started = time.monotonic()
    client.views_open(trigger_id="t", view={"type": "modal"})
    assert time.monotonic() - started < 0.3


def test_hosted_file_requires_bot_token(fake: FakeSlack) -> None:
    file_obj = fake.add_file(b"\x89PNG fake", name="photo.png")
    ok = requests.get(
        file_obj["url_private_download"],
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=5,
    )
    assert ok.content == b"\x89PNG fake"
    assert ok.headers["Content-Type"] == "image/png"
    anonymous = requests.get(file_obj["url_private"], timeout=5)
    assert anonymous.status_code == 200
    assert anonymous.headers["Content-Type"].startswith("text/html")
    info = WebClient(base_url=fake.base_url, token=TOKEN).files_info(file=file_obj["id"])
    assert info["file"]["size"] == len(b"\x89PNG fake")


def test_history_pages_newest_first_between_oldest_and_latest(fake: FakeSlack) -> None:
    client = WebClient(base_url=fake.base_url, token=TOKEN)
    posted = [client.chat_postMessage(channel="U5", text=f"m{i}")["ts"] for i in range(7)]
    assert [m["ts"] for m in fake.messages("U5")] == posted == sorted(posted, key=float)
    seen, cursor = [], None
    while True:
        page = client.conversations_history(
            channel="DU5", oldest=posted[1], latest=posted[6], limit=2, cursor=cursor
        )
        seen += [m["text"] for m in page["messages"]]
        if not page["has_more"]:
            assert "response_metadata" not in page
            break
        cursor = page["response_metadata"]["next_cursor"]
    assert seen == ["m5", "m4", "m3", "m2"]  # oldest and latest themselves excluded
    both = client.conversations_history(
        channel="DU5", oldest=posted[1], latest=posted[2], inclusive=True
    )
    assert [m["text"] for m in both["messages"]] == ["m2", "m1"]
    assert client.conversations_history(channel="DU9")["messages"] == []
    with pytest.raises(SlackApiError) as excinfo:
        client.conversations_history(channel="#general")
    assert excinfo.value.response["error"] == "channel_not_found"


def test_history_gives_metadata_only_when_asked(fake: FakeSlack) -> None:
    client = WebClient(base_url=fake.base_url, token=TOKEN)
    metadata = {"event_type": "thing_done", "event_payload": {"id": "7"}}
    client.chat_postMessage(channel="C1", text="x", metadata=metadata)
    fake.add_message("C1", "planted", ts="1600000000.000001")
    plain = client.conversations_history(channel="C1")["messages"]
    assert [m["text"] for m in plain] == ["x", "planted"]
    assert all("metadata" not in m for m in plain)
    (full, _) = client.conversations_history(channel="C1", include_all_metadata=True)["messages"]
    assert full["metadata"] == metadata
    client.chat_update(channel="C1", ts=full["ts"], text="y")
    assert fake.messages("C1")[1]["text"] == "y"  # updated in place, metadata kept
    assert fake.messages("C1")[1]["metadata"] == metadata


def test_history_needs_the_scope_of_the_conversation(fake: FakeSlack) -> None:
    client = WebClient(base_url=fake.base_url, token=TOKEN)
    fake.missing_scopes |= {"groups:history", "im:write"}
    assert client.conversations_history(channel="C1")["ok"]
    for call in (
        lambda: client.conversations_history(channel="G1"),
        lambda: client.conversations_open(users="U1"),
    ):
        with pytest.raises(SlackApiError) as excinfo:
            call()
        assert excinfo.value.response["error"] == "missing_scope"
    assert excinfo.value.response["needed"] == "im:write"


def test_fail_after_work_makes_the_message_then_loses_the_answer(fake: FakeSlack) -> None:
    client = WebClient(base_url=fake.base_url, token=TOKEN, timeout=0.5, retry_handlers=[])
    fake.fail_after_work("chat.postMessage", hold=1.5)
    with pytest.raises(TimeoutError):
        client.chat_postMessage(channel="U1", text="late")
    fake.fail_after_work("chat.postMessage", status=502)
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="U1", text="failed")
    assert excinfo.value.response.status_code == 502
    assert [m["text"] for m in fake.messages("U1")] == ["late", "failed"]
    assert client.chat_postMessage(channel="U1", text="fine")["ok"]
    assert len(fake.messages("U1")) == 3
