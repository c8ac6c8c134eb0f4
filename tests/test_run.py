"""`snsbot run` as a real process: HTTP mode serves Slack and /healthz; bad settings exit clearly."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import requests
from conftest import CHIEF, OPERATOR, SECRET, TOKEN
from drafting import draft_values
from slack_signing import SignedSlackClient


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SNSBOT_", "X_"))}
    env.pop("DATABASE_URL", None)
    env.update(extra)
    return env


def test_run_http_serves_signed_requests_and_healthz(tmp_path, fake_slack, database_url):
    port = free_port()
    env = clean_env(
        tmp_path,
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake_slack.base_url,
        DATABASE_URL=database_url,
        SNSBOT_CHIEF=CHIEF,
        SNSBOT_OPERATORS=OPERATOR,
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--http", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.05)
        else:
            raise AssertionError("snsbot run did not come up")
        slack = SignedSlackClient(f"{base}/slack/events", SECRET, fake_slack)
        response = slack.view_submission(OPERATOR, "draft_submit", draft_values())
        assert response.status_code == 200
        fake_slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == CHIEF)
        assert slack.post("command=%2Fsns&user_id=U1", signature="v0=bad").status_code == 401
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert "Traceback" not in output
    assert TOKEN not in output and SECRET not in output


def test_run_without_slack_settings_says_what_to_set(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=clean_env(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}/x.db"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN is not set" in result.stderr
    assert "README" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_database_is_a_clear_error(tmp_path):
    port = free_port()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "roles", "list"],
        cwd=tmp_path,
        env=clean_env(
            tmp_path, DATABASE_URL=f"postgresql+psycopg://nobody:secret@127.0.0.1:{port}/none"
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "cannot reach the database" in result.stderr
    assert "Traceback" not in result.stderr and "secret" not in result.stderr


def test_worker_process_publishes_what_the_bot_approved(tmp_path, fake_slack, database_url):
    from sqlalchemy import select

    from bot import db, workflow
    from bot.drafts import DraftInput
    from bot.models import Publication
    from bot.services import utc_now

    factory = db.make_session_factory(db.make_engine(database_url))
    env = clean_env(
        tmp_path,
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake_slack.base_url,
        DATABASE_URL=database_url,
        SNSBOT_CHIEF=CHIEF,
        SNSBOT_OPERATORS=OPERATOR,
    )
    command = [sys.executable, "-m", "bot", "roles", "list"]
    subprocess.run(command, cwd=tmp_path, env=env, check=True, capture_output=True, timeout=60)
    with factory.begin() as session:
        draft = workflow.submit(
            session,
            author_id=OPERATOR,
            content=DraftInput(body="ワーカーのテスト", channels=("x", "blog")),
            now=utc_now(),
        )
    with factory.begin() as session:
        workflow.decide(session, draft_id=draft.id, actor=CHIEF, approve=True, now=utc_now())
    result = subprocess.run(
        [sys.executable, "-m", "bot", "worker", "--once"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    with factory() as session:
        assert {p.status for p in session.execute(select(Publication)).scalars()} == {"published"}
    assert fake_slack.calls("chat.postMessage")
