"""`--debug` and SNSBOT_LOG_LEVEL=DEBUG log everything but a secret: the redacting log filter."""

from __future__ import annotations

import logging
import subprocess
import sys

from conftest import CHIEF, OPERATOR, SECRET
from drafting import card_button, draft_values
from processes import free_port, healthy, platform_fakes, snsbot_env, wait_until
from slack_signing import SignedSlackClient
from test_secrets import leaks

from bot import logs

XOXB = "xoxb-1111-2222-abcdefSECRET"
LINES = {
    "slack_sdk headers": "headers: {'Authorization': 'Bearer " + XOXB + "', 'User-Agent': 'x'}",
    "a bare token": f"token {XOXB} and xapp-1-A0-1234-zzzSECRET",
    "an OAuth 1 header": 'Authorization: OAuth oauth_consumer_key="ckSECRET", oauth_token="7-t"',
    "a Basic header": "Authorization: Basic dXNlcjpwYXNzU0VDUkVU",
    "a form body": "grant_type=client_credentials&client_id=app&client_secret=csSECRET&scope=x",
    "a query string": "GET /v25.0/me?fields=id&access_token=EAAGSECRET HTTP/1.1",
    "a JSON body": '{"access_token": "eyJSECRET", "expires_in": 3599}',
    "a database URL": "postgresql+psycopg://snsbot:pgSECRET@db.example:5432/snsbot",
}


def test_redact_hides_every_secret_shape_and_every_known_value():
    for name, line in LINES.items():
        assert "SECRET" not in logs.redact(line), name
    said = logs.redact("the page token is plain-word-value-42", ["plain-word-value-42"])
    assert said == f"the page token is {logs.HIDDEN}"
    kept = "POST http://127.0.0.1:3000/slack/events 200 Authorization has been denied."
    assert logs.redact(kept) == kept  # nothing secret: left as it is


def test_the_filter_redacts_messages_arguments_and_tracebacks(caplog):
    caplog.set_level(logging.DEBUG)
    logs.configure("DEBUG", ["known-secret-value"])
    log = logging.getLogger("slack_sdk.web.base_client")
    log.debug("Sending a request - headers: %s", {"Authorization": f"Bearer {XOXB}"})
    try:
        raise ValueError("refused known-secret-value")
    except ValueError:
        log.exception("failed")
    handler = logging.getLogger().handlers[0]
    text = "\n".join(handler.format(r) for r in caplog.records)
    assert "Sending a request" in text and "ValueError" in text
    assert XOXB not in text and "known-secret-value" not in text


def test_snsbot_run_debug_talking_to_the_fakes_logs_no_secret(tmp_path, database_url, fake_slack):
    port = free_port()
    with platform_fakes() as platforms:
        env = snsbot_env(database_url, fake_slack, SNSBOT_DRY_RUN="0", **platforms.env())
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--http", "--port", str(port), "--debug"],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            wait_until(lambda: healthy(port) or process.poll() is not None, timeout=60)
            slack = SignedSlackClient(f"http://127.0.0.1:{port}/slack/events", SECRET, fake_slack)
            slack.view_submission(OPERATOR, "draft_submit", draft_values(body="デバッグの確認"))
            card = fake_slack.wait_for(
                "chat.postMessage", where=lambda c: c.params["channel"] == CHIEF
            )[-1]
            button = card_button(card, "approve")
            slack.block_action(CHIEF, "approve", button["value"], block_id=button["block_id"])
            fake_slack.wait_for("chat.postMessage", where=lambda c: "投稿結果" in c.params["text"])
        finally:
            process.terminate()
            output, _ = process.communicate(timeout=20)
        assert platforms.tweet_posts() and platforms.graph.feed() and platforms.blog.posts
        secrets = [v for k, v in env.items()
                   if k.endswith(("_KEY", "_SECRET", "_TOKEN", "_PASSWORD"))]  # fmt: skip
    assert " DEBUG " in output and "Sending a request" in output  # client libraries at DEBUG
    assert leaks(secrets, output=output) == []
