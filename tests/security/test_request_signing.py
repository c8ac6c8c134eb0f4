"""Request signing: only signed, fresh requests pass the HTTP edge; Socket Mode, the same app."""

from __future__ import annotations

import inspect
import json
import re
import time
from dataclasses import replace
from urllib.parse import urlencode

import pytest
import requests
from conftest import CHIEF, OPERATOR, SECRET, STRANGER
from drafting import draft_values
from fakes.socket_mode import FakeSocketMode
from security_setup import app_with_deputy, count, new_draft
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_signing import FORM, JSON, SignedSlackClient, sign
from sqlalchemy import select

from bot import serve as serving
from bot.app import assemble, serve_socket_mode, slack_http_server
from bot.models import Decision, Draft, RegisterEntry
from handlers.slack import server
from handlers.slack.server import HttpServer

app = app_with_deputy  # this module's own running app, shared by its tests


def quiet(app, still: float = 0.3, timeout: float = 10.0) -> None:
    """Wait until the app has made no Slack call for `still` seconds."""
    deadline = time.monotonic() + timeout
    seen = -1
    while time.monotonic() < deadline:
        now_seen = len(app.fake.calls())
        if now_seen == seen:
            return
        seen = now_seen
        time.sleep(still)


def _bad_variants(body: str) -> list[tuple[str, dict[str, str]]]:
    """(what is wrong, the headers sent): every way a request can fail the signature check."""
    now = int(time.time())
    good = sign(SECRET, now, body)
    old, future = now - 301, now + 601

    def headers(timestamp, signature) -> dict[str, str]:
        found = {}
        if timestamp is not None:
            found["X-Slack-Request-Timestamp"] = str(timestamp)
        if signature is not None:
            found["X-Slack-Signature"] = signature
        return found

    return [
        ("a wrong signature", headers(now, "v0=" + "0" * 64)),
        ("signed with another secret", headers(now, sign("not-the-secret", now, body))),
        ("the signature of another body", headers(now, sign(SECRET, now, body + "&x=1"))),
        ("the signature without its v0=", headers(now, good[3:])),
        ("another scheme", headers(now, "v1=" + good[3:])),
        ("an uppercase signature", headers(now, good.upper())),
        ("no signature", headers(now, None)),
        ("an empty signature", headers(now, "")),
        ("no timestamp", headers(None, good)),
        ("no headers at all", headers(None, None)),
        ("a timestamp 301 s old", headers(old, sign(SECRET, old, body))),
        ("a timestamp 10 minutes ahead", headers(future, sign(SECRET, future, body))),
        ("a timestamp that is not a number", headers("soon", sign(SECRET, "soon", body))),
        ("the signature of another timestamp", headers(now - 1, good)),
    ]


def _requests(app, draft_id: int) -> dict[str, tuple[str, str]]:
    """(body, content type) of a request of each kind that would change something if accepted."""
    slack = app.slack
    approve = slack.block_action_payload(
        CHIEF, "approve", str(draft_id), block_id="card_actions:1", channel_id=f"D{CHIEF}"
    )
    return {
        "slash command": (
            urlencode(
                {
                    "command": "/sns",
                    "user_id": OPERATOR,
                    "text": "draft 署名なし",
                    "trigger_id": "1.2.3",
                    "response_url": app.fake.response_url("c"),
                }
            ),
            FORM,
        ),
        "draft submission": (
            urlencode(
                {
                    "payload": json.dumps(
                        slack.view_submission_payload(
                            OPERATOR, "draft_submit", draft_values(body="署名のない下書き")
                        )
                    )
                }
            ),
            FORM,
        ),
        "approve click": (urlencode({"payload": json.dumps(approve)}), FORM),
        "event": (
            json.dumps(
                {
                    "type": "event_callback",
                    "event_id": "Ev0SIGN",
                    "team_id": "T0TEST",
                    "event": {"type": "app_home_opened", "user": CHIEF, "tab": "home"},
                }
            ),
            JSON,
        ),
    }


@pytest.mark.parametrize("kind", ["slash command", "draft submission", "approve click", "event"])
def test_unsigned_or_stale_requests_are_401_and_change_nothing(app, kind):
    draft_id = new_draft(app.services)
    body, content_type = _requests(app, draft_id)[kind]
    quiet(app)  # whatever the previous test set going has finished
    entries, drafts = count(app, RegisterEntry), count(app, Draft)
    slack_calls = len(app.fake.calls())
    for problem, headers in _bad_variants(body):
        response = requests.post(
            app.slack.url,
            data=body.encode(),
            headers={"Content-Type": content_type, **headers},
            timeout=10,
        )
        assert response.status_code == 401, problem
        assert "Traceback" not in response.text and "invalid" in response.text, problem
    time.sleep(0.3)  # anything a request had started would show by now
    assert count(app, RegisterEntry) == entries
    assert count(app, Draft) == drafts
    assert count(app, Decision, Decision.draft_id == draft_id) == 0
    new_calls = [c.method for c in app.fake.calls()[slack_calls:]]
    assert new_calls == [], new_calls
    # The same request, correctly signed, does get through: the check, not the request, refused.
    assert app.slack.post(body, content_type).status_code == 200


