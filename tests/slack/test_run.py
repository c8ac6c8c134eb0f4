"""`snsbot run` as a real process: HTTP mode serves Slack and /healthz; bad settings exit clearly."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest
import requests
from conftest import CHIEF, OPERATOR, PG_URL, SECRET, TOKEN
from drafting import draft_values
from processes import healthy, snsbot_env, wait_until
from slack_signing import SignedSlackClient
from sqlalchemy.engine import make_url

from bot import db


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SNSBOT_", "X_"))}
    env.pop("DATABASE_URL", None)
    env["SNSBOT_REMINDER_TIME"] = "off"  # no time-driven messages on the wall clock
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
    assert "docs/configuration.md" in result.stderr
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


def start_or_refuse(tmp_path, env: dict, *args: str) -> tuple[bool, int | None, str]:
    """Start `snsbot run --http`: (whether it refused to start, its exit code, its output)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--http", "--port", str(port), *args],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_until(lambda: healthy(port) or process.poll() is not None, what="snsbot run")
    finally:
        refused = process.poll() is not None
        if not refused:
            process.terminate()
        _, stderr = process.communicate(timeout=10)
    return refused, process.returncode, stderr


def the_one_line(stderr: str) -> str:
    """The start-up refusal: one line, no traceback."""
    assert "Traceback" not in stderr
    (line,) = [line for line in stderr.splitlines() if line.startswith("snsbot cannot")]
    return line


def test_a_read_only_sqlite_database_is_refused_at_start_saying_read_only(tmp_path, fake_slack):
    """Root writes through chmod 444, so the file is opened read-only by URL: mode=ro."""
    path = tmp_path / "snsbot.db"
    writable = f"sqlite:///{path}"
    db.upgrade(db.make_engine(writable))
    seed = [sys.executable, "-m", "bot", "roles", "list"]  # the roster needs no write any more
    subprocess.run(seed, cwd=tmp_path, env=snsbot_env(writable, fake_slack), check=True,
                   capture_output=True, timeout=60)  # fmt: skip
    env = snsbot_env(f"sqlite:///file:{path}?mode=ro&uri=true", fake_slack)
    refused, code, stderr = start_or_refuse(tmp_path, env)
    assert refused and code == 1, stderr
    line = the_one_line(stderr)
    assert f"the SQLite file {path} is read-only" in line and "mode=ro" in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to a chmod 444 file")
def test_a_sqlite_file_without_write_permission_is_named(tmp_path, fake_slack):
    path = tmp_path / "snsbot.db"
    db.upgrade(db.make_engine(f"sqlite:///{path}"))
    path.chmod(0o444)
    refused, code, stderr = start_or_refuse(tmp_path, snsbot_env(f"sqlite:///{path}", fake_slack))
    assert refused and code == 1, stderr
    assert "read-only" in the_one_line(stderr) or "permission denied" in the_one_line(stderr)


def test_a_missing_directory_for_sqlite_is_named(tmp_path, fake_slack):
    folder = tmp_path / "no-such-directory"
    env = snsbot_env(f"sqlite:///{folder}/snsbot.db", fake_slack)
    refused, code, stderr = start_or_refuse(tmp_path, env)
    assert refused and code == 1, stderr
    assert f"the directory {folder} does not exist" in the_one_line(stderr)


@pytest.mark.skipif(not PG_URL, reason="needs SNSBOT_TEST_POSTGRES_URL")
@pytest.mark.parametrize(
    ("change", "said"),
    [
        (dict(database="no_such_database"), 'has no database "no_such_database"'),
        (dict(port=0), "connection refused"),
        (dict(username="no_such_user", password="pg-password-xyz"), "authentication failed"),
        (
            dict(query={"options": "-c default_transaction_read_only=on"}),
            "only lets snsbot read",
        ),
    ],
    ids=["database", "port", "user", "read-only"],
)
def test_postgresql_problems_are_said_in_plain_words(tmp_path, fake_slack, change, said):
    if change.get("port") == 0:
        change = {**change, "port": free_port()}
    url = make_url(PG_URL).set(**change).render_as_string(hide_password=False)
    refused, code, stderr = start_or_refuse(tmp_path, snsbot_env(url, fake_slack))
    assert refused and code == 1, stderr
    assert said in the_one_line(stderr)
    assert "pg-password-xyz" not in stderr


def test_worker_process_publishes_what_the_bot_approved(tmp_path, fake_slack, database_url):
    from sqlalchemy import select

    from bot import db
    from bot.approval import workflow
    from bot.approval.drafts import DraftInput
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