def test_a_request_290_seconds_old_is_still_accepted(app):
    timestamp = int(time.time()) - 290
    body = urlencode({"command": "/sns", "user_id": STRANGER, "text": "help",
                      "trigger_id": "1.2.3", "response_url": app.fake.response_url("c")})  # fmt: skip
    response = app.slack.post(body, timestamp=timestamp, signature=sign(SECRET, timestamp, body))
    assert response.status_code == 200 and "/sns" in response.json()["text"]


def test_socket_mode_and_http_serve_the_same_app_with_the_same_checks(settings, fake_slack):
    """One runtime served both ways at once: the same answers, and refusals recorded both ways."""
    settings = replace(settings, slack_app_token="xapp-1-test")
    with FakeSocketMode() as socket_mode:
        fake_slack.app_token, fake_slack.socket_mode_url = "xapp-1-test", socket_mode.url
        runtime = assemble(settings)
        http = HttpServer(runtime.app, SECRET, port=0)
        handler = SocketModeHandler(runtime.app, settings.slack_app_token)  # as `snsbot run`
        http.start()
        client = SignedSlackClient(f"http://127.0.0.1:{http.port}/slack/events", SECRET, fake_slack)
        try:
            handler.connect()
            assert socket_mode.connected.wait(5)
            draft_id = new_draft(runtime.services)
            command = {"command": "/sns", "user_id": STRANGER, "text": "", "channel_id": "C0",
                       "team_id": "T0TEST", "trigger_id": "1.2.3"}  # fmt: skip
            over_http = client.command(STRANGER, "").json()
            ack = socket_mode.wait_for_ack(
                socket_mode.send_envelope(
                    "slash_commands", {**command, "response_url": fake_slack.response_url("sm")}
                )
            )
            assert ack["payload"]["text"] == over_http["text"]
            assert "運用者として登録されていません" in over_http["text"]
            approve = client.block_action_payload(
                STRANGER, "approve", str(draft_id), block_id="card_actions:1"
            )
            client.post_payload(approve)
            socket_mode.wait_for_ack(socket_mode.send_envelope("interactive", approve))
            replies = fake_slack.wait_for("response_url", count=2, timeout=10)
            assert {c.params["text"] for c in replies} == {runtime.services.msg("refuse.not_chief")}
            with runtime.services.session_factory() as session:
                refused = session.execute(
                    select(RegisterEntry.actor, RegisterEntry.details).where(
                        RegisterEntry.action == "refused"
                    )
                ).all()
            assert [(actor, details["attempted"]) for actor, details in refused] == [
                (STRANGER, "approve"),
                (STRANGER, "approve"),
            ]
            # Socket Mode needs no signature (the WebSocket is opened with the app token);
            # the HTTP edge refuses an unsigned copy of the same click.
            unsigned = requests.post(
                client.url,
                data=urlencode({"payload": json.dumps(approve)}),
                headers={"Content-Type": FORM},
                timeout=10,
            )
            assert unsigned.status_code == 401
        finally:
            client.close()
            handler.client.closed = True
            handler.client.message_queue.put(None)
            handler.close()
            http.stop()
            runtime.app.listener_runner.listener_executor.shutdown(wait=True)
            runtime.services.engine.dispose()


def test_the_bolt_app_checks_no_signature_itself_so_only_the_edge_may_serve_http():
    """Bolt's own verification is off (the edge does it): snsbot must not serve Bolt directly."""
    assert "request_verification_enabled=False" in inspect.getsource(server.create_bolt_app)
    run = inspect.getsource(serving.cmd_run)
    serve = "".join(
        inspect.getsource(f) for f in (serving._serve_slack, slack_http_server, serve_socket_mode)
    )
    assert "_serve_slack(runtime" in run  # `snsbot run`, also `run --teams --slack`
    assert re.search(r"server\.HttpServer\(\s*runtime\.app", serve)
    assert "serve_socket_mode(runtime.app" in serve
    assert "events_app(app, signing_secret," in inspect.getsource(server.HttpServer)
